"""An admin invites a link worker or a mental health practitioner by email: the link makes
the account in that role (once), which lands on its caseload; nobody else may invite, and
no other role can be invited this way."""

from __future__ import annotations

import pytest
from accounts_helpers import add_people, client_for, email_of, mail_settings, smtp_server
from flask import Flask
from sqlmodel import Session, select

from directory import db
from directory.accounts import users
from directory.models import Role, SecurityEvent, User

NEW_PASSWORD = "a brand new passphrase for tests"
SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    return small_app


def account(app: Flask, email: str) -> User | None:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.exec(select(User).where(User.email == email)).first()


@pytest.mark.live_server  # a real SMTP server on loopback
@SQLITE_ONLY
def test_an_admin_invites_a_mental_health_practitioner_who_lands_on_a_caseload(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        admin = client_for(app, "admin")
        page = admin.get("/manage/users/invite")
        assert page.status_code == 200 and "Mental health practitioner" in page.text
        bad = admin.post("/manage/users/invite", data={"email": "nope", "role": "editor"})
        assert bad.status_code == 400
        assert "is not an email address" in bad.text and "Not a valid choice" in bad.text
        sent = admin.post("/manage/users/invite", data={"email": "sam@example.org", "role": "mhp"})
        assert sent.status_code == 302
        # an address with an account gets the same answer and no email
        admin.post("/manage/users/invite", data={"email": email_of("manager"), "role": "mhp"})
        assert [m["To"] for m in box.messages] == ["sam@example.org"]
        assert "as a mental health practitioner" in box.messages[0].get_content()
        link = "/" + [x for x in box.links() if "/join-team/" in x][0].split("/", 3)[3]
    newcomer = app.test_client()
    assert "Join as a mental health practitioner" in newcomer.get(link).text
    joined = newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/link-worker/cases")
    made = account(app, "sam@example.org")
    assert made is not None and made.role == Role.MHP and made.organization_id is None
    assert newcomer.get("/link-worker/cases").status_code == 200
    assert app.test_client().get(link).status_code == 404  # used
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        details = [e.detail for e in session.exec(select(SecurityEvent)).all()]
    assert "to join as mhp" in details and "joined as mhp" in details


@SQLITE_ONLY
def test_only_admins_invite_and_only_caseload_roles_can_be_invited(app):
    for who, status in (("manager", 403), ("linkworker", 403), ("mhp", 403), ("editor", 403)):
        response = client_for(app, who).post(
            "/manage/users/invite", data={"email": "x@example.org", "role": "linkworker"}
        )
        assert response.status_code == status, who
    anonymous = app.test_client().get("/manage/users/invite")
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    with pytest.raises(ValueError):
        users.team_invite_token("x@example.org", Role.ADMIN)
    with app.test_request_context():
        # a link signed for another purpose, or tampered with, opens nothing
        editor_link = users.team_invite_token("x@example.org", Role.LINK_WORKER)[:-3] + "abc"
    assert app.test_client().get(f"/join-team/{editor_link}").status_code == 404
    assert account(app, "x@example.org") is None
