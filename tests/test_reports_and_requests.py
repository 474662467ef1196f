"""Reports of problems, organisations registering, and claims of listings with no editor."""

from __future__ import annotations

import pytest
from accounts_helpers import (
    DRAFT,
    ORG_A,
    ORG_B,
    TEA,
    add_people,
    client_for,
    mail_settings,
    smtp_server,
)
from flask import Flask
from sqlmodel import Session, select

from directory import db
from directory.models import (
    ListingReport,
    ListingStatus,
    Organisation,
    OrganisationRequest,
    RequestStatus,
    TaskStatus,
    User,
)

SCRIPT = "<script>alert(1)</script>"
NEW_PASSWORD = "a brand new passphrase for tests"

# Form checks do not depend on the database; the flows that write run on both.
SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    return small_app


def rows(app: Flask, model) -> list:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return list(session.exec(select(model)).all())


@SQLITE_ONLY
def test_every_public_service_page_offers_report_a_problem(app):
    page = app.test_client().get(f"/services/{TEA}").text
    assert f"/services/{TEA}/report" in page
    # Not for a listing the public cannot see.
    assert app.test_client().get(f"/services/{DRAFT}/report").status_code == 404


@pytest.mark.live_server  # a real SMTP server on loopback
def test_a_report_reaches_the_editors_and_managers_as_a_task(app):
    client = app.test_client()  # no account
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        response = client.post(
            f"/services/{TEA}/report", data={"kind": "wrong_details", "details": SCRIPT}
        )
        assert response.status_code == 200 and "Thank you" in response.text
        # Its editors hear at once; the other organisation's editor does not.
        assert [m["To"] for m in box.messages] == ["editor@example.org"]
        assert "some details are wrong" in box.messages[0].get_content()
    for who in ("editor", "manager"):
        page = client_for(app, who).get("/manage/").text
        assert "Tuesday Tea and Chat" in page.split("Problems reported")[1]
        assert SCRIPT not in page and "&lt;script&gt;" in page
    assert "Tuesday Tea" not in client_for(app, "other_editor").get("/manage/").text
    report = rows(app, ListingReport)[0]
    # The other organisation's editor cannot close it; its own editor can.
    other = client_for(app, "other_editor")
    assert other.post(f"/manage/reports/{report.id}/done").status_code == 404
    assert client_for(app, "editor").post(f"/manage/reports/{report.id}/done").status_code == 302
    assert rows(app, ListingReport)[0].status == TaskStatus.DONE


BAD_REPORTS = [
    ({}, "Choose what is wrong."),
    ({"kind": "lies"}, "Not a valid choice"),
    ({"kind": "other"}, "Tell us what is wrong."),
    ({"kind": "other", "details": "x" * 1001}, "Field cannot be longer than 1000 characters."),
]


@pytest.mark.parametrize(("data", "message"), BAD_REPORTS)
@SQLITE_ONLY
def test_a_bad_report_says_why_and_records_nothing(app, data, message):
    response = app.test_client().post(f"/services/{TEA}/report", data=data)
    assert response.status_code == 400 and message in response.text
    assert rows(app, ListingReport) == []


REGISTRATION = {
    "name": "Little London Litter Pickers",
    "description": "We tidy the park every Saturday.",
    "website": "https://litter.example.org",
    "charity_number": "1190999",
    "your_name": "Jo Bloggs",
    "your_email": "Jo@Example.org",
    "your_role": "Chair",
}


@pytest.mark.live_server  # a real SMTP server on loopback
def test_a_registered_organisation_waits_for_a_manager_then_its_person_joins(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        response = app.test_client().post("/organisations/register", data=REGISTRATION)
        assert response.status_code == 200 and "Request sent" in response.text
        organisation = next(o for o in rows(app, Organisation) if o.name.startswith("Little"))
        assert organisation.status == ListingStatus.PENDING_REVIEW
        # Not public yet.
        assert app.test_client().get(f"/organisations/{organisation.id}").status_code == 404
        request = rows(app, OrganisationRequest)[0]
        manager = client_for(app, "manager")
        assert "Jo Bloggs" in manager.get("/manage/").text
        url = f"/manage/requests/{request.id}"
        assert "Little London Litter Pickers" in manager.get(url).text
        assert manager.post(url, data={"decision": "approve"}).status_code == 302
        assert box.messages[-1]["To"] == "jo@example.org"
        link = "/" + [x for x in box.links() if "/join/" in x][0].split("/", 3)[3]
    assert app.test_client().get(f"/organisations/{organisation.id}").status_code == 200
    assert rows(app, OrganisationRequest)[0].status == RequestStatus.APPROVED
    jo = app.test_client()
    jo.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert jo.get(f"/manage/organisations/{organisation.id}/edit").status_code == 200
    assert jo.get(f"/manage/organisations/{ORG_A}/edit").status_code == 404


@SQLITE_ONLY
def test_a_refused_registration_stays_hidden(app):
    app.test_client().post("/organisations/register", data=REGISTRATION)
    request = rows(app, OrganisationRequest)[0]
    manager = client_for(app, "manager")
    # A post without a decision decides nothing.
    manager.post(f"/manage/requests/{request.id}", data={})
    assert rows(app, OrganisationRequest)[0].status == RequestStatus.PENDING
    manager.post(f"/manage/requests/{request.id}", data={"decision": "refuse"})
    assert rows(app, OrganisationRequest)[0].status == RequestStatus.REFUSED
    organisation = next(o for o in rows(app, Organisation) if o.name.startswith("Little"))
    assert organisation.status == ListingStatus.PENDING_REVIEW


BAD_REGISTRATIONS = [
    ("name", "", "Enter the name of the organisation."),
    ("name", "x" * 201, "Field cannot be longer than 200 characters."),
    ("description", "", "Say what the organisation does."),
    ("website", "ftp://x", "Enter a web address starting https://"),
    ("charity_number", "12", "Enter a charity number of 6 to 8 digits"),
    ("your_name", "", "Enter your name."),
    ("your_email", "jo@", "is not an email address"),
    ("your_role", "x" * 201, "Field cannot be longer than 200 characters."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_REGISTRATIONS)
@SQLITE_ONLY
def test_a_bad_registration_says_why_and_creates_nothing(app, field, value, message):
    before = len(rows(app, Organisation))
    response = app.test_client().post(
        "/organisations/register", data=dict(REGISTRATION, **{field: value})
    )
    assert response.status_code == 400 and message in response.text
    assert len(rows(app, Organisation)) == before and rows(app, OrganisationRequest) == []


@pytest.mark.live_server  # a real SMTP server on loopback
def test_a_listing_with_no_editor_can_be_claimed_and_a_manager_confirms(app):
    # Organisation B's editor leaves: nobody keeps its listings now.
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        for person in session.exec(select(User).where(User.organization_id == ORG_B)):
            session.delete(person)
        session.commit()
    public = app.test_client()
    assert "Keep its listings up to date" in public.get(f"/organisations/{ORG_B}").text
    claim = {
        "your_name": "Ali",
        "your_email": "ali@example.org",
        "your_role": "Volunteer",
        "message": SCRIPT,
    }
    assert public.post(f"/organisations/{ORG_B}/claim", data=claim).status_code == 200
    request = rows(app, OrganisationRequest)[0]
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        manager = client_for(app, "manager")
        page = manager.get(f"/manage/requests/{request.id}").text
        assert SCRIPT not in page and "&lt;script&gt;" in page
        manager.post(f"/manage/requests/{request.id}", data={"decision": "approve"})
        assert box.messages[-1]["To"] == "ali@example.org"
    # An organisation that has an editor cannot be claimed.
    taken = public.get(f"/organisations/{ORG_A}/claim")
    assert "already has editors" in taken.text
    public.post(f"/organisations/{ORG_A}/claim", data=claim)
    assert len(rows(app, OrganisationRequest)) == 1


@SQLITE_ONLY
def test_an_editor_adds_a_service_which_a_manager_publishes(app):
    editor, manager = client_for(app, "editor"), client_for(app, "manager")
    bad = editor.post(f"/manage/organisations/{ORG_A}/services/new", data={"name": ""})
    assert bad.status_code == 400 and "Enter the name of the service." in bad.text
    assert (
        client_for(app, "other_editor")
        .post(f"/manage/organisations/{ORG_A}/services/new", data={"name": "X", "summary": "Y"})
        .status_code
        == 404
    )
    response = editor.post(
        f"/manage/organisations/{ORG_A}/services/new",
        data={"name": "Knit and Natter", "summary": "Bring wool."},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    from directory.models import Service

    new = next(s for s in rows(app, Service) if s.name == "Knit and Natter")
    assert new.status == ListingStatus.DRAFT
    assert app.test_client().get(f"/services/{new.id}").status_code == 404
    editor.post(f"/manage/services/{new.id}/submit")
    assert "Knit and Natter" in manager.get("/manage/").text
    # An editor cannot publish; a manager can.
    assert editor.post(f"/manage/services/{new.id}/publish").status_code == 403
    assert manager.post(f"/manage/services/{new.id}/publish").status_code == 302
    assert app.test_client().get(f"/services/{new.id}").status_code == 200
