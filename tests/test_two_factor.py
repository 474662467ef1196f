"""Two-factor sign-in over the Flask test client: setting it up (required for admins and
managers), signing in with a code, wrong codes, replayed codes, recovery codes once only,
remember-me still asking, turning it off and an admin's reset, throttling; and the API's
bearer tokens untouched."""

from __future__ import annotations

import re
import time
import uuid

import pyotp
import pytest
import time_machine
from accounts_helpers import PASSWORD, add_people, email_of, sign_in
from conftest import SMALL_CATALOGUE, dispose, make_app
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from directory import db
from directory.accounts import api_tokens, two_factor
from directory.catalogue import seeding
from directory.models import RecoveryCode, SecurityEvent, SecurityEventKind, TwoFactor, User

# Accounts work the same on every database: the code and recovery code rules (single
# UPDATEs that check and mark) run on PostgreSQL too, the rest on SQLite.
SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
STEP = 30  # seconds a TOTP code lasts
CODE_PAGE = "/sign-in/code"
SET_UP_PAGE = "/sign-in/set-up-two-factor"


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    small_app.config["TWO_FACTOR_REQUIRED"] = True
    return small_app


def user(app: Flask, who: str) -> User:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.exec(select(User).where(User.email == email_of(who))).one()


def secret_of(app: Flask, who: str) -> str:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.get(TwoFactor, user(app, who).id).secret


def code(app: Flask, who: str) -> str:
    return pyotp.TOTP(secret_of(app, who)).at(time.time())


def events(app: Flask, kind: SecurityEventKind | None = None) -> list[SecurityEvent]:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        statement = select(SecurityEvent).order_by(SecurityEvent.at)
        if kind is not None:
            statement = statement.where(SecurityEvent.kind == kind)
        return list(session.exec(statement).all())


def set_up(app: Flask, client: FlaskClient, who: str) -> list[str]:
    """Sign in with the password and set up two-factor sign-in; the recovery codes shown."""
    response = sign_in(client, who)
    if response.headers["Location"] != SET_UP_PAGE:  # an optional role: from its account page
        page = client.get("/account/two-factor/set-up")
        assert page.status_code == 200, page.text
        done = client.post("/account/two-factor/set-up", data={"code": code(app, who)})
    else:
        assert client.get(SET_UP_PAGE).status_code == 200
        done = client.post(SET_UP_PAGE, data={"code": code(app, who)})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.text)
    assert len(codes) == 10
    return codes


def signed_in(client: FlaskClient) -> bool:
    return client.get("/manage/").status_code == 200


@SQLITE_ONLY
def test_an_admin_without_two_factor_is_taken_to_set_it_up_before_anything_else(app):
    client = app.test_client()
    response = sign_in(client, "admin")
    assert response.status_code == 302 and response.headers["Location"] == SET_UP_PAGE
    # the password alone opens nothing
    assert "/sign-in?next=" in client.get("/manage/").headers["Location"]
    page = client.get(SET_UP_PAGE)
    assert page.status_code == 200
    # the QR code is drawn here (an SVG), with the key as text for typing by hand
    assert '<svg role="img" aria-label="QR code' in page.text
    assert "<img" not in page.text.split("<main", 1)[1]
    secret = secret_of(app, "admin")
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in page.text
    assert 'autocomplete="one-time-code"' in page.text and 'inputmode="numeric"' in page.text
    # a wrong code: a clear message, nothing set up, still not signed in
    wrong = client.post(SET_UP_PAGE, data={"code": "000000"})
    assert wrong.status_code == 400
    assert "There is a problem" in wrong.text and "Each code works once" in wrong.text
    assert not signed_in(client)
    done = client.post(SET_UP_PAGE, data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and "Shown only this once" in done.text
    assert signed_in(client)
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        hashes = session.exec(select(RecoveryCode.code_hash)).all()
    shown = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.text)
    assert len(hashes) == len(shown) == 10
    # kept as password hashes, never as they were shown
    assert all(h.startswith("scrypt:") for h in hashes)
    assert not {c.replace("-", "") for c in shown} & set(hashes)
    kinds = [e.kind for e in events(app)]
    assert kinds == [
        SecurityEventKind.TWO_FACTOR_FAILED,
        SecurityEventKind.TWO_FACTOR_SET_UP,
        SecurityEventKind.SIGNED_IN,
    ]


def test_a_manager_signs_in_with_a_code_a_wrong_one_is_refused_and_a_used_one_too(app):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client = app.test_client()
        set_up(app, client, "manager")
        client.post("/sign-out")
        clock.shift(STEP)
        assert sign_in(client, "manager").headers["Location"] == CODE_PAGE
        assert not signed_in(client)
        page = client.get(CODE_PAGE)
        assert 'autocomplete="one-time-code"' in page.text and 'inputmode="numeric"' in page.text
        wrong = client.post(CODE_PAGE, data={"code": "123456"})
        assert wrong.status_code == 400 and "Enter the code your authenticator app" in wrong.text
        assert not signed_in(client)
        now = code(app, "manager")
        done = client.post(CODE_PAGE, data={"code": now})
        assert done.status_code == 302 and done.headers["Location"] == "/manage/"
        assert signed_in(client)
        # the same code again, in the same 30 seconds, from another browser: refused
        other = app.test_client()
        sign_in(other, "manager")
        replayed = other.post(CODE_PAGE, data={"code": now})
        assert replayed.status_code == 400 and not signed_in(other)
        # ... and an older one (the step before) too, now that a later one was used
        clock.shift(STEP)
        earlier = pyotp.TOTP(secret_of(app, "manager")).at(time.time() - STEP)
        assert other.post(CODE_PAGE, data={"code": earlier}).status_code == 400
        # the next code works
        assert other.post(CODE_PAGE, data={"code": code(app, "manager")}).status_code == 302
        assert signed_in(other)
    kinds = [e.kind for e in events(app)]
    assert kinds.count(SecurityEventKind.TWO_FACTOR_FAILED) == 3
    assert kinds.count(SecurityEventKind.TWO_FACTOR_USED) == 2


@SQLITE_ONLY
def test_a_code_from_the_step_before_or_after_is_accepted(app):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client = app.test_client()
        set_up(app, client, "manager")
        client.post("/sign-out")
        clock.shift(3 * STEP)
        totp = pyotp.TOTP(secret_of(app, "manager"))
        sign_in(client, "manager")
        # two steps off: refused
        assert (
            client.post(CODE_PAGE, data={"code": totp.at(time.time() - 2 * STEP)}).status_code
            == 400
        )
        assert client.post(CODE_PAGE, data={"code": totp.at(time.time() - STEP)}).status_code == 302


def test_a_recovery_code_works_once_only(app):
    client = app.test_client()
    codes = set_up(app, client, "admin")
    client.post("/sign-out")
    sign_in(client, "admin")
    page = client.get(CODE_PAGE + "?with=recovery-code")
    assert "Enter a recovery code" in page.text and 'inputmode="numeric"' not in page.text
    used = client.post(CODE_PAGE + "?with=recovery-code", data={"code": codes[3].upper()})
    assert used.status_code == 302
    assert "You have 9 left" in client.get("/manage/").text
    client.post("/sign-out")
    sign_in(client, "admin")
    again = client.post(CODE_PAGE + "?with=recovery-code", data={"code": codes[3]})
    assert again.status_code == 400 and "not used before" in again.text
    assert not signed_in(client)
    # another one, typed with spaces, still works
    spaced = " ".join(codes[4])
    assert client.post(CODE_PAGE, data={"code": spaced}).status_code == 302
    assert len(events(app, SecurityEventKind.RECOVERY_CODE_USED)) == 2


@SQLITE_ONLY
def test_remember_me_does_not_skip_the_code_in_a_new_session(app):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client = app.test_client()
        set_up(app, client, "manager")
        client.post("/sign-out")
        clock.shift(STEP)
        sign_in(client, "manager", remember="y")
        assert client.post(CODE_PAGE, data={"code": code(app, "manager")}).status_code == 302
        remembered = client.get_cookie("remember_token")
        assert remembered is not None
        # a new browser session holding only the remember-me cookie
        fresh = app.test_client()
        fresh.set_cookie("remember_token", remembered.value)
        response = fresh.get("/manage/organisations")
        assert response.status_code == 302 and response.headers["Location"] == CODE_PAGE
        assert not signed_in(fresh)
        clock.shift(STEP)
        done = fresh.post(CODE_PAGE, data={"code": code(app, "manager")})
        assert done.status_code == 302 and done.headers["Location"] == "/manage/organisations"
        assert signed_in(fresh)


@SQLITE_ONLY
def test_the_pending_sign_in_expires(app):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client = app.test_client()
        set_up(app, client, "manager")
        client.post("/sign-out")
        clock.shift(STEP)
        sign_in(client, "manager")
        clock.shift(app.config["TWO_FACTOR_MINUTES"] * 60 + 1)
        late = client.post(CODE_PAGE, data={"code": code(app, "manager")})
        assert late.status_code == 302 and late.headers["Location"] == "/sign-in"
        assert not signed_in(client)


@SQLITE_ONLY
def test_a_link_worker_may_use_it_and_turn_it_off_with_password_and_code(app):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client = app.test_client()
        # optional: the password alone signs a link worker in
        assert sign_in(client, "linkworker").headers["Location"] == "/link-worker/cases"
        assert "is <strong>off</strong>" in client.get("/account/two-factor").text
        set_up(app, client, "linkworker")
        assert "is <strong>on</strong>" in client.get("/account/two-factor").text
        client.post("/sign-out")
        clock.shift(STEP)
        assert sign_in(client, "linkworker").headers["Location"] == CODE_PAGE
        client.post(CODE_PAGE, data={"code": code(app, "linkworker")})
        elsewhere = app.test_client()
        sign_in(elsewhere, "linkworker")
        clock.shift(STEP)
        elsewhere.post(CODE_PAGE, data={"code": code(app, "linkworker")})
        # a wrong password changes nothing
        clock.shift(STEP)
        form = {"password": "not my password", "code": code(app, "linkworker")}
        refused = client.post("/account/two-factor/turn-off", data=form)
        assert refused.status_code == 400 and secret_of(app, "linkworker")
        off = client.post(
            "/account/two-factor/turn-off",
            data={"password": PASSWORD, "code": code(app, "linkworker")},
        )
        assert off.status_code == 302
        assert "is <strong>off</strong>" in client.get("/account/two-factor").text
        # the other browser is signed out; the password alone is enough again
        assert elsewhere.get("/account/two-factor").status_code == 302
        client.post("/sign-out")
        assert sign_in(client, "linkworker").headers["Location"] == "/link-worker/cases"
    reset = events(app, SecurityEventKind.TWO_FACTOR_RESET)
    assert len(reset) == 1 and reset[0].actor_id is None and reset[0].detail == "by its owner"


@SQLITE_ONLY
def test_new_recovery_codes_replace_the_old(app):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client = app.test_client()
        old = set_up(app, client, "admin")
        clock.shift(STEP)
        made = client.post("/account/two-factor/recovery-codes", data={"code": code(app, "admin")})
        new = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", made.text)
        assert len(new) == 10 and not set(new) & set(old)
        client.post("/sign-out")
        sign_in(client, "admin")
        assert client.post(CODE_PAGE, data={"code": old[0]}).status_code == 400
        assert client.post(CODE_PAGE, data={"code": new[0]}).status_code == 302


@SQLITE_ONLY
def test_an_admin_resets_a_managers_two_factor_and_it_is_recorded(app):
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        manager = app.test_client()
        set_up(app, manager, "manager")
        admin = app.test_client()
        set_up(app, admin, "admin")
        clock.shift(STEP)
        target = user(app, "manager")
        assert "Reset (lost phone)" in admin.get("/manage/users").text
        response = admin.post(f"/manage/users/{target.id}/two-factor/reset")
        assert response.status_code == 302
        # the manager's session is over, and the next sign-in sets up a new authenticator
        assert not signed_in(manager)
        assert sign_in(manager, "manager").headers["Location"] == SET_UP_PAGE
        # a manager cannot reset anyone's
        assert (
            admin.post(f"/manage/users/{user(app, 'admin').id}/two-factor/reset").status_code == 400
        )
    reset = events(app, SecurityEventKind.TWO_FACTOR_RESET)
    assert [(e.user_id, e.actor_id, e.detail) for e in reset] == [
        (target.id, user(app, "admin").id, "by an admin")
    ]


@SQLITE_ONLY
def test_an_api_token_still_works_without_a_code(app):
    client = app.test_client()
    set_up(app, client, "admin")  # the admin signs in with a code in a browser
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        token = api_tokens.create_token(session, session.get(User, user(app, "admin").id), "t")
    body = {"age": 60, "postcode": "LS6 1BD", "needs": ["loneliness"]}
    response = app.test_client().post(
        "/api/v1/match", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and "suggestions" in response.json


@SQLITE_ONLY
def test_wrong_codes_are_throttled_per_address_and_per_account(databases, tmp_path):
    app = make_app(
        databases.new_migrated(),
        tmp_path / "instance",
        RATELIMIT_ENABLED=True,
        TWO_FACTOR_REQUIRED=True,
        TWO_FACTOR_LIMIT="3 per minute",
    )
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    add_people(app)
    with time_machine.travel(1_900_000_000, tick=False) as clock:
        client = app.test_client()
        set_up(app, client, "manager")
        client.post("/sign-out")
        clock.shift(STEP)
        sign_in(client, "manager")
        for _ in range(3):
            assert client.post(CODE_PAGE, data={"code": "000000"}).status_code == 400
        assert client.post(CODE_PAGE, data={"code": code(app, "manager")}).status_code == 429
        # from another address, the same account is throttled too
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.9"
        assert sign_in(other, "manager").headers["Location"] == CODE_PAGE
        assert other.post(CODE_PAGE, data={"code": code(app, "manager")}).status_code == 429
        # a minute later, the right code works
        clock.shift(61)
        assert other.post(CODE_PAGE, data={"code": code(app, "manager")}).status_code == 302
    dispose(app)


@SQLITE_ONLY
def test_the_check_accepts_a_code_once_in_the_service_too(app):
    """The rule itself, without a request: the same step twice is refused."""
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        admin = session.get(User, user(app, "admin").id)
        pending = two_factor.start_set_up(session, admin)
        first = pyotp.TOTP(pending.secret).now()
        assert two_factor.confirm_set_up(session, admin, first) is not None
        assert two_factor.check(session, admin, first) is None
        assert two_factor.state(session, admin) == two_factor.State.ON
        assert uuid.UUID(str(admin.id)) in two_factor.accounts_set_up(session)


def test_two_requests_racing_with_one_code_cannot_both_win(app):
    """Both read the account before either marks the step: the single UPDATE lets one in."""
    engine = app.extensions[db.ENGINE_KEY]
    with app.app_context(), Session(engine) as session:
        admin = session.get(User, user(app, "admin").id)
        pending = two_factor.start_set_up(session, admin)
        assert two_factor.confirm_set_up(session, admin, pyotp.TOTP(pending.secret).at(0)) is None
        two_factor.confirm_set_up(session, admin, pyotp.TOTP(pending.secret).at(time.time() - STEP))
        secret = pending.secret
    code_now = pyotp.TOTP(secret).now()
    with app.app_context(), Session(engine) as first, Session(engine) as second:
        one = two_factor.confirmed(first, first.get(User, user(app, "admin").id))
        other = two_factor.confirmed(second, second.get(User, user(app, "admin").id))
        step_one = two_factor._matching_step(secret, code_now, one.last_step, None)
        step_other = two_factor._matching_step(secret, code_now, other.last_step, None)
        assert step_one == step_other is not None  # both see the code as good...
        assert two_factor._use_step(first, one, step_one)
        assert not two_factor._use_step(second, other, step_other)  # ...only one uses it


@SQLITE_ONLY
def test_each_showing_of_the_set_up_page_has_a_new_key(app):
    """Someone with the password who saw the page earlier cannot share the key its owner
    confirms; a wrong code shows the same key again."""
    attacker, owner = app.test_client(), app.test_client()
    sign_in(attacker, "admin")
    attacker.get(SET_UP_PAGE)
    seen = secret_of(app, "admin")
    sign_in(owner, "admin")
    owner.get(SET_UP_PAGE)
    shown = secret_of(app, "admin")
    assert shown != seen
    owner.post(SET_UP_PAGE, data={"code": "000000"})
    assert secret_of(app, "admin") == shown
    # the attacker's code, from the key seen earlier, does not set it up, and the page that
    # says so shows another new key, not the owner's
    refused = attacker.post(SET_UP_PAGE, data={"code": pyotp.TOTP(seen).now()})
    assert refused.status_code == 400
    assert two_factor.spaced(shown) not in refused.text
    owner.get(SET_UP_PAGE)
    assert owner.post(SET_UP_PAGE, data={"code": code(app, "admin")}).status_code == 200
