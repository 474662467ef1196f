"""Thin views for a case's wellbeing, the person's plan and its private links, and the
summary for the GP (pages under /link-worker/cases/<id>/). The case page shows each
through its partial (_case_wellbeing.html, _case_plan.html), which reads its data from
the template globals at the end of this module.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from directory import db, security
from directory.accounts.permissions import link_worker_required
from directory.models import Case
from directory.referrals import cases, gp_summary, plans, wellbeing
from directory.web.linkworker.views import blueprint

log = logging.getLogger(__name__)
Rendered = tuple[str, int]


def case_or_404(case_id: uuid.UUID, action: str) -> Case:
    """The case, if it is on the signed-in link worker's caseload (noted in the access
    log); 404 if not: another's case is "not found", its existence private."""
    session = db.session()
    found = cases.owned(session, current_user, case_id)
    if found is None:
        abort(404)
    cases.record_access(session, found, current_user, action)
    return found


def case_url(case_id: uuid.UUID) -> str:
    """The case page (branch i14-cases), or the wellbeing page until it is there."""
    try:
        return url_for("linkworker.case", case_id=case_id)
    except BuildError:
        return url_for("linkworker.case_wellbeing", case_id=case_id)


# --- wellbeing ------------------------------------------------------------------------------


@blueprint.get("/cases/<uuid:case_id>/wellbeing")
@link_worker_required
def case_wellbeing(case_id: uuid.UUID) -> Rendered:
    case = case_or_404(case_id, "viewed")
    return render_template("linkworker/case_wellbeing.html", case=case), 200


@blueprint.post("/cases/<uuid:case_id>/wellbeing")
@link_worker_required
def record_wellbeing(case_id: uuid.UUID) -> Response | Rendered:
    """Record scores from the case page's form; the form again with what to fix if not."""
    case = case_or_404(case_id, "changed")
    measure = request.form.get("measure", wellbeing.ONS4)
    try:
        wellbeing.record(
            db.session(),
            case,
            current_user,
            when=request.form.get("when"),
            recorded_on=request.form.get("recorded_on"),
            scores=request.form,
            measure=measure,
        )
    except wellbeing.WellbeingError as error:
        return render_template(
            "linkworker/case_wellbeing.html",
            case=case,
            wellbeing_problems=error.problems,
            wellbeing_form=request.form,
            wellbeing_measure=measure,
        ), 400
    flash("The wellbeing scores were recorded.", "success")
    return redirect(case_url(case.id))


# --- the person's plan ----------------------------------------------------------------------


@blueprint.get("/cases/<uuid:case_id>/plan")
@link_worker_required
def case_plan(case_id: uuid.UUID) -> Rendered:
    """The person's plan, to print or show them: the page the private link opens."""
    case = case_or_404(case_id, "viewed")
    plan = plans.plan_for(db.session(), case)
    large = request.args.get("size") == "large"
    return render_template("plan/plan.html", plan=plan, large=large, private=False), 200


@blueprint.post("/cases/<uuid:case_id>/plan/links")
@link_worker_required
def new_plan_link(case_id: uuid.UUID) -> Response:
    """Make a private link to the plan, shown once here; emailed too if an address is
    typed (used for that message, kept nowhere)."""
    case = case_or_404(case_id, "changed")
    session = db.session()
    address = request.form.get("email", "").strip()
    if address:
        try:
            address = plans.check_address(address)
        except plans.PlanError as error:
            page = render_template(
                "linkworker/plan_link.html",
                case=case,
                link=None,
                url=None,
                problem=str(error),
                back=case_url(case.id),
            )
            return Response(page, 400, mimetype="text/html")
    link, secret = plans.create_link(session, case, current_user)
    url = security.public_url("public.plan", secret=secret)
    emailed = False
    if address:
        plan = plans.plan_for(session, case)
        try:
            plans.email_link(address, url, link, plan.link_worker)
            emailed = True
        except (OSError, smtplib.SMTPException) as error:
            # the error may hold the address: log only what kind of failure it was
            log.error("A plan link could not be emailed: %s", type(error).__name__)
    page = render_template(
        "linkworker/plan_link.html",
        case=case,
        link=link,
        url=url,
        emailed=emailed,
        email_failed=bool(address) and not emailed,
        problem=None,
        back=case_url(case.id),
    )
    # the page holds the link's secret: kept out of caches, and no referrer leaves it
    return Response(
        page,
        200,
        mimetype="text/html",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@blueprint.post("/cases/<uuid:case_id>/plan/links/<uuid:plan_link_id>/revoke")
@link_worker_required
def revoke_plan_link(case_id: uuid.UUID, plan_link_id: uuid.UUID) -> Response:
    case = case_or_404(case_id, "changed")
    try:
        plans.revoke(db.session(), case, plan_link_id)
    except plans.PlanError:
        abort(404)
    flash("The link to the plan was stopped: it no longer opens the plan.", "success")
    return redirect(case_url(case.id))


# --- telling the GP -------------------------------------------------------------------------


@blueprint.get("/cases/<uuid:case_id>/gp-summary")
@link_worker_required
def gp_summary_page(case_id: uuid.UUID) -> Rendered:
    """The summary for the GP, to print, with the SNOMED CT codes to copy."""
    case = case_or_404(case_id, "exported")
    summary = gp_summary.summary_for(db.session(), case)
    return render_template("linkworker/gp_summary.html", summary=summary), 200


# --- what the case page's partials read -----------------------------------------------------


@blueprint.app_template_global()
def case_wellbeing_panel(case: Case) -> dict[str, Any]:
    """For _case_wellbeing.html: each measure's questions and progress for the case."""
    session = db.session()
    return {
        "measures": wellbeing.measures(),
        "progress": wellbeing.progress_of_case(session, case),
        "ons4": wellbeing.ONS4,
    }


@blueprint.app_template_global()
def case_plan_panel(case: Case) -> dict[str, Any]:
    """For _case_plan.html: the plan's services, the live links, the GP codes."""
    session = db.session()
    return {
        "plan": plans.plan_for(session, case),
        "links": plans.links_of(session, case),
        "codes": gp_summary.codes(),
    }
