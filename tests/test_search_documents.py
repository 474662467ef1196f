"""Search documents read from the database as rows equal those of each loaded service."""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from directory import db
from directory.catalogue import published
from directory.models import ListingStatus, Service
from directory.search import documents


def _as_sets(facts: documents.ServiceFacts) -> documents.ServiceFacts:
    """Children without an order of their own may come in any order."""
    return dataclasses.replace(
        facts,
        sites=tuple(sorted(facts.sites)),
        sessions=tuple(sorted(facts.sessions, key=repr)),
        areas=tuple(sorted(facts.areas, key=repr)),
        languages=tuple(sorted(facts.languages)),
    )


def _loaded(session: Session) -> dict:
    rows = session.exec(
        select(Service)
        .where(published.is_published())
        .options(*published.facts_options(), selectinload(Service.foreign_terms))  # type: ignore[arg-type]
    ).all()
    return {s.id: _as_sets(documents.facts_from_service(s)) for s in rows}


def test_the_facts_read_as_rows_equal_those_of_each_loaded_service(demo_app) -> None:
    with Session(demo_app.extensions[db.ENGINE_KEY]) as session:
        expected = _loaded(session)
        found = {f.id: _as_sets(f) for f in documents.searchable_services(session, batch=50)}
    assert len(found) == len(expected) > 100
    assert any(f.closures for f in found.values()) and any(f.access for f in found.values())
    for service_id, facts in expected.items():
        assert found[service_id] == facts


def test_facts_of_some_ids_are_those_of_the_searchable_among_them(demo_app) -> None:
    with Session(demo_app.extensions[db.ENGINE_KEY]) as session:
        hidden = session.exec(
            select(Service.id).where(Service.status != ListingStatus.PUBLISHED)
        ).first()
        shown = session.exec(
            select(Service.id).where(published.is_published()).order_by(col(Service.name))
        ).all()[:3]
        assert hidden is not None
        found = list(documents.searchable_services(session, [hidden, *shown, shown[0]]))
        expected = _loaded(session)
    assert sorted(f.id for f in found) == sorted(shown)
    assert all(_as_sets(f) == expected[f.id] for f in found)
