"""Admins: the security log, resetting someone's two-factor sign-in (a lost phone), and
inviting link workers and mental health practitioners to join the team."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from directory import db, mail, security
from directory.accounts import security_log, two_factor, users
from directory.accounts.permissions import Action, require_permission
from directory.models import Role, SecurityEventKind, User, id_or_none
from directory.web.forms import EmptyForm, page
from directory.web.manage.forms import TeamInviteForm
from directory.web.manage.views import blueprint

PER_PAGE = 50


@blueprint.get("/manage/security-log")
@require_permission(Action.MANAGE_USERS)
def security_log_page() -> tuple[str, int]:
    """The log, newest first, filtered by kind and by account; a bad filter is said so."""
    session = db.session()
    problems: list[tuple[str, str]] = []
    kind_text = request.args.get("kind", "")
    kinds = {k.value: k for k in SecurityEventKind}
    kind = kinds.get(kind_text)
    if kind_text and kind is None:
        problems.append(("kind", "Choose a kind of event from the list."))
    user_text = request.args.get("user", "")
    user_id = id_or_none(user_text)
    if user_text and (user_id is None or session.get(User, user_id) is None):
        problems.append(("user", "Choose an account from the list."))
        user_id = None
    number = request.args.get("page", "1")
    found = security_log.events(
        session,
        kind=kind,
        user_id=user_id,
        page=int(number) if number.isdigit() and len(number) < 7 else 1,
        per_page=PER_PAGE,
    )
    accounts = users.everyone(session)
    return render_template(
        "manage/security_log.html",
        found=found,
        kind=kind.value if kind else "",
        user=str(user_id) if user_id else "",
        kinds=security_log.KIND_WORDS,
        accounts=accounts,
        emails={a.id: a.email for a in accounts},
        problems=problems,
        months=security_log.kept_months(),
    ), 400 if problems else 200


@blueprint.post("/manage/users/<uuid:user_id>/two-factor/reset")
@require_permission(Action.MANAGE_USERS)
def reset_two_factor(user_id: uuid.UUID) -> Response:
    """Forget someone's authenticator (a lost phone): they set it up at their next sign-in."""
    session = db.session()
    found = session.get(User, user_id)
    if found is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form was open too long: go back and try again.")
    if found.id == current_user.id:
        abort(400, description="Reset your own from your account's two-factor page.")
    if two_factor.confirmed(session, found) is None:
        flash(f"{found.email} has not set up two-factor sign-in.")
        return redirect(url_for("manage.users"))
    two_factor.reset(session, found, actor=current_user._get_current_object())
    flash(f"{found.email} is signed out and sets up two-factor sign-in again when signing in.")
    return redirect(url_for("manage.users"))


# --- inviting the team: link workers and mental health practitioners ---------------------


@blueprint.route("/manage/users/invite", methods=["GET", "POST"])
@require_permission(Action.MANAGE_USERS)
def invite_team_member() -> Response | tuple[str, int]:
    """Email a link worker or mental health practitioner a link to join (choose a password)."""
    session = db.session()
    form = TeamInviteForm()
    if form.validate_on_submit():
        email, role = form.email.data, Role(form.role.data)
        words = users.ROLE_WORDS[role].lower()
        service = current_app.config["SERVICE_NAME"]
        users.invite_by_email(
            session,
            email,
            lambda: security.public_url(
                "auth.join_team", token=users.team_invite_token(email, role)
            ),
            f"Join {service} as a {words}",
            lambda link: (
                f"Hello,\n\n{current_user.email} invites you to {service} as a {words}. "
                f"Open this link to choose a password:\n\n{link}\n\nThe link works for "
                f"{current_app.config['INVITE_LINK_DAYS']} days.\n"
            ),
            current_user,
            f"to join as {role.value}",
            mail.send,
        )
        # The same answer either way: an invitation says nothing about who has accounts.
        flash(f"If {email} has no account yet, we have sent them an invitation.")
        return redirect(url_for("manage.users"))
    return page("manage/invite_team.html", form)
