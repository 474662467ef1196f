"""Likely duplicates: one organisation's listings at one place where one name holds the other,
the whole-catalogue scan agreeing with the scan of each listing, and "publish at once"
holding likely duplicates back for a manager, with the reason."""

from __future__ import annotations

import uuid

import pytest
from accounts_helpers import LINE, ORG_A, ORG_B, TEA, add_people, client_for
from flask import Flask
from sqlmodel import Session, select
from test_oruk_import_export import a_service, run, write
from test_oruk_spreadsheet import example, write_csv

from directory import db
from directory.listings import duplicates, editing
from directory.models import (
    Contact,
    ListingChange,
    ListingStatus,
    Phone,
    Service,
    ServiceAtLocation,
)


def _session(app: Flask) -> Session:
    return Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False)


def _add(session: Session, name: str, organisation, *, at=None, phone: str = "") -> uuid.UUID:
    """A published service, held at the same place as the service `at`, with a phone."""
    service = Service(
        organization_id=organisation, name=name, summary="", status=ListingStatus.PUBLISHED
    )
    session.add(service)
    session.flush()
    if at is not None:
        place = session.exec(
            select(ServiceAtLocation.location_id).where(ServiceAtLocation.service_id == at)
        ).first()
        session.add(ServiceAtLocation(service_id=service.id, location_id=place))
    if phone:
        session.add(Contact(service_id=service.id, name="", phones=[Phone(number=phone)]))
    session.commit()
    return service.id


def _pairs(session: Session, ids=None) -> dict[frozenset, tuple[str, ...]]:
    return {
        frozenset((p.first_id, p.second_id)): p.reasons
        for p in duplicates.likely_duplicates(session, ids)
    }


def test_one_organisation_s_listings_at_one_place_where_one_name_holds_the_other(small_app):
    with _session(small_app) as session:
        over_65s = _add(session, "Tuesday Tea and Chat for Over 65s", ORG_A, at=TEA)
        # Another organisation at the same place: the name alone is not enough.
        elsewhere = _add(session, "Tuesday Tea and Chat for Carers", ORG_B, at=TEA)
        # One word held in another name says nothing.
        one_word = _add(session, "Tuesday", ORG_A, at=TEA)
        # Same organisation and name held whole, but no place or phone in common.
        apart = _add(session, "Tuesday Tea and Chat in Winter", ORG_A)
        # Same organisation and one phone, by another route: the phone is enough.
        line_too = _add(session, "Evening Listening Line Extra", ORG_B, phone="0113 496 0001")
        session.add(Contact(service_id=LINE, name="", phones=[Phone(number="+44 113 496 0001")]))
        session.commit()
        found = _pairs(session)
    assert found[frozenset((TEA, over_65s))] == (
        "same organisation",
        duplicates.ONE_HOLDS_THE_OTHER,
        "same postcode LS6 1BD",
    )
    assert found[frozenset((LINE, line_too))] == (
        "same organisation",
        duplicates.ONE_HOLDS_THE_OTHER,
        "same phone",
    )
    for service_id in (elsewhere, one_word, apart):
        assert not [pair for pair in found if service_id in pair]


def test_the_whole_scan_agrees_with_the_scan_of_each_listing(small_app):
    with _session(small_app) as session:
        same = _add(session, "Tuesday tea and chat", ORG_A, at=TEA)
        over_65s = _add(session, "Tuesday Tea and Chat for Over 65s", ORG_A, at=TEA)
        other_organisation = _add(session, "Tuesday Tea & Chat", ORG_B, at=TEA)
        ids = session.exec(select(Service.id).where(Service.status != ListingStatus.ARCHIVED)).all()
        whole = _pairs(session)
        one_by_one: dict[frozenset, tuple[str, ...]] = {}
        for service_id in ids:
            one_by_one.update(_pairs(session, [service_id]))
    # Every two of the four teas but the over-65s and the other organisation's.
    assert set(whole) == {
        frozenset(pair)
        for pair in [
            (TEA, same),
            (TEA, over_65s),
            (TEA, other_organisation),
            (same, over_65s),
            (same, other_organisation),
        ]
    }
    assert whole == one_by_one


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    return small_app


def test_publishing_at_once_holds_likely_duplicates_back_with_the_reason(app, tmp_path):
    with _session(app) as session:
        tea = session.get(Service, TEA)
        tea_organisation = tea.organisation.name
    walk = a_service()
    walk_over_65s = a_service(name="Armley Walking Group for Over 65s")
    walk_over_65s["organization"] = walk["organization"]
    walk_over_65s["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = "LS12 3LN"
    tea_twin = a_service(name="Tuesday Tea & Chat")
    tea_twin["organization"]["name"] = tea_organisation
    tea_twin["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = "LS6 1BD"
    alone = a_service(name="Beeston Chess Club")
    alone["organization"] = {"id": str(uuid.uuid4()), "name": "Beeston Chess", "description": ""}
    source = write(tmp_path, [walk, walk_over_65s, tea_twin, alone])
    result = run(app, "import-oruk", source, "--publish")
    assert result.exit_code == 0, result.output
    assert "Held back for a manager" in result.output
    assert f"'Tuesday Tea & Chat' ({tea_twin['id']}) waits for a manager" in result.output
    with _session(app) as session:
        status = {s["name"]: session.get(Service, uuid.UUID(s["id"])) for s in (walk, alone)}
        twin = session.get(Service, uuid.UUID(tea_twin["id"]))
        assert status["Beeston Chess Club"].status == ListingStatus.PUBLISHED
        # Both new walks look like each other: both wait; the listing already live stays live.
        assert status["Armley Walking Group"].status == ListingStatus.PENDING_REVIEW
        assert twin.status == ListingStatus.PENDING_REVIEW
        assert session.get(Service, TEA).status == ListingStatus.PUBLISHED
        assert twin.hold_reason.startswith(f"Looks like “Tuesday Tea and Chat” ({TEA})")
        assert "same organisation" in twin.hold_reason
        twin_organisation = twin.organization_id
        held = editing.history(session, editing.entity_type_of(twin), twin.id)
        assert held[0].actor == duplicates.IMPORT and "Held back" in held[0].note
    dashboard = client_for(app, "manager").get("/manage/").text
    assert "held back by an import that published at once" in dashboard
    assert "Looks like “Tuesday Tea and Chat”" in dashboard
    organisation_page = client_for(app, "manager").get(f"/manage/organisations/{twin_organisation}")
    assert "Held back by an import that published at once. Looks like" in organisation_page.text
    assert app.test_client().get(f"/api/v1/services/{tea_twin['id']}").status_code == 404
    # A manager looks and publishes it: the reason goes, and a later import keeps it live.
    manager = client_for(app, "manager")
    assert manager.post(f"/manage/services/{tea_twin['id']}/publish").status_code == 302
    again = run(app, "import-oruk", source, "--publish")
    assert again.exit_code == 0, again.output
    with _session(app) as session:
        twin = session.get(Service, uuid.UUID(tea_twin["id"]))
        assert (twin.status, twin.hold_reason) == (ListingStatus.PUBLISHED, "")
        walk_now = session.get(Service, uuid.UUID(walk["id"]))
        assert walk_now.status == ListingStatus.PENDING_REVIEW  # still held: still alike
        changes = session.exec(
            select(ListingChange).where(ListingChange.entity_id == walk_now.id)
        ).all()
        assert len(changes) == 2  # held back by each import that published at once


def test_an_import_that_does_not_publish_holds_nothing_back(app, tmp_path):
    with _session(app) as session:
        tea_organisation = session.get(Service, TEA).organisation.name
    tea_twin = a_service(name="Tuesday Tea & Chat")
    tea_twin["organization"]["name"] = tea_organisation
    result = run(app, "import-oruk", write(tmp_path, [tea_twin]))
    assert result.exit_code == 0 and "Held back" not in result.output
    with _session(app) as session:
        twin = session.get(Service, uuid.UUID(tea_twin["id"]))
        assert (twin.status, twin.hold_reason) == (ListingStatus.PENDING_REVIEW, "")


def test_a_spreadsheet_published_at_once_holds_its_likely_duplicates_back(app, tmp_path):
    rows = [example(), example(service_name="Armley Walking Group for Over 65s")]
    result = run(app, "import-spreadsheet", write_csv(tmp_path / "sheet.csv", rows), "--publish")
    assert result.exit_code == 0, result.output
    assert "Held back for a manager" in result.output
    assert "one name holds the other, same postcode LS12 3LN" in result.output
    with _session(app) as session:
        walks = session.exec(select(Service).where(Service.name.startswith("Armley Walking"))).all()
        assert {(s.name, s.status) for s in walks} == {
            ("Armley Walking Group", ListingStatus.PENDING_REVIEW),
            ("Armley Walking Group for Over 65s", ListingStatus.PENDING_REVIEW),
        }
