"""A service's places and areas: several of each, and a shared place edited for one service only."""

from __future__ import annotations

import uuid

import pytest
from accounts_helpers import LINE, MONEY, TEA, add_people, client_for, form_for
from flask import Flask
from sqlmodel import Session, select

from directory import db
from directory.listings import editing
from directory.models import (
    ListingChange,
    ListingRevision,
    Location,
    RevisionStatus,
    Service,
    ServiceAtLocation,
)

SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
NEW_PLACE = {
    "id": "",
    "name": "Woodhouse Community Centre",
    "address": "197 Woodhouse Street",
    "city": "Leeds",
    "postcode": "ls6 2na",
    "accessibility": ["step_free"],
}


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    return small_app


def current(app: Flask, service_id=TEA) -> dict:
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        return editing.snapshot(editing.load_service(session, service_id))


def version_of(app: Flask, service_id=TEA) -> int:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.get(Service, service_id).version


def edit(client, values: dict, version: int, service_id=TEA):
    return client.post(f"/manage/services/{service_id}/edit", data=form_for(values, version))


def found_ids(app: Flask, **params) -> set[str]:
    """The service ids the public JSON search finds (the index, not the database)."""
    answer = app.test_client().get("/api/v1/search", query_string=params)
    assert answer.status_code == 200, answer.text
    return {result["service_id"] for result in answer.json["results"]}


def test_editing_a_shared_place_changes_it_for_this_service_only(app):
    manager = client_for(app, "manager")
    tea, money = current(app), current(app, MONEY)
    shared = tea["places"][0]
    assert shared in money["places"]  # the seed holds both at one hall
    assert "bsl" not in shared["accessibility"]
    changed = {**shared, "name": "The Annexe", "accessibility": ["bsl"]}
    assert edit(manager, dict(tea, places=[changed]), 1).status_code == 302
    now = current(app)
    assert [p["name"] for p in now["places"]] == ["The Annexe"]
    assert now["places"][0]["id"] != shared["id"]  # a new location, for this service alone
    assert now["places"][0]["postcode"] == shared["postcode"]
    assert current(app, MONEY) == money and version_of(app, MONEY) == 1
    # The history holds the change; the other service's history holds nothing.
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        changes = session.exec(select(ListingChange)).all()
        new = session.get(Location, uuid.UUID(now["places"][0]["id"]))
        assert new.latitude is not None and new.local_authority_code
    assert [(c.entity_id, list(c.after)) for c in changes] == [(TEA, ["places"])]
    assert changes[0].before["places"] == [shared]
    # Search knows the new access of this service, and not of the other one.
    assert str(TEA) in found_ids(app, access="bsl")
    assert str(MONEY) not in found_ids(app, access="bsl")
    # The page says the place is now this service's own.
    page = manager.get(f"/manage/services/{TEA}/edit").text
    assert "The Annexe" in page and "Other services are held here too" not in page


def test_a_place_only_this_service_uses_is_edited_where_it_is(app):
    manager = client_for(app, "manager")
    line = current(app, LINE)
    assert line["places"] == []
    assert edit(manager, dict(line, places=[NEW_PLACE]), 1, LINE).status_code == 302
    only = current(app, LINE)["places"][0]
    changed = {**only, "address": "2 New Road"}
    assert edit(manager, dict(current(app, LINE), places=[changed]), 2, LINE).status_code == 302
    assert current(app, LINE)["places"] == [changed]  # the same location, edited


def test_an_editors_change_to_a_shared_place_waits_and_then_forks_on_approval(app):
    editor, manager = client_for(app, "editor"), client_for(app, "manager")
    tea, money = current(app), current(app, MONEY)
    changed = {**tea["places"][0], "city": "Leeds 6"}
    assert edit(editor, dict(tea, places=[changed]), 1).status_code == 302
    assert current(app) == tea  # waits for review
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        revision = session.exec(select(ListingRevision)).one()
    url = f"/manage/revisions/{revision.id}"
    page = manager.get(url).text
    assert "Leeds 6" in page and "Places" in page
    assert manager.post(url, data={"approve-submit": "1"}).status_code == 302
    assert current(app)["places"][0]["city"] == "Leeds 6"
    assert current(app, MONEY) == money
    assert "Leeds 6" in manager.get(f"/manage/services/{TEA}/history").text


def test_a_service_keeps_several_places_each_edited_added_and_removed(app):
    manager = client_for(app, "manager")
    tea, money = current(app), current(app, MONEY)
    hall = tea["places"][0]
    assert edit(manager, dict(tea, places=[hall, NEW_PLACE]), 1).status_code == 302
    now = current(app)
    assert len(now["places"]) == 2
    added = next(p for p in now["places"] if p["name"] == NEW_PLACE["name"])
    assert added["postcode"] == "LS6 2NA"  # resolved and tidied
    page = manager.get(f"/manage/services/{TEA}/edit").text
    assert hall["name"] in page and NEW_PLACE["name"] in page and "Add a place" in page
    assert "LS6 2NA is on the map" in page
    # Remove the shared hall (the other service keeps it) and edit the new place.
    rows = [{**hall, "remove": "y"}, {**added, "city": "Leeds 2"}]
    assert edit(manager, dict(now, places=rows), 2).status_code == 302
    assert current(app)["places"] == [{**added, "city": "Leeds 2"}]
    assert current(app, MONEY) == money
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert session.get(Location, uuid.UUID(hall["id"])) is not None


@SQLITE_ONLY
def test_an_id_of_a_place_the_service_does_not_hold_makes_a_new_place(app):
    manager = client_for(app, "manager")
    tea, line = current(app), current(app, LINE)
    theirs = {**tea["places"][0], "name": "Taken over"}  # a place of another organisation
    assert edit(manager, dict(line, places=[theirs]), 1, LINE).status_code == 302
    assert current(app) == tea
    now = current(app, LINE)["places"]
    assert [p["name"] for p in now] == ["Taken over"] and now[0]["id"] != theirs["id"]


@SQLITE_ONLY
def test_a_bad_postcode_in_a_second_place_is_refused_and_changes_nothing(app):
    manager = client_for(app, "manager")
    tea = current(app)
    response = edit(manager, dict(tea, places=[*tea["places"], {**NEW_PLACE, "postcode": "X"}]), 1)
    assert response.status_code == 400 and "is not a UK postcode" in response.text
    assert 'href="#places-1-postcode"' in response.text
    assert current(app) == tea


def test_several_areas_are_shown_and_kept(app):
    manager = client_for(app, "manager")
    tea = current(app)
    authority = tea["areas"][0]
    districts = {"type": "districts", "districts": "ls6 LS7", "miles": None}
    assert edit(manager, dict(tea, areas=[authority, districts]), 1).status_code == 302
    now = current(app)
    assert now["areas"] == [{**districts, "districts": "LS6 LS7"}, authority]
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        extents = {a.extent for a in session.get(Service, TEA).areas}
        assert extents == {"LS6 LS7", tea_authority_extent(session)}
    page = manager.get(f"/manage/services/{TEA}/edit").text
    assert 'value="LS6 LS7"' in page and "Add an area" in page
    assert page.count('value="local_authority" checked') == 1
    # Saving another field keeps both areas.
    assert edit(manager, dict(now, summary="Tea."), 2).status_code == 302
    assert current(app)["areas"] == now["areas"]
    # Removing one keeps the other.
    rows = [{**now["areas"][0], "remove": "y"}, now["areas"][1]]
    assert edit(manager, dict(current(app), areas=rows), 3).status_code == 302
    assert current(app)["areas"] == [authority]


def tea_authority_extent(session: Session) -> str:
    link = session.exec(
        select(ServiceAtLocation).where(ServiceAtLocation.service_id == TEA)
    ).first()
    return link.location.local_authority_code


@SQLITE_ONLY
def test_an_old_revision_with_flat_place_fields_still_applies_to_the_first_place(app):
    """Revisions written before places were a list carry flat fields; approving them works."""
    tea, money = current(app), current(app, MONEY)
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        manager = session.exec(
            select(editing.User).where(editing.User.email == "manager@example.org")
        ).one()
        editor = session.exec(
            select(editing.User).where(editing.User.email == "editor@example.org")
        ).one()
        revision = ListingRevision(
            entity_type=editing.EntityType.SERVICE,
            entity_id=TEA,
            organization_id=tea_org(session),
            base_version=1,
            proposed={"city": "Leeds 6", "area_type": "national"},
            before={"city": tea["places"][0]["city"], "area_type": "local_authority"},
            author_id=editor.id,
        )
        session.add(revision)
        session.commit()
        outcome = editing.approve(session, manager, revision)
        assert outcome.status == "saved"
        assert session.get(ListingRevision, revision.id).status == RevisionStatus.APPROVED
    now = current(app)
    assert now["places"][0]["city"] == "Leeds 6"
    assert now["areas"] == [{"type": "national", "districts": "", "miles": None}]
    assert current(app, MONEY) == money


def tea_org(session: Session):
    return session.get(Service, TEA).organization_id
