"""Referrals from a case, for its link worker: refer to a service (from the case's shortlist or
any listed one), record a status change for themselves, the provider or the person, and move
the follow-up date. The case page includes linkworker/_case_referrals.html, which reads its
data from the `case_referrals(case)` template global.

Another link worker's case is "not found", as another's shortlist is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import col, select
from werkzeug.wrappers import Response

from directory import db, mail
from directory.accounts.permissions import link_worker_required, may_match
from directory.catalogue.published import is_published
from directory.models import (
    Case,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Service,
    Shortlist,
    ShortlistItem,
    StatusSetBy,
)
from directory.referrals import cases, referring, responsiveness, stepping_up
from directory.referrals import status as steps
from directory.web.linkworker.views import blueprint

Rendered = tuple[str, int]


def own_case_or_404(case_id: uuid.UUID) -> Case:
    found = cases.owned(db.session(), current_user, case_id)
    if found is None:
        abort(404)
    return found


def back_to_case(case: Case) -> Response:
    """To the case page (the cases' blueprint), or this case's referrals without it."""
    if "linkworker.case" in current_app.view_functions:
        return redirect(url_for("linkworker.case", case_id=case.id) + "#referrals")
    return redirect(url_for("linkworker.case_referrals", case_id=case.id))


@blueprint.get("/cases/<uuid:case_id>/referrals")
@link_worker_required
def case_referrals(case_id: uuid.UUID) -> Rendered:
    """The case's referrals with their history, and the form to refer."""
    case = own_case_or_404(case_id)
    cases.record_access(db.session(), case, current_user, "viewed")
    return render_template("linkworker/case_referrals.html", case=case, problems={}), 200


@blueprint.post("/cases/<uuid:case_id>/referrals")
@link_worker_required
def refer(case_id: uuid.UUID) -> Response | Rendered:
    case = own_case_or_404(case_id)
    session = db.session()
    form = request.form
    shared = form.getlist("shared") if case.consent_to_share else None
    try:
        referral = referring.refer(
            session,
            case,
            current_user,
            service_id=form.get("service_id", ""),
            route=form.get("route", ""),
            note=form.get("note", ""),
            shared=shared,
        )
    except referring.ReferralError as error:
        return render_template(
            "linkworker/case_referrals.html", case=case, problems=error.problems, form=form
        ), 400
    told = referring.made(session, case, current_user, referral, mail.send)
    flash(f"Referred to {referral.service_name}. {PROVIDER_TOLD[told]}", "success")
    return back_to_case(case)


@blueprint.post("/cases/<uuid:case_id>/step-up")
@link_worker_required
def step_up(case_id: uuid.UUID) -> Response | Rendered:
    """A step-up referral: back to the GP or the mental health practitioner, or to a
    specialist pathway service, with a reason and urgency."""
    case = own_case_or_404(case_id)
    session = db.session()
    form = request.form
    try:
        referral = stepping_up.step_up(
            session,
            case,
            current_user,
            target=form.get("target", ""),
            service_id=form.get("service_id", ""),
            reason=form.get("reason", ""),
            urgency=form.get("urgency", ""),
        )
    except referring.ReferralError as error:
        return render_template(
            "linkworker/case_referrals.html",
            case=case,
            step_up_problems=error.problems,
            step_up_form=form,
        ), 400
    told = referring.made(session, case, current_user, referral, mail.send)
    urgency = stepping_up.URGENCIES[referral.urgency].lower()
    then = PROVIDER_TOLD[told] if referral.organization_id else STEP_UP_TELL
    flash(f"Step-up ({urgency}) to {referral.service_name} recorded. {then}", "success")
    return back_to_case(case)


STEP_UP_TELL = "Get in touch with them as you usually do: Signpost does not send it."
PROVIDER_TOLD = {
    "editors": "Its editors were emailed and answer on their dashboard.",
    "email": "The organisation was emailed a link to answer.",
    "none": "The organisation has no email address here: get in touch with it directly.",
}


@blueprint.post("/cases/<uuid:case_id>/referrals/<uuid:referral_id>/status")
@link_worker_required
def record_referral_status(case_id: uuid.UUID, referral_id: uuid.UUID) -> Response:
    """A status change, recorded by the link worker for themselves, the provider or the
    person; a refused step or someone else's change meanwhile says why and changes nothing."""
    case = own_case_or_404(case_id)
    session = db.session()
    referral = referring.of_case(session, case, referral_id)
    if referral is None:
        abort(404)
    form = request.form
    by = form.get("by", StatusSetBy.LINK_WORKER.value)
    if by not in {s.value for s in StatusSetBy}:
        abort(400, description="Say who told you: you, the provider or the person.")
    try:
        version = int(form.get("version", ""))
    except ValueError:
        abort(400, description="The form was incomplete: go back and try again.")
    try:
        referring.set_status(
            session,
            referral,
            form.get("status", ""),
            by=StatusSetBy(by),
            user=current_user,
            version=version,
            reason_code=form.get("reason_code", ""),
            reason=form.get("reason", ""),
        )
    except (referring.TransitionError, referring.AnsweredMeanwhile) as error:
        flash(f"Nothing was changed: {error}", "error")
    else:
        cases.record_access(session, case, current_user, "changed")
        label = steps.STEPS[referral.status].label.lower()
        flash(f"{referral.service_name}: marked {label}.", "success")
    return back_to_case(case)


@blueprint.post("/cases/<uuid:case_id>/referrals/<uuid:referral_id>/follow-up")
@link_worker_required
def change_follow_up(case_id: uuid.UUID, referral_id: uuid.UUID) -> Response:
    case = own_case_or_404(case_id)
    session = db.session()
    referral = referring.of_case(session, case, referral_id)
    if referral is None:
        abort(404)
    try:
        referring.set_follow_up(session, referral, request.form.get("follow_up_on", ""))
    except referring.ReferralError as error:
        flash(f"Nothing was changed: {error}", "error")
    else:
        cases.record_access(session, case, current_user, "changed")
        flash(f"{referral.service_name}: follow up by {referral.follow_up_on:%d %B %Y}.", "success")
    return back_to_case(case)


# --- what the partial shows -------------------------------------------------------------


@dataclass(frozen=True)
class CaseReferrals:
    referrals: list[Referral]
    history: dict[uuid.UUID, list[ReferralStatusChange]]
    next_steps: dict[uuid.UUID, list[ReferralStatus]]
    shortlisted: list[Service]  # on the case's shortlists, still listed
    services: list[tuple[uuid.UUID, str]]  # every listed service: (id, name)


@blueprint.app_template_global()
def case_referrals_of(case: Case) -> CaseReferrals:
    """What linkworker/_case_referrals.html shows for a case."""
    session = db.session()
    found = referring.referrals_of(session, case)
    shortlisted = session.exec(
        select(Service)
        .join(ShortlistItem, col(ShortlistItem.service_id) == Service.id)
        .join(Shortlist, col(Shortlist.id) == ShortlistItem.shortlist_id)
        .where(Shortlist.case_id == case.id, is_published())
        .order_by(col(Service.name))
        .distinct()
    ).all()
    services = session.exec(
        select(Service.id, Service.name).where(is_published()).order_by(col(Service.name))
    ).all()
    return CaseReferrals(
        referrals=found,
        history=referring.histories(session, found),
        next_steps={r.id: steps.next_steps(r.status, StatusSetBy.LINK_WORKER) for r in found},
        shortlisted=list(shortlisted),
        services=[(sid, name) for sid, name in services],
    )


@blueprint.app_template_global()
def step_up_choices() -> dict[str, Any]:
    """What the step-up form offers: who, the specialist listings, the urgencies."""
    return {
        "targets": stepping_up.TARGETS,
        "services": stepping_up.pathway_services(db.session()),
        "urgencies": stepping_up.URGENCIES,
        "max_reason": stepping_up.MAX_REASON,
    }


@blueprint.app_template_global()
def referral_words() -> dict[str, Any]:
    """The words the referral templates share: steps, reasons, routes, who set a status."""
    return {
        "steps": steps.STEPS,
        "decline_reasons": steps.DECLINE_REASONS,
        "routes": referring.ROUTES,
        "set_by": referring.SET_BY,
        "shareable": referring.SHAREABLE,
        "shared_by_default": referring.SHARED_BY_DEFAULT,
        "max_note": referring.MAX_NOTE,
    }


@blueprint.app_template_global()
def referral_responsiveness(service_id: Any) -> dict[str, Any] | None:
    """How a service answers referrals, for link workers only (None for anyone else):
    `{"figures": Responsiveness or None}`, None meaning "not enough referrals yet"."""
    if not may_match(current_user):
        return None
    session = db.session()
    try:
        service = session.get(Service, uuid.UUID(str(service_id)))
    except ValueError:
        return None
    if service is None:
        return None
    figures = responsiveness.shown_for(session, service.id, service.organization_id)
    return {"figures": figures, "minimum": responsiveness.MINIMUM}
