"""Thin views for accounts: read the form, call directory.accounts.users, render."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from directory import db, mail, security
from directory.accounts import throttle, two_factor, users
from directory.accounts.permissions import home_endpoint, require_sign_in
from directory.accounts.security_log import record_security_event
from directory.extensions import failed, limiter, setting
from directory.models import SecurityEventKind, User
from directory.web.auth import signing_in
from directory.web.auth.forms import NewPasswordForm, ResetRequestForm, SignInForm
from directory.web.forms import EmptyForm, page

blueprint = Blueprint("auth", __name__)

# One message whether the address is unknown or the password wrong: it tells nobody
# which addresses have users.
WRONG_DETAILS = "Enter a correct email address and password."


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(setting("SIGN_IN_LIMIT"), methods=["POST"], deduct_when=failed)
def sign_in() -> str | Response | tuple[str, int]:
    form = SignInForm()
    if form.validate_on_submit():
        email = form.email.data
        wait = throttle.wait_minutes(email)
        if wait:
            form.password.errors = [_locked(wait)]
            return render_template("auth/sign_in.html", form=form), 429
        user = users.authenticate(db.session(), email, form.password.data)
        if user is not None:
            throttle.succeeded(email)
            return _after_password(user, bool(form.remember.data))
        throttle.failed(email)
        _record_failure(email)
        form.password.errors = [WRONG_DETAILS]
    return page("auth/sign_in.html", form)


def _locked(minutes: int) -> str:
    # The same words whether the address has an account or not.
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many wrong passwords for this email address. Try again in "
        f"{minutes} {unit}, or reset your password."
    )


def _after_password(user: User, remember: bool) -> Response:
    """Signed in, or on to the code (or to setting up two-factor sign-in, where required);
    then to the page asked for, or the role's home."""
    next_page = security.safe_next(request.args.get("next"), url_for(home_endpoint(user)))
    step = signing_in.step_after_password(user)
    if step == two_factor.State.OFF:
        signing_in.finish(user, remember, "with a password")
        return redirect(next_page)
    signing_in.begin(user, remember, next_page)
    if step == two_factor.State.ON:
        return redirect(url_for("auth.sign_in_code"))
    return redirect(url_for("auth.sign_in_set_up"))


def _record_failure(email: str) -> None:
    """A failed sign-in in the security log: the address tried (only when it is one: people
    type passwords into the wrong box) and why, never the password."""
    session_ = db.session()
    user = users.find_by_email(session_, email) if len(email) <= 254 else None
    why = "no account" if user is None else "wrong password" if user.active else "stopped"
    record_security_event(
        SecurityEventKind.SIGN_IN_FAILED,
        user,
        email=None if users.validate_email(email) else email,
        detail=why,
        session=session_,
    )


@blueprint.route("/sign-out", methods=["GET", "POST"])
@require_sign_in
def sign_out() -> str | Response:
    form = EmptyForm()
    if form.validate_on_submit():
        # The session ends on the server too: a copy of its cookie, or of the remember-me
        # cookie, no longer signs anyone in.
        users.sign_out_everywhere(db.session(), current_user._get_current_object())
        logout_user()
        session.pop(signing_in.PASSED, None)
        flash("You have signed out.")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/sign_out.html", form=form)


@blueprint.post("/sign-out-everywhere")
@require_sign_in
def sign_out_everywhere() -> Response | tuple[str, int]:
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("auth/sign_out.html", form=form), 400
    users.sign_out_everywhere(db.session(), current_user._get_current_object())
    logout_user()
    flash("You have signed out on every device.")
    return redirect(url_for("auth.sign_in"))


@blueprint.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(setting("RESET_LIMIT"), methods=["POST"])
def reset_request() -> str | Response | tuple[str, int]:
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = users.find_by_email(db.session(), form.email.data)
        record_security_event(
            SecurityEventKind.PASSWORD_RESET_REQUESTED,
            user,
            detail="sent" if user is not None and user.active else "no active account",
        )
        if user is not None and user.active:
            link = security.public_url("auth.reset_password", token=users.reset_token(user))
            mail.send(user.email, "Reset your password", _reset_body(link))
        return render_template("auth/reset_sent.html", email=form.email.data)
    return page("auth/reset_request.html", form)


def _reset_body(link: str) -> str:
    hours = current_app.config["RESET_LINK_HOURS"]
    return (
        "Hello,\n\nSomeone asked to reset the password of your account. If it was you, "
        f"open this link to choose a new password:\n\n{link}\n\n"
        f"The link works once, for {hours} hours. If it was not you, ignore this email: "
        "your password has not changed.\n"
    )


@blueprint.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(setting("RESET_LIMIT"), methods=["POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    session = db.session()
    user = users.user_for_reset(session, token)
    if user is None:
        return render_template("auth/link_expired.html", what="password reset"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        users.set_password(session, user, form.password.data)
        record_security_event(SecurityEventKind.PASSWORD_RESET_DONE, user, session=session)
        logout_user()
        flash("Your password has been changed. Sign in with your new password.")
        return redirect(url_for("auth.sign_in"))
    return page("auth/new_password.html", form, heading="Choose a new password")


@blueprint.route("/join-team/<token>", methods=["GET", "POST"])
def join_team(token: str) -> str | Response | tuple[str, int]:
    """A link worker or mental health practitioner invited by an admin chooses a password."""
    session = db.session()
    invitation = users.read_team_invite(session, token)
    if invitation is None:
        return render_template("auth/link_expired.html", what="invitation"), 404
    email, role = invitation
    as_role = users.ROLE_WORDS[role].lower()
    return _choose_password_to_join(
        email,
        f"Join as a {as_role}",
        lambda password: users.create_team_member(session, email, role, password),
        f"Welcome. You have joined as a {as_role}.",
    )


@blueprint.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> str | Response | tuple[str, int]:
    session = db.session()
    invitation = users.read_invite(session, token)
    if invitation is None:
        return render_template("auth/link_expired.html", what="invitation"), 404
    email, organisation = invitation
    return _choose_password_to_join(
        email,
        f"Join {organisation.name}",
        lambda password: users.create_editor(session, email, organisation, password),
        f"Welcome. You can now keep the listings of {organisation.name} up to date.",
    )


def _choose_password_to_join(
    email: str, heading: str, join: Callable[[str], User], welcome: str
) -> Response | tuple[str, int]:
    """The page where someone invited chooses a password; on a good one, their account
    (`join(password)`), signed in, on their home page."""
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = join(form.password.data)
        login_user(user)
        signing_in.passed(user)
        flash(welcome)
        return redirect(url_for(home_endpoint(user)))
    return page("auth/new_password.html", form, heading=heading, email=email)
