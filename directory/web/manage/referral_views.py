"""The provider's side of referrals: "Referrals to you" on an editor's dashboard, answered
there for their own organisation only; and, for an organisation with no editor accounts, the
emailed signed link to one referral (no sign-in) where it can accept, decline with a reason
or mark attended, and nothing else. Opening the link changes nothing (mail scanners open
links); answering does, by a POST form with its CSRF token."""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from directory import db, security
from directory.accounts.permissions import Action, can, may_answer_referral, require_permission
from directory.extensions import limiter, setting
from directory.models import Referral, StatusSetBy
from directory.referrals import referring
from directory.referrals import status as steps
from directory.web.forms import EmptyForm
from directory.web.manage.views import blueprint


@blueprint.app_template_global()
def referrals_to_you() -> list[referring.ForProvider] | None:
    """The referrals to the signed-in editor's organisation, as it may see them; None for
    someone who answers for no organisation."""
    user = current_user
    if not getattr(user, "organization_id", None) or not can(user, Action.ANSWER_REFERRALS):
        return None
    session = db.session()
    return referring.for_provider(session, referring.to_organisation(session, user.organization_id))


def _require_fresh_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form was open too long: go back and try again.")


def _answer(referral: Referral, *, signed_link: bool) -> str | None:
    """Apply the posted answer; the message to flash when it was refused, else None."""
    form = request.form
    try:
        version = int(form.get("version", ""))
    except ValueError:
        return "The form was incomplete: go back and try again."
    try:
        referring.set_status(
            db.session(),
            referral,
            form.get("status", ""),
            by=StatusSetBy.PROVIDER,
            user=current_user if current_user.is_authenticated else None,
            version=version,
            reason_code=form.get("reason_code", ""),
            reason=form.get("reason", ""),
            signed_link=signed_link,
        )
    except (referring.TransitionError, referring.AnsweredMeanwhile) as error:
        return str(error)
    return None


@blueprint.post("/manage/referrals/<uuid:referral_id>/answer")
@require_permission(Action.ANSWER_REFERRALS)
def answer_referral(referral_id: uuid.UUID) -> Response:
    """An editor's answer to a referral to their organisation; another's is "not found"."""
    referral = db.session().get(Referral, referral_id)
    if referral is None or not may_answer_referral(current_user, referral):
        abort(404)
    _require_fresh_form()
    problem = _answer(referral, signed_link=False)
    if problem:
        flash(f"Nothing was changed: {problem}", "error")
    else:
        label = steps.STEPS[referral.status].label.lower()
        flash(f"Thank you: the referral to {referral.service_name} is marked {label}.")
    return redirect(url_for("manage.dashboard") + "#referrals")


@blueprint.route("/referrals/<uuid:referral_id>/answer/<token>", methods=["GET", "POST"])
@limiter.limit(setting("PUBLIC_FORM_LIMIT"), methods=["POST"])
def answer_referral_by_link(referral_id: uuid.UUID, token: str) -> Response | tuple[str, int]:
    """The emailed link: one referral, what was shared with consent, and its answers."""
    session = db.session()
    found = referring.referral_for_link(session, referral_id, token)
    if found.referral is None:
        page = render_template("manage/referral_link_problem.html", problem=found.problem)
        return security.kept_private(Response(page, 404, mimetype="text/html"))
    referral = found.referral
    if request.method == "POST":
        _require_fresh_form()
        problem = _answer(referral, signed_link=True)
        if problem:
            flash(f"Nothing was changed: {problem}")
        else:
            label = steps.STEPS[referral.status].label.lower()
            flash(f"Thank you: the referral is marked {label}. The link worker will see it.")
        return security.kept_private(redirect(request.path))
    (shown,) = referring.for_provider(session, [referral], signed_link=True)
    page = render_template(
        "manage/referral_link.html",
        item=shown,
        steps=steps.STEPS,
        reasons=steps.DECLINE_REASONS,
    )
    # what was shared with consent, with no sign-in: never kept by a browser or a proxy
    return security.kept_private(Response(page, 200, mimetype="text/html"))
