"""Signing in and out, password resets by email, invitations, rate limits and CSRF."""

from __future__ import annotations

import re
import socket
import uuid

import pytest
import time_machine
from accounts_helpers import (
    ORG_A,
    PASSWORD,
    add_people,
    client_for,
    email_of,
    mail_settings,
    sign_in,
    smtp_server,
)
from conftest import SMALL_CATALOGUE, dispose, make_app
from flask import Flask
from sqlmodel import Session, select

from directory import db
from directory.catalogue import seeding
from directory.extensions import limiter
from directory.models import User

NEW_PASSWORD = "a brand new passphrase for tests"

# Accounts work the same on every database; PostgreSQL runs the listing tests.
SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    return small_app


def user(app: Flask, who: str) -> User:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.exec(select(User).where(User.email == email_of(who))).one()


@SQLITE_ONLY
def test_sign_in_and_out(app):
    client = app.test_client()
    response = sign_in(client, "editor")
    assert response.status_code == 302 and response.headers["Location"] == "/manage/"
    assert "Hyde Park Friends Network" in client.get("/manage/").text
    page = client.get("/sign-out").text
    assert "Sign out everywhere" in page
    assert client.post("/sign-out").status_code == 302
    assert "/sign-in?next=" in client.get("/manage/").headers["Location"]


@SQLITE_ONLY
def test_wrong_password_and_unknown_address_get_the_same_answer(app):
    client = app.test_client()
    wrong = sign_in(client, "editor", password="not the password at all")
    unknown = client.post("/sign-in", data={"email": "nobody@example.org", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 400
    for response in (wrong, unknown):
        assert "Enter a correct email address and password." in response.text
    assert "/sign-in?next=" in client.get("/manage/").headers["Location"]


@SQLITE_ONLY
def test_a_deactivated_account_cannot_sign_in(app):
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        found = session.exec(select(User).where(User.email == email_of("editor"))).one()
        found.active = False
        session.add(found)
        session.commit()
    assert sign_in(app.test_client(), "editor").status_code == 400


@SQLITE_ONLY
def test_sign_in_goes_back_only_to_pages_of_this_site(app):
    client = app.test_client()
    for target, expected in [
        ("/manage/organisations/" + str(ORG_A), "/manage/organisations/" + str(ORG_A)),
        ("https://evil.example/", "/manage/"),
        ("//evil.example/", "/manage/"),
        ("/\\evil.example", "/manage/"),
    ]:
        response = client.post(
            "/sign-in",
            query_string={"next": target},
            data={"email": email_of("editor"), "password": PASSWORD},
        )
        assert response.headers["Location"] == expected, target
        client.post("/sign-out")


@SQLITE_ONLY
def test_cookies_are_http_only_same_site_and_remember_me_is_off_by_default(app):
    client = app.test_client()
    response = sign_in(client, "editor")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert not any(c.startswith("remember_token=") for c in cookies)
    other = app.test_client()
    remembered = sign_in(other, "manager", remember="y").headers.getlist("Set-Cookie")
    token = next(c for c in remembered if c.startswith("remember_token="))
    assert "HttpOnly" in token and "SameSite=Lax" in token


def test_production_cookies_are_secure(monkeypatch):
    from directory import config

    monkeypatch.setenv("SIGNPOST_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-secret-of-32-bytes")
    monkeypatch.setenv("SIGNPOST_PUBLIC_URL", "https://signpost.example")
    settings = config.from_environment()
    assert settings.SESSION_COOKIE_SECURE and settings.REMEMBER_COOKIE_SECURE
    assert settings.LOG_MAIL is False


@SQLITE_ONLY
def test_sign_out_everywhere_ends_every_session_and_remember_cookie(app):
    laptop, phone = client_for(app, "editor"), app.test_client()
    sign_in(phone, "editor", remember="y")
    assert phone.get("/manage/").status_code == 200
    assert laptop.post("/sign-out-everywhere").status_code == 302
    for client in (laptop, phone):
        assert "/sign-in?next=" in client.get("/manage/").headers["Location"]
    assert client_for(app, "editor").get("/manage/").status_code == 200


def _reset_link(box) -> str:
    links = [link for link in box.links() if "/reset-password/" in link]
    assert len(links) == 1, box.links()
    return "/" + links[0].split("/", 3)[3]


@pytest.mark.live_server  # a real SMTP server on loopback
@SQLITE_ONLY
def test_password_reset_by_email_works_once(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        phone = client_for(app, "editor")
        client = app.test_client()
        response = client.post("/reset-password", data={"email": "Editor@Example.org"})
        assert response.status_code == 200 and "Check your email" in response.text
        assert box.messages[0]["To"] == "editor@example.org"
        assert box.messages[0]["Subject"] == "Reset your password"
        link = _reset_link(box)
    assert "Choose a new password" in client.get(link).text
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.text
    mismatch = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "The passwords do not match." in mismatch.text
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert sign_in(client, "editor").status_code == 400
    assert sign_in(app.test_client(), "editor", password=NEW_PASSWORD).status_code == 302
    # Used once: the link is dead, and the other sessions ended with the old password.
    assert client.get(link).status_code == 404
    assert "/sign-in?next=" in phone.get("/manage/").headers["Location"]


@pytest.mark.live_server  # a real SMTP server on loopback
@SQLITE_ONLY
def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        response = app.test_client().post("/reset-password", data={"email": "nobody@example.org"})
        assert response.status_code == 200 and "Check your email" in response.text
        assert box.messages == []


@pytest.mark.live_server  # a real SMTP server on loopback
@SQLITE_ONLY
def test_a_reset_link_expires(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        with time_machine.travel("2026-11-20 09:00 +0000", tick=False):
            app.test_client().post("/reset-password", data={"email": email_of("editor")})
        link = _reset_link(box)
    with time_machine.travel("2026-11-20 11:01 +0000", tick=False):
        assert app.test_client().get(link).status_code == 404
    with time_machine.travel("2026-11-20 10:59 +0000", tick=False):
        assert app.test_client().get(link).status_code == 200
    assert app.test_client().get(link[:-3] + "abc").status_code == 404


@pytest.mark.live_server  # a real SMTP server on loopback
@SQLITE_ONLY
def test_an_invitation_makes_an_editor_of_the_organisation(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        editor = client_for(app, "editor")
        bad = editor.post(f"/manage/organisations/{ORG_A}/invite", data={"email": "nope"})
        assert bad.status_code == 400 and "is not an email address" in bad.text
        editor.post(f"/manage/organisations/{ORG_A}/invite", data={"email": "new@example.org"})
        # An address with an account gets the same answer and no email.
        editor.post(f"/manage/organisations/{ORG_A}/invite", data={"email": email_of("manager")})
        assert [m["To"] for m in box.messages] == ["new@example.org"]
        link = "/" + [x for x in box.links() if "/join/" in x][0].split("/", 3)[3]
    newcomer = app.test_client()
    assert "Join Hyde Park Friends Network" in newcomer.get(link).text
    response = newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    joined = user(app, "new")
    assert joined.organization_id == ORG_A and joined.role == "editor"
    assert joined.password_hash.startswith("scrypt:")
    assert newcomer.get(f"/manage/organisations/{ORG_A}/edit").status_code == 200
    assert app.test_client().get(link).status_code == 404  # used


# --- rate limits and CSRF ---------------------------------------------------------------


def _limited_app(databases, tmp_path, **settings) -> Flask:
    # Windows of an hour: a test never runs so long that its window ends and its count restarts.
    app = make_app(
        databases.new_migrated(),
        tmp_path / "instance",
        RATELIMIT_ENABLED=True,
        SIGN_IN_LIMIT="3 per hour",
        RESET_LIMIT="2 per hour",
        PUBLIC_FORM_LIMIT="2 per hour",
        **settings,
    )
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    add_people(app)
    return app


@pytest.mark.concurrency  # counts in a time window
@pytest.mark.live_server  # Redis, where it runs
@SQLITE_ONLY
@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_sign_in_attempts_and_resets_are_rate_limited(databases, tmp_path, backend):
    settings = {}
    if backend == "redis":
        try:
            socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        except OSError:
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        # Counters of their own, so that test runs sharing this Redis (two workers, two
        # checkouts) never count each other's attempts.
        settings = {
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            # the storage's own prefix, so that reset() below removes only this test's keys
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"signpost-test-{uuid.uuid4().hex}"},
        }
    app = _limited_app(databases, tmp_path, **settings)
    try:
        client = app.test_client()
        # Signing in successfully does not count towards the limit.
        assert [sign_in(app.test_client(), "editor").status_code for _ in range(4)] == [302] * 4
        codes = [
            sign_in(client, "editor", password="wrong password!!").status_code for _ in range(4)
        ]
        assert codes == [400, 400, 400, 429]
        blocked = sign_in(client, "editor")
        assert blocked.status_code == 429 and "Too many tries" in blocked.text
        # Looking at the form is not an attempt.
        assert client.get("/sign-in").status_code == 200
        resets = [
            client.post("/reset-password", data={"email": "a@example.org"}).status_code
            for _ in range(3)
        ]
        assert resets == [200, 200, 429]
    finally:
        if backend == "redis":
            limiter.of(app).reset()  # this test's counters only (those under its prefix)
        dispose(app)


@pytest.mark.concurrency  # counts in a time window
@SQLITE_ONLY
def test_each_app_counts_its_own_attempts_and_keeps_its_own_settings(databases, tmp_path):
    # Apps side by side in one process (as tests make them, or directories served together)
    # never share counters, and one made later with limits off leaves the others on.
    first = _limited_app(databases, tmp_path / "first")
    second = _limited_app(databases, tmp_path / "second")
    try:
        wrong = "wrong password!!"
        codes = [
            sign_in(first.test_client(), "editor", password=wrong).status_code for _ in range(4)
        ]
        assert codes == [400, 400, 400, 429]
        assert sign_in(second.test_client(), "editor", password=wrong).status_code == 400
        unlimited = make_app(databases.new_migrated(), tmp_path / "off", RATELIMIT_ENABLED=False)
        assert sign_in(first.test_client(), "editor").status_code == 429
        assert limiter.of(first) is not limiter.of(second)
        dispose(unlimited)
    finally:
        dispose(first)
        dispose(second)


@pytest.mark.concurrency  # counts in a time window
@SQLITE_ONLY
def test_reports_from_the_public_are_rate_limited(databases, tmp_path):
    from accounts_helpers import TEA

    app = _limited_app(databases, tmp_path)
    try:
        client = app.test_client()
        codes = [
            client.post(f"/services/{TEA}/report", data={"kind": "closed"}).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]
    finally:
        dispose(app)


@SQLITE_ONLY
def test_forms_refuse_a_post_without_a_csrf_token(databases, tmp_path):
    from accounts_helpers import TEA

    app = make_app(databases.new_migrated(), tmp_path / "instance", WTF_CSRF_ENABLED=True)
    try:
        with Session(app.extensions[db.ENGINE_KEY]) as session:
            seeding.seed(session, SMALL_CATALOGUE)
        add_people(app)
        client = app.test_client()
        data = {"email": email_of("editor"), "password": PASSWORD}
        refused = client.post("/sign-in", data=data)
        assert refused.status_code == 400 and "CSRF" in refused.text
        report = client.post(f"/services/{TEA}/report", data={"kind": "closed"})
        assert report.status_code == 400
        page = client.get("/sign-in").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.post("/sign-in", data={**data, "csrf_token": token}).status_code == 302
        # Signed in, a changing button without its token is refused too.
        assert client.post("/sign-out").status_code == 400
        assert client.get("/manage/").status_code == 200
    finally:
        dispose(app)


@pytest.mark.parametrize("log_mail", [True, False], ids=["development", "production"])
def test_without_a_mail_server_mail_goes_to_the_log_only_in_development(tmp_path, caplog, log_mail):
    from directory import mail

    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "instance", LOG_MAIL=log_mail)
    try:
        with app.app_context(), caplog.at_level("WARNING", logger="signpost.mail"):
            mail.send("a@example.org", "Reset your password", "https://example.org/secret-link")
        assert ("secret-link" in caplog.text) is log_mail
        assert "not sent" in caplog.text
    finally:
        dispose(app)


@SQLITE_ONLY
def test_an_admin_stops_an_account_which_is_signed_out_at_once(app):
    admin, worker = client_for(app, "admin"), client_for(app, "linkworker")
    target = user(app, "linkworker")
    assert "linkworker@example.org" in admin.get("/manage/users").text
    assert admin.post(f"/manage/users/{target.id}/active").status_code == 302
    assert "/sign-in?next=" in worker.get("/sign-out").headers["Location"]
    assert sign_in(app.test_client(), "linkworker").status_code == 400
    assert admin.post(f"/manage/users/{user(app, 'admin').id}/active").status_code == 400
    admin.post(f"/manage/users/{target.id}/active")
    assert sign_in(app.test_client(), "linkworker").status_code == 302
