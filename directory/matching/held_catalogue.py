"""The matcher's Catalogue, built once and held by the app until the listings change.

Building it reads every matchable service with its relations and indexes them; a match
then takes a few milliseconds. Each match first asks the database for the catalogue's
generation, a handful of counts and latest-change times, cheap beside a rebuild, so an edit
made by any worker process (or a seed, or an import) is seen by the next match everywhere.

The first build happens at warm-up (`warm`, before the worker takes requests). After
that, a changed generation is caught up on a thread of its own (db.Held): only the services
the change log (directory.catalogue.changes) names since the catalogue was built are read
again; when it cannot say (None), or the needs vocabulary changed (it is in every service's
words), the catalogue is read whole. A match waits at most HELD_WAIT_SECONDS for that, then
goes on with the catalogue it has. `forget(app)` drops the held catalogue at once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlmodel import Session

import matcher
from directory import db
from directory.catalogue import changes, needs
from directory.matching import facts, suggestions
from directory.models import (
    Accessibility,
    Closure,
    Language,
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    TaxonomyTerm,
)

EXTENSION = "signpost.match_catalogue"
# Tables whose rows become facts. Those with an updated_at count by count and latest change
# (a need's changed synonyms change the words of its services); the rest (no timestamps) by
# count, and their edits go through the service, which bumps it.
TRACKED = (Service, Organisation, Location, TaxonomyTerm)
COUNTED = (
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    Schedule,
    Closure,
    ServiceArea,
    Language,
    Accessibility,
)
# The needs' part of the generation (count and latest change of TaxonomyTerm).
_NEEDS = slice(2 * TRACKED.index(TaxonomyTerm), 2 * TRACKED.index(TaxonomyTerm) + 2)

Generation = tuple[Any, ...]
logger = logging.getLogger(__name__)
READ_WHOLE = "Matcher catalogue read whole: %d services in %.2f s"
UPDATED = "Matcher catalogue updated: %d services read again in %.2f s"


@dataclass(frozen=True)
class Built:
    """A catalogue, and the last change (its sequence number in the change log) in it."""

    catalogue: matcher.Catalogue
    seq: int


def generation(session: Session) -> Generation:
    """A value that changes whenever the facts might: one query of counts, latest times and
    the change log's newest entry (which moves for a logged change that leaves counts and
    times alone: a re-import dated earlier, a listing marked checked)."""
    parts: list[Any] = []
    for tracked in TRACKED:
        parts += db.count_and_latest(sa.inspect(tracked).local_table)
    for counted in COUNTED:
        parts += db.row_count(sa.inspect(counted).local_table)
    parts.append(changes.latest_part())
    return db.generation(session, parts)


def held(session: Session, app: Flask | None = None) -> matcher.Catalogue:
    """The app's catalogue; if the listings changed since it was built, the one brought up
    to date within HELD_WAIT_SECONDS, else the one held (being brought up to date)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    holder: db.Held[Built] = db.Held.of(app, EXTENSION)
    now = generation(session)
    bind = session.get_bind()

    def rebuild(previous: tuple[Generation, Built] | None) -> Built:
        with Session(bind) as own:  # on the rebuilding thread: a session of its own
            return brought_up_to_date(own, previous, now)

    return holder.get(
        now,
        lambda previous: brought_up_to_date(session, previous, now),
        wait=app.config["HELD_WAIT_SECONDS"],
        rebuild=rebuild,
    ).catalogue


def brought_up_to_date(
    session: Session, previous: tuple[Generation, Built] | None, now: Generation
) -> Built:
    """The previous catalogue with the services changed since read again, or (with none,
    or when the change log cannot say which changed) every service read afresh."""
    started = time.perf_counter()
    if previous is not None and previous[0][_NEEDS] == now[_NEEDS]:
        latest, changed = changes.since(session, previous[1].seq)
        # an empty list with a changed generation: a change the log does not name
        if changed:
            catalogue = facts.update_catalogue(session, previous[1].catalogue, changed)
            logger.info(UPDATED, len(changed), time.perf_counter() - started)
            return Built(catalogue, latest)
    seq = changes.latest(session)  # first: a change made while reading is read again next time
    catalogue = facts.load_catalogue(session)
    logger.info(READ_WHOLE, len(catalogue), time.perf_counter() - started)
    return Built(catalogue, seq)


def warm(app: Flask, session: Session) -> int:
    """Build the app's catalogue now (before the worker takes requests), and what the
    catalogue works out once per need (its services, those whose names say its synonyms:
    a match's first meeting with a need took 100-150 ms of it at 20,000 services), by one
    match for each need; how many services it holds."""
    catalogue = held(session, app)
    known = needs.held(session, app)
    for need in known.needs:
        suggestions.suggest(
            session, matcher.Profile(age=None, needs=(need.code,)), catalogue=catalogue
        )
    return len(catalogue)


def forget(app: Flask) -> None:
    """Drop the held catalogue: the next match builds a fresh one."""
    db.Held.of(app, EXTENSION).forget()
