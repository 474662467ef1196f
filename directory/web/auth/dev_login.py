"""A development sign-in, until the accounts issue brings real ones: sign in as any account,
or as a demo link worker made on the spot. No password, so it exists only where
app.config["DEV_LOGIN"] is true (development and testing, never production) and answers
only requests from this machine."""

from __future__ import annotations

import secrets
import uuid

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlmodel import Session, select
from werkzeug.security import generate_password_hash
from werkzeug.wrappers import Response

from directory import db, security
from directory.accounts import users
from directory.accounts.permissions import home_endpoint
from directory.models import Role, User

blueprint = Blueprint("dev_login", __name__, url_prefix="/dev")
DEMO_EMAIL = "linkworker@example.org"
LOOPBACK = {"127.0.0.1", "::1"}


@blueprint.before_request
def only_from_this_machine() -> None:
    # A reverse proxy on the same host makes every request look local: it says so in its
    # forwarding headers, and then the answer is no too.
    proxied = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    if request.remote_addr not in LOOPBACK or proxied:
        abort(404)


def demo_link_worker(session: Session) -> User:
    """The demo link worker, made the first time it is asked for."""
    user = session.exec(select(User).where(User.email == DEMO_EMAIL)).first()
    if user is None:
        # a password nobody knows: this account signs in only here
        unusable = generate_password_hash(secrets.token_urlsafe(32), method="scrypt")
        user = User(email=DEMO_EMAIL, password_hash=unusable, role=Role.LINK_WORKER)
        session.add(user)
        session.commit()
    return user


def safe_next(target: str | None, user: object = None) -> str:
    """Where to go after signing in (by default the role's home): a path on this site,
    never another site."""
    return security.safe_next(target, url_for(home_endpoint(user)))


@blueprint.get("/sign-in")
def sign_in() -> str:
    users = db.session().exec(select(User).where(User.active == True).order_by(User.email)).all()  # noqa: E712
    # only a path on this site is carried through; none: the role's home after signing in
    wanted = security.safe_next(request.args.get("next"), "")
    return render_template("dev/sign_in.html", users=users, next=wanted)


@blueprint.post("/sign-in")
def sign_in_as() -> Response:
    session = db.session()
    chosen = request.form.get("user", "demo")
    if chosen == "demo":
        user: User | None = demo_link_worker(session)
    else:
        try:
            user = session.get(User, uuid.UUID(chosen))
        except ValueError:
            user = None
    if user is None or not user.is_active:
        abort(400, description="Choose one of the accounts listed.")
    login_user(user)
    return redirect(safe_next(request.form.get("next"), user))


@blueprint.post("/sign-out")
def sign_out() -> Response:
    if current_user.is_authenticated:
        users.sign_out_everywhere(db.session(), current_user._get_current_object())
    logout_user()
    return redirect(url_for("public.home"))


def register(app: Flask) -> None:
    """Add the development sign-in where the settings allow it."""
    if not app.config.get("DEV_LOGIN"):
        return
    app.register_blueprint(blueprint)
