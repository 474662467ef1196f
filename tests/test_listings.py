"""Editing listings: moderation end to end, version conflicts, the history, and bad input."""

from __future__ import annotations

import re
import threading

import pytest
from accounts_helpers import (
    DRAFT,
    ORG_A,
    TEA,
    add_people,
    client_for,
    form_for,
)
from flask import Flask
from sqlmodel import Session, select

from directory import clock, db
from directory.listings import editing
from directory.models import (
    ListingChange,
    ListingRevision,
    Organisation,
    RevisionStatus,
    Service,
    User,
)

# Form checks do not depend on the database; saving, conflicts and history run on both.
SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


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


def history(app: Flask, entity_id=TEA) -> list[ListingChange]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return list(
            session.exec(
                select(ListingChange)
                .where(ListingChange.entity_id == entity_id)
                .order_by(ListingChange.changed_at)
            ).all()
        )


def edit(client, values: dict, version: int, service_id=TEA):
    return client.post(f"/manage/services/{service_id}/edit", data=form_for(values, version))


def first_place(values: dict, **changes) -> list[dict]:
    """The places of a snapshot with the first one changed."""
    return [{**values["places"][0], **changes}, *values["places"][1:]]


def search_text(app: Flask, words: str) -> str:
    """What the public JSON search answers (the index, not the database)."""
    return app.test_client().get("/api/v1/search", query_string={"q": words}).text


def test_moderation_end_to_end(app):
    editor, manager = client_for(app, "editor"), client_for(app, "manager")
    before = current(app)
    proposed = dict(before, name="Tuesday Tea, Cake and Chat", summary="Tea and a natter.")
    response = edit(editor, proposed, 1)
    assert response.status_code == 302
    # The live listing stays as it was until a manager approves.
    assert current(app)["name"] == "Tuesday Tea and Chat"
    assert "Tuesday Tea and Chat" in app.test_client().get(f"/services/{TEA}").text
    dashboard = manager.get("/manage/").text
    revision_url = re.search(r"/manage/revisions/[0-9a-f-]+", dashboard).group(0)
    page = manager.get(revision_url).text
    # Field by field: what is live, and what is proposed; unchanged fields are not listed.
    assert "Tuesday Tea, Cake and Chat" in page and "Tea and a natter." in page
    assert "Description" not in page.split("<tbody>")[1].split("</tbody>")[0]
    assert "counts as a check" in page
    assert manager.post(revision_url, data={"approve-submit": "1"}).status_code == 302
    assert "it is marked as checked today" in manager.get("/manage/").text
    assert current(app)["name"] == "Tuesday Tea, Cake and Chat"
    assert version_of(app) == 2
    assert "Tuesday Tea, Cake and Chat" in search_text(app, "tuesday tea")
    change, check = history(app)[-2:]
    assert change.action == "approved" and change.actor == "manager@example.org"
    assert change.before == {"name": "Tuesday Tea and Chat", "summary": before["summary"]}
    assert change.note == "Proposed by editor@example.org"
    # Approving counts as a check: "last checked" moves to today, recorded like a check.
    today = clock.today()
    assert (check.action, check.actor) == ("confirmed", "manager@example.org")
    assert check.before == {"last_verified": "2026-09-14"}
    assert check.after == {"last_verified": today.isoformat()}
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert session.get(Service, TEA).last_verified == today
    assert "Last checked" in manager.get(f"/manage/services/{TEA}/history").text


def test_a_returned_revision_changes_nothing_and_reaches_its_author(app):
    editor, manager = client_for(app, "editor"), client_for(app, "manager")
    edit(editor, dict(current(app), name="Tea"), 1)
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        revision = session.exec(select(ListingRevision)).one()
    url = f"/manage/revisions/{revision.id}"
    empty = manager.post(url, data={"return-comment": ""})
    assert empty.status_code == 400 and "Say what needs to change." in empty.text
    assert manager.post(url, data={"return-comment": "Keep the full name."}).status_code == 302
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        revision = session.get(ListingRevision, revision.id)
        assert revision.status == RevisionStatus.RETURNED
    assert current(app)["name"] == "Tuesday Tea and Chat"
    assert "Keep the full name." in editor.get("/manage/").text
    # An editor cannot approve (even their own).
    assert editor.post(url, data={"approve-submit": "1"}).status_code == 403


def test_capacity_goes_live_at_once_and_the_rest_waits(app):
    editor = client_for(app, "editor")
    values = dict(current(app), capacity="waiting_list", waiting_weeks=6, name="Renamed")
    response = edit(editor, values, 1)
    assert response.status_code == 302
    now = current(app)
    assert (now["capacity"], now["waiting_weeks"], now["name"]) == (
        "waiting_list",
        6,
        "Tuesday Tea and Chat",
    )
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        revision = session.exec(select(ListingRevision)).one()
    assert revision.proposed == {"name": "Renamed"} and revision.base_version == 2
    assert "Waiting list of about 6 weeks" in app.test_client().get(f"/services/{TEA}").text


@SQLITE_ONLY
def test_an_editor_changes_a_draft_directly(app):
    editor = client_for(app, "editor")
    values = dict(current(app, DRAFT), summary="Now with biscuits.")
    assert edit(editor, values, 1, DRAFT).status_code == 302
    assert current(app, DRAFT)["summary"] == "Now with biscuits."


def test_a_save_based_on_an_old_version_is_refused_with_the_other_changes(app):
    first, second = client_for(app, "manager"), client_for(app, "admin")
    start = current(app)
    # Both open the form at version 1.
    assert (
        'name="version" type="hidden" value="1"' in first.get(f"/manage/services/{TEA}/edit").text
    )
    assert (
        edit(
            first,
            dict(start, summary="Changed by the first.", places=first_place(start, city="Leeds 6")),
            1,
        ).status_code
        == 302
    )
    response = edit(second, dict(start, summary="Changed by the second."), 1)
    assert response.status_code == 409
    assert "Someone else changed this listing" in response.text
    table = response.text.split("Their changes")[1]
    assert "Changed by the first." in table and "Changed by the second." in table
    assert "manager@example.org" in table and "Leeds 6" in table
    assert current(app)["summary"] == "Changed by the first."
    # The form now carries the new version: saving again is a knowing choice.
    assert 'value="2"' in response.text
    assert edit(second, dict(start, summary="Changed by the second."), 2).status_code == 302
    assert current(app)["summary"] == "Changed by the second."


@pytest.mark.concurrency
def test_the_version_check_holds_when_two_saves_race(app):
    """Both sessions read version 1 first; the UPDATE ... WHERE version lets only one win."""
    engine = app.extensions[db.ENGINE_KEY]
    outcomes: list[str] = []
    ready = threading.Barrier(2)

    def save(who: str, summary: str) -> None:
        with app.app_context(), Session(engine) as session:
            user = session.exec(select(User).where(User.email == f"{who}@example.org")).one()
            service = editing.load_service(session, TEA)
            values = dict(editing.snapshot(service), summary=summary)
            ready.wait()
            outcomes.append(editing.save(session, user, service, 1, values).status)

    threads = [
        threading.Thread(target=save, args=("manager", "One")),
        threading.Thread(target=save, args=("admin", "Two")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert version_of(app) == 2
    assert len([c for c in history(app) if c.action == "edited"]) == 1


def test_a_stale_revision_cannot_be_approved_over_newer_changes(app):
    editor, manager = client_for(app, "editor"), client_for(app, "manager")
    start = current(app)
    edit(editor, dict(start, summary="Editor's summary."), 1)
    edit(manager, dict(start, summary="Manager's summary."), 1)
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        revision = session.exec(select(ListingRevision)).one()
    response = manager.post(f"/manage/revisions/{revision.id}", data={"approve-submit": "1"})
    assert response.status_code == 409
    assert current(app)["summary"] == "Manager's summary."


def test_every_change_is_in_the_history_which_managers_can_read(app):
    manager = client_for(app, "manager")
    start = current(app)
    edit(manager, dict(start, summary="One."), 1)
    edit(manager, dict(start, summary="Two.", languages=["en"]), 2)
    manager.post(f"/manage/services/{TEA}/confirm")
    changes = history(app)
    assert [c.action for c in changes] == ["edited", "edited", "confirmed"]
    assert changes[1].before == {"summary": "One.", "languages": ["en", "ur"]}
    assert changes[1].after == {"summary": "Two.", "languages": ["en"]}
    assert changes[1].version == 3
    page = manager.get(f"/manage/services/{TEA}/history").text
    assert "Two." in page and "English, Urdu" in page and "Confirmed" in page
    # Nothing in the app deletes history.
    assert not [r for r in app.url_map.iter_rules() if "DELETE" in r.methods]


def test_the_organisation_form_goes_through_review_too(app):
    editor = client_for(app, "editor")
    with app.app_context(), Session(db.engine()) as session:
        values = editing.snapshot(editing.load_organisation(session, ORG_A))
    response = editor.post(
        f"/manage/organisations/{ORG_A}/edit",
        data=form_for(dict(values, phone="0113 496 0555", name="HPFN"), 1),
    )
    assert response.status_code == 302
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert session.get(Organisation, ORG_A).name == "Hyde Park Friends Network"
        revision = session.exec(select(ListingRevision)).one()
    assert revision.proposed == {"name": "HPFN", "phone": "0113 496 0555"}


# --- bad input: every field, each way it can be wrong ------------------------------------

LONG = "x" * 6000
SCRIPT = "<script>alert(1)</script>"
CHOOSE = "Choose only from the options shown."
BAD_SERVICE_INPUT = [
    ("name", "", "Enter the name of the service."),
    ("name", LONG, "Field cannot be longer than 200 characters."),
    ("summary", "", "Say in one line what the service is."),
    ("summary", LONG, "Field cannot be longer than 300 characters."),
    ("description", LONG, "Field cannot be longer than 5000 characters."),
    ("description", "bell\x07", "Remove the unusual characters"),
    ("needs", [], "Choose at least one need"),
    ("needs", ["not_a_need"], CHOOSE),
    ("delivery", ["teleport"], CHOOSE),
    ("minimum_age", "ten", "Not a valid integer value."),
    ("minimum_age", "-1", "Enter an age from 0 to 120."),
    ("maximum_age", "20", "The oldest age must be the same as the youngest age or more."),
    ("restrictions", ["nobody"], CHOOSE),
    ("eligibility_description", LONG, "Field cannot be longer than 2000 characters."),
    ("sessions", [{"days": ["MO"], "opens": "25:00", "closes": "26:00"}], "is not a time"),
    ("sessions", [{"days": ["MO"], "opens": "12:00", "closes": "10:00"}], "must be after"),
    ("sessions", [{"days": [], "opens": "10:00", "closes": "12:00"}], "Choose the days"),
    ("sessions", [{"days": ["XX"], "opens": "10:00", "closes": "12:00"}], CHOOSE),
    ("opening_exceptions", LONG, "Field cannot be longer than 300 characters."),
    (
        "sessions",
        [{"days": ["MO"], "opens": "10:00", "closes": "12:00", "valid_from": "31/02/2027"}],
        "“31/02/2027” is not a date",
    ),
    (
        "sessions",
        [
            {
                "days": ["MO"],
                "opens": "10:00",
                "closes": "12:00",
                "valid_from": "28/08/2027",
                "valid_to": "20/07/2027",
            }
        ],
        "The last day must be the same as the first or after it.",
    ),
    ("closures.starts", "next Tuesday", "“next Tuesday” is not a date"),
    ("closures.starts", "32/12/2026", "is not a date: write the day, month and year"),
    ("closures.ends", "5/1/27", "is not a date"),
    ("closures.reason", "x" * 201, "Field cannot be longer than 200 characters."),
    ("cost_amount", "lots", "Not a valid decimal value."),
    ("cost_amount", "-3", "Enter an amount from 0 to 10000."),
    ("fees_description", LONG, "Field cannot be longer than 1000 characters."),
    ("places.name", LONG, "Field cannot be longer than 200 characters."),
    ("places.address", LONG, "Field cannot be longer than 200 characters."),
    ("places.city", LONG, "Field cannot be longer than 100 characters."),
    ("places.postcode", "NOT A CODE", "is not a UK postcode"),
    ("places.postcode", "LS99 9ZZ", "could not find the postcode"),
    ("places.postcode", LONG, "Field cannot be longer than 10 characters."),
    ("places.accessibility", ["jetpack"], CHOOSE),
    ("areas.type", "moon", "Not a valid choice"),
    ("areas.districts", "LS6 !!", "is not a UK postcode district"),
    ("areas.miles", "far", "Not a valid decimal value."),
    ("areas.miles", "900", "Enter 0.1 to 200 miles."),
    ("referral_routes", ["pigeon"], CHOOSE),
    ("application_process", LONG, "Field cannot be longer than 2000 characters."),
    ("capacity", "maybe", "Not a valid choice"),
    ("waiting_weeks", "soon", "Not a valid integer value."),
    ("waiting_weeks", "500", "Enter 1 to 104 weeks."),
    ("languages", ["klingon"], CHOOSE),
    ("contact_name", LONG, "Field cannot be longer than 200 characters."),
    ("contact_phone", "12345", "is not a UK phone number"),
    ("contact_phone", "+1 212 555 0100", "is not a UK phone number"),
    ("contact_email", "not-an-email", "is not an email address"),
    ("url", "javascript:alert(1)", "Enter a web address starting https://"),
    ("url", LONG, "Field cannot be longer than 500 characters."),
    ("version", "abc", "The form was damaged"),
]


@SQLITE_ONLY
def test_every_service_field_refuses_bad_input_and_changes_nothing(app):
    manager = client_for(app, "manager")
    start = current(app)
    for name, value, message in BAD_SERVICE_INPUT:
        extra = {}
        if "." in name:
            group, key = name.split(".")
            row = dict(start[group][0]) if start[group] else {}
            if key in ("districts", "miles"):
                row["type"] = "districts" if key == "districts" else "radius"
            values = dict(start, **{group: [{**row, key: value}, *start[group][1:]]})
        else:
            values = dict(start, **{name: value})
        if name == "cost_amount":
            values["is_free"] = False
        data = form_for(values, 1)
        if name == "version":
            data.setlist("version", [value])
        data.update(extra)
        response = manager.post(f"/manage/services/{TEA}/edit", data=data)
        assert response.status_code == 400, (name, value[:20] if isinstance(value, str) else value)
        assert message in response.text.replace("&#34;", '"'), (name, message)
        assert "There is a problem" in response.text
    assert current(app) == start
    assert version_of(app) == 1
    assert history(app) == []


@SQLITE_ONLY
def test_a_closure_needs_a_first_day_and_cannot_end_before_it(app):
    manager = client_for(app, "manager")
    start = current(app)
    cases = [
        (
            {"starts": "05/01/2027", "ends": "24/12/2026", "reason": "Christmas break"},
            "or after it",
        ),
        ({"starts": "", "ends": "24/12/2026", "reason": "Christmas break"}, "Enter the first day"),
    ]
    for closure, message in cases:
        response = edit(manager, dict(start, closures=[closure]), 1)
        assert response.status_code == 400 and message in response.text, closure
        assert 'href="#closures-0-' in response.text  # the summary leads to the row
    assert current(app) == start and history(app) == []


def test_editors_set_closures_bank_holidays_and_a_season_and_the_public_sees_them(app):
    manager = client_for(app, "manager")
    summer = {
        "days": ["WE"],
        "opens": "10:00",
        "closes": "15:00",
        "valid_from": "20/07/2027",
        "valid_to": "28 August 2027",
    }
    values = dict(
        current(app),
        sessions=[summer],
        closed_on_bank_holidays=True,
        closures=[
            {"starts": "24/12/2026", "ends": "05/01/2027", "reason": "Christmas break"},
            {"starts": "2027-03-01", "ends": "", "reason": "Staff training"},
        ],
    )
    assert edit(manager, values, 1).status_code == 302
    now = current(app)
    assert now["closed_on_bank_holidays"] is True
    assert now["closures"] == [
        {"starts": "2026-12-24", "ends": "2027-01-05", "reason": "Christmas break"},
        {"starts": "2027-03-01", "ends": "2027-03-01", "reason": "Staff training"},
    ]
    assert now["sessions"] == [
        {
            "days": ["WE"],
            "opens": "10:00",
            "closes": "15:00",
            "valid_from": "2027-07-20",
            "valid_to": "2027-08-28",
        }
    ]
    form = manager.get(f"/manage/services/{TEA}/edit").text
    assert 'value="24/12/2026"' in form and 'value="20/07/2027"' in form
    page = app.test_client().get(f"/services/{TEA}").text
    for words in (
        "Wednesday, 10am to 3pm, from 20 July to 28 August 2027",
        "Closed 24 December 2026 to 5 January 2027 (Christmas break)",
        "Closed on 1 March 2027 (Staff training)",
        "Closed on bank holidays",
    ):
        assert words in page, words
    # the first closure ticked to remove, the bank holidays unticked: both gone
    data = form_for(dict(now, closed_on_bank_holidays=False), 2)
    data["closures-0-remove"] = "y"
    assert manager.post(f"/manage/services/{TEA}/edit", data=data).status_code == 302
    after = current(app)
    assert after["closures"] == now["closures"][1:]
    assert after["closed_on_bank_holidays"] is False
    assert after["sessions"] == now["sessions"]  # an edit elsewhere keeps the season


@SQLITE_ONLY
def test_waiting_list_needs_weeks_and_radius_needs_miles(app):
    manager = client_for(app, "manager")
    start = current(app)
    response = edit(manager, dict(start, capacity="waiting_list", waiting_weeks=None), 1)
    assert response.status_code == 400 and "Enter roughly how many weeks" in response.text
    response = edit(manager, dict(start, areas=[{"type": "radius", "miles": None}]), 1)
    assert response.status_code == 400 and "Enter how many miles" in response.text


@SQLITE_ONLY
def test_script_tags_are_shown_escaped_never_run(app):
    manager = client_for(app, "manager")
    values = dict(current(app), name=SCRIPT, description=SCRIPT, opening_exceptions=SCRIPT)
    assert edit(manager, values, 1).status_code == 302
    for url in (
        f"/services/{TEA}",
        f"/manage/services/{TEA}/edit",
        f"/manage/services/{TEA}/history",
    ):
        page = manager.get(url).text
        assert SCRIPT not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    bad = edit(manager, dict(current(app), contact_email=SCRIPT), 2)
    assert bad.status_code == 400 and SCRIPT not in bad.text


def test_good_input_is_normalised_and_the_postcode_is_placed(app):
    manager = client_for(app, "manager")
    values = dict(
        current(app),
        places=first_place(current(app), postcode="ls6 1an", accessibility=["lift", "step_free"]),
        contact_phone="01134960777",
        contact_email="Sam@Example.ORG",
        areas=[{"type": "districts", "districts": "ls6, ls7 LS6"}],
        sessions=[{"days": ["WE", "MO"], "opens": "9:30", "closes": "11:00"}],
        opening_exceptions="Closed on bank holidays",
        is_free=False,
        cost_amount="2.5",
        needs=["older_people", "loneliness"],
        delivery=["in_person", "online"],
        referral_routes=["gp"],
        restrictions=["carers_only"],
        minimum_age=None,
        maximum_age=99,
    )
    assert edit(manager, values, 1).status_code == 302
    now = current(app)
    assert now["places"][0]["accessibility"] == ["lift", "step_free"]
    for name in ("delivery", "referral_routes", "restrictions"):
        assert now[name] == values[name], name
    # The needs it keeps keep their order (the first is the main one): a new order is no change.
    assert now["needs"] == ["loneliness", "older_people"]
    assert (now["minimum_age"], now["maximum_age"]) == (None, 99)
    assert now["places"][0]["postcode"] == "LS6 1AN"
    assert now["contact_phone"] == "0113 496 0777"
    assert now["contact_email"] == "sam@example.org"
    assert now["areas"] == [{"type": "districts", "districts": "LS6 LS7", "miles": None}]
    assert now["sessions"] == [{"days": ["MO", "WE"], "opens": "09:30", "closes": "11:00"}]
    assert now["cost_amount"] == "2.50" and now["is_free"] is False
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        place = session.get(Service, TEA).location_links[0].location
        assert place.latitude and place.local_authority_code == "E08000035"
    page = app.test_client().get(f"/services/{TEA}").text
    assert "Monday and Wednesday, 9:30am to 11am" in page


BAD_ORGANISATION_INPUT = [
    ("name", "", "Enter the name of the organisation."),
    ("name", LONG, "Field cannot be longer than 200 characters."),
    ("description", LONG, "Field cannot be longer than 2000 characters."),
    ("email", "hello@", "is not an email address"),
    ("email", LONG, "Field cannot be longer than 254 characters."),
    ("phone", "call us", "is not a UK phone number"),
    ("phone", LONG, "Field cannot be longer than 30 characters."),
    ("website", "www.example.org", "Enter a web address starting https://"),
    ("charity_number", "CHARITY", "Enter a charity number of 6 to 8 digits"),
    ("charity_number", LONG, "Field cannot be longer than 20 characters."),
]


@SQLITE_ONLY
def test_every_organisation_field_refuses_bad_input_and_changes_nothing(app):
    manager = client_for(app, "manager")
    with app.app_context(), Session(db.engine()) as session:
        start = editing.snapshot(editing.load_organisation(session, ORG_A))
    for name, value, message in BAD_ORGANISATION_INPUT:
        data = form_for(dict(start, **{name: value}), 1)
        response = manager.post(f"/manage/organisations/{ORG_A}/edit", data=data)
        assert response.status_code == 400, name
        assert message in response.text, (name, message)
    response = manager.post(
        f"/manage/organisations/{ORG_A}/edit", data=form_for(dict(start, description=SCRIPT), 1)
    )
    assert response.status_code == 302
    page = app.test_client().get(f"/organisations/{ORG_A}").text
    assert SCRIPT not in page and "&lt;script&gt;" in page
    assert [c.action for c in history(app, ORG_A)] == ["edited"]


def test_the_database_refuses_to_delete_history(app):
    import sqlalchemy as sa

    manager = client_for(app, "manager")
    edit(manager, dict(current(app), summary="Kept."), 1)
    engine = app.extensions[db.ENGINE_KEY]
    with pytest.raises(sa.exc.DatabaseError, match="never deleted"), engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM listing_change"))
    assert len(history(app)) == 1


def test_an_editor_can_withdraw_a_change_still_waiting_for_review(app):
    editor, manager = client_for(app, "editor"), client_for(app, "manager")
    before = current(app)
    assert edit(editor, dict(before, name="Tea Time"), 1).status_code == 302
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        revision_id = session.exec(select(ListingRevision.id)).one()
    url = f"/manage/revisions/{revision_id}"
    assert "Withdraw these changes" in editor.get(url).text
    assert "Withdraw these changes" not in manager.get(url).text
    # Only its author may withdraw it: a manager is refused, and it still waits.
    assert manager.post(f"{url}/withdraw").status_code == 403
    assert url in manager.get("/manage/").text
    assert editor.post(f"{url}/withdraw").status_code == 302
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert session.get(ListingRevision, revision_id).status == RevisionStatus.WITHDRAWN
    assert url not in manager.get("/manage/").text  # no longer waiting for anyone
    assert manager.post(url, data={"approve-submit": "1"}).status_code == 403
    assert current(app) == before and version_of(app) == 1
    # Withdrawing again changes nothing; the history holds one entry saying what was withdrawn.
    again = editor.post(f"{url}/withdraw", follow_redirects=True)
    assert "already decided" in again.text
    (change,) = history(app)
    assert (change.action, change.actor, change.version) == (
        "withdrawn",
        "editor@example.org",
        None,
    )
    assert change.after == {"name": "Tea Time"} and change.before == {"name": before["name"]}
    assert "Withdrawn by editor@example.org" in manager.get(f"/manage/services/{TEA}/history").text


def test_routes_nobody_has_said_read_ask_the_service_until_someone_sets_them(app):
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        tea = session.get(Service, TEA)
        tea.self_referral = tea.professional_referral = tea.gp_referral = False
        tea.routes_known = False  # as an import leaves a listing whose words say no route
        session.add(tea)
        session.commit()
    page = app.test_client().get(f"/services/{TEA}").text
    assert "Ask the service how to get in" in page
    manager = client_for(app, "manager")
    assert (
        "Nobody has said yet how people get into this service"
        in manager.get(f"/manage/services/{TEA}/edit").text
    )
    # saving the form without ticking a route says nothing new: still unknown
    version = version_of(app)
    assert edit(manager, dict(current(app), name="Tuesday Tea"), version).status_code == 302
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert session.get(Service, TEA).routes_known is False
    assert (
        edit(manager, dict(current(app), referral_routes=["self"]), version + 1).status_code == 302
    )
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        tea = session.get(Service, TEA)
        assert tea.routes_known and tea.referral_routes == ["self"]
    assert "Ask the service how to get in" not in app.test_client().get(f"/services/{TEA}").text


def test_a_closure_waiting_for_review_reads_in_words(app):
    editor = client_for(app, "editor")
    closure = {"starts": "24/12/2026", "ends": "05/01/2027", "reason": "Christmas break"}
    assert edit(editor, dict(current(app), closures=[closure]), 1).status_code == 302
    manager = client_for(app, "manager")
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        revision = session.exec(select(ListingRevision)).one()
    assert revision.proposed == {
        "closures": [{"starts": "2026-12-24", "ends": "2027-01-05", "reason": "Christmas break"}]
    }
    page = manager.get(f"/manage/revisions/{revision.id}").text
    assert "Closed 24 December 2026 to 5 January 2027 (Christmas break)" in page
    assert current(app)["closures"] == []  # not live until approved


def _revision_page(manager, app) -> tuple[str, str]:
    """The only pending revision's address and the rows of its table."""
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        revision = session.exec(select(ListingRevision)).one()
    url = f"/manage/revisions/{revision.id}"
    page = manager.get(url).text
    return url, page.split("<tbody>")[1].split("</tbody>")[0]


def test_the_review_names_needs_in_words_ignores_order_and_marks_the_words_that_changed(app):
    editor, manager = client_for(app, "editor"), client_for(app, "manager")
    before = current(app)
    assert before["needs"] == ["loneliness", "older_people"]
    # Only the order of needs, languages and the days of a session: no change at all.
    reordered = dict(
        before,
        needs=["older_people", "loneliness"],
        languages=list(reversed(before["languages"])),
        sessions=[{**s, "days": list(reversed(s["days"]))} for s in before["sessions"]],
    )
    assert edit(editor, reordered, 1).status_code == 302
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        assert session.exec(select(ListingRevision)).all() == []
    # A need added among reordered ones, and two words of the description changed.
    description = before["description"].replace("tea, cake", "tea, biscuits")
    proposed = dict(
        reordered, needs=["older_people", "low_mood", "loneliness"], description=description
    )
    assert edit(editor, proposed, 1).status_code == 302
    url, rows = _revision_page(manager, app)
    assert "Needs it helps with" in rows and "Loneliness and isolation" in rows
    assert "low_mood" not in rows and "loneliness" not in rows
    assert (
        '<ins><span class="nhsuk-u-visually-hidden">added: </span>'
        "Low mood and mental wellbeing</ins>" in rows
    )
    assert "Languages" not in rows and "Opening times" not in rows
    # Word by word: only the changed word is marked, announced as removed and added.
    assert (
        '<del><span class="nhsuk-u-visually-hidden">removed: </span>cake'
        '<span class="nhsuk-u-visually-hidden"> (end of removal)</span></del>'
    ) in rows
    assert (
        '<ins><span class="nhsuk-u-visually-hidden">added: </span>biscuits'
        '<span class="nhsuk-u-visually-hidden"> (end of addition)</span></ins>'
    ) in rows
    assert "Come along for tea," in rows and "neighbours. Volunteers welcome you" in rows
    assert manager.post(url, data={"approve-submit": "1"}).status_code == 302
    # The needs it had keep their rank (the first is still the main one); the new one follows.
    assert current(app)["needs"] == ["loneliness", "older_people", "low_mood"]
    assert current(app)["description"] == description


def test_field_changes_word_by_word_and_item_by_item():
    labels = {"description": "Description", "languages": "Languages", "name": "Name"}
    before = {"description": "one two three four five six seven", "languages": ["en", "ur"]}
    after = {
        "description": "one two 3 four five six seven eight",
        "languages": ["pl", "en"],
        "name": "New",
    }
    words, items, name = editing.field_changes(labels, {**before, "name": "Old"}, after)
    assert (words.kind, items.kind, name.kind) == ("words", "items", "value")
    assert [(p.kind, p.value) for p in words.before_pieces] == [
        ("kept", "one two"),
        ("removed", "three"),
        ("kept", "four five six seven"),
    ]
    assert [(p.kind, p.value) for p in words.after_pieces] == [
        ("kept", "one two"),
        ("added", "3"),
        ("kept", "four five six seven"),
        ("added", "eight"),
    ]
    assert [(p.kind, p.value) for p in items.before_pieces] == [("kept", "en"), ("removed", "ur")]
    assert [(p.kind, p.value) for p in items.after_pieces] == [("added", "pl"), ("kept", "en")]
    assert editing.field_changes(labels, before, {"languages": ["ur", "en"]}) == []


def test_a_change_of_the_local_authorities_an_area_names_is_a_change(app):
    """A feed's import may widen the directory's area: review and history must see it, and
    an editor saving the form (which keeps the codes) changes no area."""
    from directory.models import AreaType, ServiceArea

    with Session(app.extensions[db.ENGINE_KEY]) as session:
        service = session.get(Service, TEA)
        for area in list(service.areas):
            session.delete(area)
        session.add(
            ServiceArea(
                service_id=TEA,
                extent_type=AreaType.LOCAL_AUTHORITY,
                extent="E08000035",
                name="Leeds",
            )
        )
        session.commit()
    before = current(app)
    assert before["areas"] == [
        {"type": "local_authority", "districts": "", "miles": None, "codes": "E08000035"}
    ]
    manager = client_for(app, "manager")
    page = manager.get(f"/manage/services/{TEA}/edit").text
    assert re.search(r'name="areas-0-codes"[^>]*value="E08000035"', page) or re.search(
        r'value="E08000035"[^>]*name="areas-0-codes"', page
    )
    assert (
        edit(manager, dict(before, summary="Tea and a chat."), version_of(app)).status_code == 302
    )
    [change] = [c for c in history(app) if c.action != "created"][-1:]
    saved = current(app)
    assert "areas" not in change.after and saved["areas"] == before["areas"]
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        [area] = session.get(Service, TEA).areas
        area.extent = "E08000035 E08000036"
        session.add(area)
        session.commit()
    assert editing.diff(saved, current(app)) == ["areas"]
