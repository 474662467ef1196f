"""The app holds the matcher's Catalogue and builds it again only when the listings change."""

from __future__ import annotations

from sqlmodel import Session, select

from directory import db
from directory.matching import held_catalogue, match_request
from directory.models import ListingStatus, Schedule, Service, stable_id

TEA = stable_id("service", "hyde-park-tuesday-tea")
LONELY = {"age": 60, "postcode": "LS6 1BD", "needs": ["loneliness"]}


def names(app) -> list[str]:
    with app.app_context(), Session(db.engine()) as session:
        result = match_request.run(session, match_request.read_request(LONELY))
        return [s.name for s in result.suggestions]


def held(app):
    with app.app_context(), Session(db.engine()) as session:
        return held_catalogue.held(session)


def test_the_catalogue_is_built_once_and_reused_until_forgotten(small_app):
    first = held(small_app)
    assert held(small_app) is first
    assert {s.name for s in first} >= {"Tuesday Tea and Chat"}
    held_catalogue.forget(small_app)
    assert held(small_app) is not first


def test_an_edited_service_is_seen_by_the_next_match(small_app, session_for):
    assert "Tuesday Tea and Chat" in names(small_app)
    before = held(small_app)
    session = session_for(small_app)
    tea = session.get(Service, TEA)
    tea.status = ListingStatus.ARCHIVED
    session.add(tea)
    session.commit()
    assert "Tuesday Tea and Chat" not in names(small_app)
    assert held(small_app) is not before
    # a table without timestamps counts by its rows: a removed opening time is seen too
    with small_app.app_context(), Session(db.engine()) as s:
        before = held_catalogue.generation(s)
    session.delete(session.exec(select(Schedule).where(Schedule.service_id == TEA)).first())
    session.commit()
    with small_app.app_context(), Session(db.engine()) as s:
        assert held_catalogue.generation(s) != before
