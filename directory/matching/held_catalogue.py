"""The matcher's Catalogue, built once and held by the app until the listings change.

Building it reads every matchable service with its relations and indexes them; a match
then takes a few milliseconds. Each match first asks the database for the catalogue's
generation, a handful of counts and latest-change times, cheap beside a rebuild, so an edit
made by any worker process (or a seed, or an import) is seen by the next match everywhere.
`forget(app)` drops the held catalogue at once, for code that knows it just changed one.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlmodel import Session

import matcher
from directory import db
from directory.matching import facts
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


def generation(session: Session) -> tuple[Any, ...]:
    """A value that changes whenever the facts might: one query of counts and latest times."""
    parts: list[Any] = []
    for tracked in TRACKED:
        parts += db.count_and_latest(sa.inspect(tracked).local_table)
    for counted in COUNTED:
        parts += db.row_count(sa.inspect(counted).local_table)
    return db.generation(session, parts)


def held(session: Session, app: Flask | None = None) -> matcher.Catalogue:
    """The app's catalogue, rebuilt first if the listings changed since it was built."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    holder: db.Held[matcher.Catalogue] = db.Held.of(app, EXTENSION)
    return holder.get(generation(session), lambda: facts.load_catalogue(session))


def forget(app: Flask) -> None:
    """Drop the held catalogue: the next match builds a fresh one."""
    db.Held.of(app, EXTENSION).forget()
