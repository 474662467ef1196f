"""The security log: every kind of event is recorded where it happens, with who, who did it,
when and from which address, and never a password or a code; admins read it, filtered and
a page at a time; `purge-expired` keeps it to SECURITY_LOG_MONTHS."""

from __future__ import annotations

import collections
from datetime import timedelta

import pyotp
import pytest
import time_machine
from accounts_helpers import ORG_A, PASSWORD, add_people, email_of, sign_in
from conftest import SMALL_CATALOGUE, dispose, make_app
from flask import Flask
from sqlmodel import Session, col, select

from directory import db
from directory.accounts import security_log, users
from directory.catalogue import seeding
from directory.models import (
    OrganisationRequest,
    RequestKind,
    SecurityEvent,
    SecurityEventKind,
    TwoFactor,
    User,
    utcnow,
)

SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
WRONG_PASSWORD = "hunter2 is not my password"
NEW_PASSWORD = "a brand new passphrase for the log"


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    small_app.config["TWO_FACTOR_REQUIRED"] = True
    return small_app


def account(app: Flask, who: str) -> User:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.exec(select(User).where(User.email == email_of(who))).one()


def all_events(app: Flask) -> list[SecurityEvent]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return list(session.exec(select(SecurityEvent).order_by(col(SecurityEvent.at))).all())


def totp(app: Flask, who: str) -> pyotp.TOTP:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return pyotp.TOTP(session.get(TwoFactor, account(app, who).id).secret)


def test_every_kind_of_event_is_recorded_and_no_password_or_code_in_any(app):
    """A morning in the directory that touches every kind; counts kept for the closing note."""
    typed_codes: list[str] = []
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
        # sign-in failures: a wrong password, an unknown address, a password in the email box
        sign_in(client, "editor", password=WRONG_PASSWORD)
        client.post("/sign-in", data={"email": "nobody@example.org", "password": WRONG_PASSWORD})
        client.post("/sign-in", data={"email": PASSWORD, "password": PASSWORD})
        # an admin sets up two-factor sign-in, fails a code, signs in with one
        sign_in(client, "admin")
        client.get("/sign-in/set-up-two-factor")
        client.post("/sign-in/set-up-two-factor", data={"code": "999999"})
        typed_codes.append(totp(app, "admin").now())
        recovery = client.post("/sign-in/set-up-two-factor", data={"code": typed_codes[-1]})
        typed_codes += [c.split("</code>")[0] for c in recovery.text.split("<code>")[1:]]
        client.post("/sign-out")
        clock.shift(30)
        sign_in(client, "admin")
        typed_codes.append(totp(app, "admin").now())
        client.post("/sign-in/code", data={"code": typed_codes[-1]})
        # an admin stops an account and lets it sign in again
        editor = account(app, "other_editor")
        client.post(f"/manage/users/{editor.id}/active")
        client.post(f"/manage/users/{editor.id}/active")
        # an admin approves a request (an invitation) and invites an editor
        with Session(app.extensions[db.ENGINE_KEY]) as session:
            request = OrganisationRequest(
                kind=RequestKind.CLAIM, organization_id=ORG_A, name="Sam", email="sam@example.org"
            )
            session.add(request)
            session.commit()
            request_id = request.id
        client.post(f"/manage/requests/{request_id}", data={"decision": "approve"})
        client.post(f"/manage/organisations/{ORG_A}/invite", data={"email": "new@example.org"})
        # the new editor joins; someone asks for a password reset and uses it
        with app.test_request_context():
            from directory.models import Organisation

            with Session(app.extensions[db.ENGINE_KEY]) as session:
                invite = users.invite_token("joiner@example.org", session.get(Organisation, ORG_A))
                reset = users.reset_token(session.get(User, account(app, "editor").id))
        joiner = app.test_client()
        joiner.post(f"/join/{invite}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        other = app.test_client()
        other.post("/reset-password", data={"email": email_of("editor")})
        other.post(
            f"/reset-password/{reset}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        )
        # sign out everywhere
        joiner.post("/sign-out-everywhere")
        # an admin resets a manager's two-factor sign-in after the manager set it up
        manager = app.test_client()
        sign_in(manager, "manager")
        clock.shift(30)
        manager.get("/sign-in/set-up-two-factor")
        typed_codes.append(totp(app, "manager").now())
        manager.post("/sign-in/set-up-two-factor", data={"code": typed_codes[-1]})
        client.post(f"/manage/users/{account(app, 'manager').id}/two-factor/reset")
        # a recovery code, at sign-in
        client.post("/sign-out")
        sign_in(client, "admin")
        client.post("/sign-in/code", data={"code": typed_codes[2]})
    # the commands: a role changed, a token made and revoked
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["set-role", email_of("linkworker"), "--role", "manager"]).exit_code == 0
    )
    runner.invoke(args=["create-token", email_of("admin"), "--label", "Practice system"])
    assert (
        runner.invoke(
            args=["revoke-token", email_of("admin"), "--label", "Practice system"]
        ).exit_code
        == 0
    )

    found = all_events(app)
    counts = collections.Counter(e.kind.value for e in found)
    print("security events logged:", dict(sorted(counts.items())), "total", len(found))
    assert set(counts) == {k.value for k in SecurityEventKind}, set(SecurityEventKind) - set(counts)
    secrets_typed = {PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, *(c for c in typed_codes if c)}
    for event in found:
        text = " ".join(str(v) for v in event.model_dump().values())
        for secret in secrets_typed:
            assert secret not in text and secret.replace("-", "") not in text, (event.kind, secret)
    # who, who did it, from where
    stopped = [e for e in found if e.kind == SecurityEventKind.ACCOUNT_STOPPED][0]
    assert stopped.user_id == editor.id and stopped.actor_id == account(app, "admin").id
    assert stopped.address == "192.0.2.44"
    failed = [e for e in found if e.kind == SecurityEventKind.SIGN_IN_FAILED]
    assert [(e.email, e.detail) for e in failed] == [
        (email_of("editor"), "wrong password"),
        ("nobody@example.org", "no account"),
        (None, "no account"),  # the password typed in the email box is not kept
    ]
    assert failed[0].user_id == account(app, "editor").id
    role = [e for e in found if e.kind == SecurityEventKind.ROLE_CHANGED][0]
    assert role.detail == "from linkworker to manager" and role.address is None


@SQLITE_ONLY
def test_admins_read_the_log_filtered_and_a_page_at_a_time(app):
    admin, editor = account(app, "admin"), account(app, "editor")
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        start = utcnow() - timedelta(hours=2)
        for i in range(60):
            session.add(
                SecurityEvent(
                    kind=SecurityEventKind.SIGN_IN_FAILED,
                    user_id=editor.id,
                    at=start + timedelta(seconds=i),
                    detail=f"wrong password {i}",
                    address="192.0.2.1",
                )
            )
        session.add(
            SecurityEvent(
                kind=SecurityEventKind.ACCOUNT_STOPPED,
                user_id=editor.id,
                actor_id=admin.id,
                at=start - timedelta(hours=1),
            )
        )
        session.commit()
    app.config["TWO_FACTOR_REQUIRED"] = False
    client = app.test_client()
    sign_in(client, "admin")
    page = client.get("/manage/security-log")
    assert page.status_code == 200
    # newest first, 50 to a page: the sign-in just now, then the newest failures
    assert "Signed in" in page.text and "wrong password 59" in page.text
    assert "wrong password 10" not in page.text and "Page 2 of 2" in page.text
    assert "Entries are kept for 12 months" in page.text
    second = client.get("/manage/security-log?page=2")
    assert "wrong password 0" in second.text and "Account stopped" in second.text
    stops = client.get("/manage/security-log?kind=account_stopped")
    assert "1 event." in stops.text and admin.email in stops.text
    mine = client.get(f"/manage/security-log?user={admin.id}")
    assert "wrong password" not in mine.text and "Account stopped" in mine.text
    bad = client.get("/manage/security-log?kind=nonsense&user=not-an-id&page=zzz")
    assert bad.status_code == 400
    assert "Choose a kind of event from the list." in bad.text
    assert "Choose an account from the list." in bad.text
    # a page past the end shows the last
    assert "wrong password 0" in client.get("/manage/security-log?page=99").text


@SQLITE_ONLY
def test_purge_expired_deletes_only_security_log_entries_past_the_retention(app):
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        now = utcnow()
        for days, detail in ((400, "old"), (364, "kept"), (1, "recent")):
            session.add(
                SecurityEvent(
                    kind=SecurityEventKind.SIGNED_IN, at=now - timedelta(days=days), detail=detail
                )
            )
        session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge-expired", "--dry-run"])
    assert "security log: would delete 1 entries older than 12 months" in dry.output
    assert len(all_events(app)) == 3
    result = runner.invoke(args=["purge-expired"])
    assert result.exit_code == 0
    assert "security log: deleted 1 entries older than 12 months" in result.output
    assert sorted(e.detail for e in all_events(app)) == ["kept", "recent"]
    app.config["SECURITY_LOG_MONTHS"] = 1
    assert "deleted 1 entries" in runner.invoke(args=["purge-expired"]).output
    assert [e.detail for e in all_events(app)] == ["recent"]


def test_the_log_records_the_address_the_proxy_saw(databases, tmp_path):
    app = make_app(databases.new_migrated(), tmp_path / "instance", PROXIES=1)
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    add_people(app)
    client = app.test_client()
    client.post(
        "/sign-in",
        data={"email": email_of("editor"), "password": WRONG_PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    [event] = all_events(app)
    assert event.kind == SecurityEventKind.SIGN_IN_FAILED and event.address == "203.0.113.7"
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        assert security_log.events(session).total == 1
    dispose(app)
