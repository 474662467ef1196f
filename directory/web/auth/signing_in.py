"""The steps of signing in: a password, then (where two-factor sign-in is on or required) a
code, kept between the two in the session for TWO_FACTOR_MINUTES. Nobody is signed in
(Flask-Login) until every step is done; `PASSED` marks a session that has done them, so
that a session made some other way (a remember-me cookie, the development sign-in) is
asked for the code before anything else."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, session
from flask_login import login_user

from directory import db
from directory.accounts import two_factor, users
from directory.accounts.security_log import record_security_event
from directory.models import SecurityEventKind, User

PENDING = "signing_in"
PASSED = "second_step_done"


def begin(user: User, remember: bool, next_page: str) -> None:
    """The password was right: hold the account until the second step."""
    session[PENDING] = {
        "user": user.get_id(),
        "remember": remember,
        "next": next_page,
        "since": int(time.time()),
    }


def pending() -> tuple[User, dict[str, Any]] | None:
    """The account half signed in, and its details; None when there is none (or it took too
    long, or the account has since been stopped or signed out everywhere)."""
    held = session.get(PENDING)
    if not isinstance(held, dict) or not isinstance(held.get("user"), str):
        return None
    minutes = current_app.config["TWO_FACTOR_MINUTES"]
    if time.time() - float(held.get("since", 0)) > minutes * 60:
        session.pop(PENDING, None)
        return None
    user = users.load_user(held["user"])
    if user is None or not user.is_active:
        return None
    return user, held


def finish(user: User, remember: bool, how: str) -> None:
    """Every step done: sign in, and say so in the security log."""
    session.pop(PENDING, None)
    login_user(user, remember=remember)
    passed(user)
    record_security_event(SecurityEventKind.SIGNED_IN, user, detail=how, session=db.session())


def passed(user: User) -> None:
    """Mark this session as having done every step (again, after the account's id changed)."""
    session[PASSED] = user.get_id()


def step_after_password(user: User) -> two_factor.State:
    return two_factor.state(db.session(), user)
