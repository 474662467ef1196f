"""Two-factor sign-in: the code after the password, setting it up (at sign-in, where the
role requires it, or from the account's page), new recovery codes, and turning it off.
Thin views: the rules are in directory.accounts.two_factor."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from directory import db
from directory.accounts import two_factor, users
from directory.accounts.permissions import require_sign_in
from directory.extensions import failed, limiter, setting
from directory.models import User
from directory.web.auth import signing_in
from directory.web.auth.forms import CodeForm, TurnOffForm
from directory.web.auth.views import blueprint
from directory.web.forms import page

WRONG_CODE = "Enter the code your authenticator app shows now. Each code works once."
WRONG_RECOVERY_CODE = "Enter one of your recovery codes that you have not used before."
SIGN_IN_AGAIN = "Sign in again: too long passed between your password and the code."
SHOWN_KEY = "two_factor_key_shown"
# The pages a session may reach before its second step is done.
BEFORE_SECOND_STEP = {
    "static",
    "auth.sign_in",
    "auth.sign_in_code",
    "auth.sign_in_set_up",
    "auth.sign_out",
    "health.live",
    "health.ready",
    "dev_login.sign_out",
}


def _account_key() -> str:
    """Who the code is for, so that wrong codes count against the account from any address."""
    held = session.get(signing_in.PENDING)
    if isinstance(held, dict) and isinstance(held.get("user"), str):
        return "account:" + held["user"].partition(".")[0]
    if current_user.is_authenticated:
        return "account:" + str(current_user.id)
    return "address:" + (request.remote_addr or "")


def _code_limits(view: Any) -> Any:
    """Wrong codes are throttled per client address and per account."""
    by_address = limiter.limit(setting("TWO_FACTOR_LIMIT"), methods=["POST"], deduct_when=failed)
    by_account = limiter.limit(
        setting("TWO_FACTOR_LIMIT"), methods=["POST"], deduct_when=failed, key_func=_account_key
    )
    return by_account(by_address(view))


@blueprint.before_app_request
def second_step_first() -> Response | None:
    """A session signed in without its second step (by a remember-me cookie, say) is asked
    for the code, or to set two-factor sign-in up, before anything else."""
    if request.endpoint in BEFORE_SECOND_STEP or not current_user.is_authenticated:
        return None
    if session.get(signing_in.PASSED) == current_user.get_id():
        return None
    user: User = current_user._get_current_object()
    step = signing_in.step_after_password(user)
    if step == two_factor.State.OFF:
        signing_in.passed(user)
        return None
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    next_page = request.full_path if request.method == "GET" else url_for("manage.dashboard")
    logout_user()
    signing_in.begin(user, remember, next_page.rstrip("?"))
    if step == two_factor.State.ON:
        return redirect(url_for("auth.sign_in_code"))
    return redirect(url_for("auth.sign_in_set_up"))


# --- at sign-in ---------------------------------------------------------------------------


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
@_code_limits
def sign_in_code() -> str | Response | tuple[str, int]:
    found = signing_in.pending()
    if found is None:
        flash(SIGN_IN_AGAIN)
        return redirect(url_for("auth.sign_in"))
    user, held = found
    if signing_in.step_after_password(user) != two_factor.State.ON:  # reset meanwhile
        return redirect(url_for("auth.sign_in_set_up"))
    recovery = request.args.get("with") == "recovery-code"
    form = CodeForm()
    if form.validate_on_submit():
        used = two_factor.check(db.session(), user, form.code.data)
        if used is not None:
            how = f"with a password and {'a code' if used == two_factor.Used.CODE else used.value}"
            signing_in.finish(user, bool(held.get("remember")), how)
            if used == two_factor.Used.RECOVERY_CODE:
                left = two_factor.recovery_codes_left(db.session(), user)
                flash(
                    f"You used a recovery code. You have {left} left: make new ones on "
                    "your account's two-factor page if you are running out."
                )
            return redirect(str(held.get("next") or url_for("manage.dashboard")))
        form.code.errors = [WRONG_RECOVERY_CODE if recovery else WRONG_CODE]
    return page("auth/two_factor_code.html", form, recovery=recovery)


@blueprint.route("/sign-in/set-up-two-factor", methods=["GET", "POST"])
@_code_limits
def sign_in_set_up() -> str | Response | tuple[str, int]:
    found = signing_in.pending()
    if found is None:
        flash(SIGN_IN_AGAIN)
        return redirect(url_for("auth.sign_in"))
    user, held = found
    step = signing_in.step_after_password(user)
    if step == two_factor.State.ON:
        return redirect(url_for("auth.sign_in_code"))
    if step == two_factor.State.OFF:  # reset meanwhile, and optional: the password will do
        signing_in.finish(user, bool(held.get("remember")), "with a password")
        return redirect(str(held.get("next") or url_for("manage.dashboard")))
    form = CodeForm()
    if form.validate_on_submit():
        codes = two_factor.confirm_set_up(db.session(), user, form.code.data)
        if codes is not None:
            signing_in.finish(
                user, bool(held.get("remember")), "with a password, setting up a code"
            )
            return _show_recovery_codes(codes, str(held.get("next") or ""))
        form.code.errors = [WRONG_CODE]
    return _set_up_page(form, user, required=True)


def _set_up_page(form: CodeForm, user: User, required: bool) -> tuple[str, int]:
    shown = session.get(SHOWN_KEY) if request.method == "POST" else None
    pending = two_factor.start_set_up(db.session(), user, shown=shown)
    session[SHOWN_KEY] = two_factor.fingerprint(pending)
    uri = two_factor.provisioning_uri(user, pending.secret)
    return page(
        "auth/two_factor_set_up.html",
        form,
        qr_code=two_factor.qr_code_svg(uri),
        secret=two_factor.spaced(pending.secret),
        required=required,
    )


def _show_recovery_codes(codes: list[str], next_page: str) -> str:
    return render_template(
        "auth/recovery_codes.html", codes=codes, next=next_page or url_for("auth.two_factor")
    )


# --- signed in: the account's own page -------------------------------------------------------


def _me() -> User:
    return current_user._get_current_object()


@blueprint.get("/account/two-factor", endpoint="two_factor")
@require_sign_in
def account_two_factor() -> str:
    session_ = db.session()
    me = _me()
    on = two_factor.state(session_, me) == two_factor.State.ON
    return render_template(
        "auth/two_factor.html",
        on=on,
        required=two_factor.required(me),
        left=two_factor.recovery_codes_left(session_, me) if on else 0,
    )


@blueprint.route("/account/two-factor/set-up", methods=["GET", "POST"])
@require_sign_in
@_code_limits
def set_up_two_factor() -> str | Response | tuple[str, int]:
    me = _me()
    if two_factor.state(db.session(), me) == two_factor.State.ON:
        return redirect(url_for("auth.two_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        codes = two_factor.confirm_set_up(db.session(), me, form.code.data)
        if codes is not None:
            _stay_signed_in(me)
            return _show_recovery_codes(codes, url_for("auth.two_factor"))
        form.code.errors = [WRONG_CODE]
    return _set_up_page(form, me, required=False)


def _stay_signed_in(user: User) -> None:
    """The account's id changed (its other sessions ended): keep this one."""
    login_user(user)
    signing_in.passed(user)


@blueprint.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@require_sign_in
@_code_limits
def new_recovery_codes() -> str | Response | tuple[str, int]:
    me = _me()
    if two_factor.state(db.session(), me) != two_factor.State.ON:
        return redirect(url_for("auth.two_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.check(db.session(), me, form.code.data) == two_factor.Used.CODE:
            codes = two_factor.new_recovery_codes(db.session(), me)
            return _show_recovery_codes(codes, url_for("auth.two_factor"))
        form.code.errors = [WRONG_CODE]
    return page("auth/new_recovery_codes.html", form)


@blueprint.route("/account/two-factor/turn-off", methods=["GET", "POST"])
@require_sign_in
@_code_limits
def turn_off_two_factor() -> str | Response | tuple[str, int]:
    session_ = db.session()
    me = _me()
    if two_factor.state(session_, me) != two_factor.State.ON:
        return redirect(url_for("auth.two_factor"))
    form = TurnOffForm()
    if form.validate_on_submit():
        right_password = users.authenticate(session_, me.email, form.password.data) is not None
        if not right_password:
            form.password.errors = ["Enter your password."]
        elif two_factor.check(session_, me, form.code.data) is None:
            form.code.errors = [WRONG_CODE]
        else:
            two_factor.reset(session_, me, actor=me)
            if two_factor.required(me):
                logout_user()
                signing_in.begin(me, False, url_for("manage.dashboard"))
                flash("Your authenticator is forgotten. Set up the new one now.")
                return redirect(url_for("auth.sign_in_set_up"))
            _stay_signed_in(me)
            flash("Two-factor sign-in is off, and you are signed out on every other device.")
            return redirect(url_for("auth.two_factor"))
    return page("auth/two_factor_off.html", form, required=two_factor.required(me))
