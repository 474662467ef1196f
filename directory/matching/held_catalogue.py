"""The matcher's Catalogue, built once and held by the app until the listings change.

Building it reads every matchable service with its relations and indexes them; a match
then takes a few milliseconds. Each match first asks the database for the catalogue's
generation, a handful of counts and latest-change times, cheap beside a rebuild, so an edit
made by any worker process (or a seed, or an import) is seen by the next match everywhere.
`forget(app)` drops the held catalogue at once, for code that knows it just changed one.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlmodel import Session, SQLModel

import matcher
from directory.matching import facts
from directory.models import (
    Accessibility,
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
TRACKED: tuple[type[SQLModel], ...] = (Service, Organisation, Location, TaxonomyTerm)
COUNTED: tuple[type[SQLModel], ...] = (
    ServiceAtLocation,
    ServiceTaxonomyTerm,
    Schedule,
    ServiceArea,
    Language,
    Accessibility,
)


class Held:
    """A catalogue and the generation it was built from, with a lock for rebuilding."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.generation: tuple[Any, ...] | None = None
        self.catalogue: matcher.Catalogue | None = None


def generation(session: Session) -> tuple[Any, ...]:
    """A value that changes whenever the facts might: one query of counts and latest times."""
    parts: list[Any] = []
    for model in TRACKED:
        table = _table(model)
        parts.append(sa.select(sa.func.count()).select_from(table).scalar_subquery())
        parts.append(sa.select(sa.func.max(table.c.updated_at)).scalar_subquery())
    for model in COUNTED:
        table = _table(model)
        parts.append(sa.select(sa.func.count()).select_from(table).scalar_subquery())
    return tuple(session.connection().execute(sa.select(*parts)).one())


def _table(model: type[SQLModel]) -> sa.FromClause:
    """The model's table (sqlmodel's types do not declare `__table__`)."""
    return sa.inspect(model).local_table


def held(session: Session, app: Flask | None = None) -> matcher.Catalogue:
    """The app's catalogue, rebuilt first if the listings changed since it was built."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    holder: Held = app.extensions.setdefault(EXTENSION, Held())
    now = generation(session)
    catalogue = holder.catalogue
    if catalogue is not None and holder.generation == now:
        return catalogue
    with holder.lock:  # one rebuild at a time; the others wait and take its result
        if holder.catalogue is None or holder.generation != now:
            holder.catalogue = facts.load_catalogue(session)
            holder.generation = now
        return holder.catalogue


def forget(app: Flask) -> None:
    """Drop the held catalogue: the next match builds a fresh one."""
    holder: Held | None = app.extensions.get(EXTENSION)
    if holder is not None:
        with holder.lock:
            holder.catalogue = holder.generation = None
