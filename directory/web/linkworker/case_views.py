"""Thin views of a link worker's cases: the caseload, a new case, the case page, edit,
close and reopen, and matching that starts from a case. A case is the owner's only:
anyone else's is "not found". Every view of a case is written to the access log.

Case details are posted, never put in the address, as the matching form's are.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from directory import clock, db
from directory.accounts.permissions import link_worker_required
from directory.catalogue import needs
from directory.matching import match_request
from directory.models import Service, Shortlist
from directory.models.cases import Case
from directory.referrals import cases, referring, stepping_up
from directory.web.linkworker import matching_form
from directory.web.linkworker.views import blueprint, render_match

Rendered = tuple[str, int]


def mine_or_404(case_id: uuid.UUID) -> Case:
    # Another link worker's case is "not found", not "forbidden": its existence is private.
    found = cases.owned(db.session(), current_user, case_id)
    if found is None:
        abort(404)
    return found


@blueprint.get("/cases", endpoint="cases")
@link_worker_required
def cases_page() -> Rendered:
    """The caseload: open cases with what is due, the soonest first; filter by status."""
    status = request.args.get("status", "open")
    if status not in cases.STATUS_FILTERS:
        status = "open"
    rows = cases.caseload(db.session(), current_user, status)
    return render_template(
        "linkworker/cases.html", rows=rows, status=status, today=clock.today()
    ), 200


def render_case_form(
    form: Mapping[str, Any], problems: Mapping[str, str] | None = None, case: Case | None = None
) -> str:
    known = needs.current()
    return render_template(
        "linkworker/case_form.html",
        form=form,
        problems=problems or {},
        case=case,
        need_groups=matching_form.need_groups(known, list(form.getlist("needs"))),  # type: ignore[attr-defined]
        age_bands=cases.AGE_BANDS,
        max_reference=cases.MAX_REFERENCE,
        max_what_matters=cases.MAX_WHAT_MATTERS,
    )


@blueprint.get("/cases/new")
@link_worker_required
def new_case() -> Rendered:
    return render_case_form(MultiDict()), 200


@blueprint.post("/cases/new")
@link_worker_required
def create_case() -> Response | Rendered:
    session = db.session()
    try:
        details = cases.read_details(cases.from_form(request.form), today=clock.today())
    except cases.CaseError as error:
        return render_case_form(request.form, error.problems), 400
    made = cases.create(session, current_user, details, today=clock.today())
    flash(f"Case {made.reference} opened.", "success")
    return redirect(url_for("linkworker.case", case_id=made.id))


@blueprint.post("/cases/from-match")
@link_worker_required
def save_match_as_case() -> Rendered:
    """The new case form, filled in from the matching form ("save as a case")."""
    form: MultiDict[str, str] = MultiDict(
        [("age", request.form.get("age", "")), ("postcode", request.form.get("postcode", ""))]
        + [("needs", need) for need in request.form.getlist("needs")]
        + [("what_matters", request.form.get("text", ""))]
    )
    return render_case_form(form), 200


@blueprint.get("/cases/<uuid:case_id>")
@link_worker_required
def case(case_id: uuid.UUID) -> Rendered:
    """A case: its details, what is due, its shortlists, and the referrals, wellbeing and
    plan that other pages add."""
    session = db.session()
    found = mine_or_404(case_id)
    cases.record_access(session, found, current_user, "viewed")
    return render_template("linkworker/case.html", **case_context(found)), 200


def case_context(found: Case) -> dict[str, Any]:
    """What the case page and its partials are given."""
    session = db.session()
    lists = session.exec(select(Shortlist).where(Shortlist.case_id == found.id)).all()
    return {
        "case": found,
        "due": cases.due_on(session, found),
        "case_shortlists": lists,
        "labels": needs.current().labels,
        "age_words": cases.age_words(found),
        "today": clock.today(),
        "read_only": False,
        # what matters, or the needs, say the person may be in danger now: as on the match page
        "crisis": match_request.urgent_help(found.what_matters, list(found.needs)),
        # the link worker stepped them up urgently: the same urgent help, never a triage
        "urgent_step_ups": stepping_up.urgent_open(referring.referrals_of(session, found)),
        "specialist_teams": cases.specialist_teams(session),
    }


@blueprint.app_template_global()
def known_team_listing(found: Case) -> Service | None:
    """The listing of the specialist team a case's person is known to, if one was chosen."""
    if found.known_team_service_id is None:
        return None
    return db.session().get(Service, found.known_team_service_id)


def case_as_form(found: Case) -> MultiDict[str, str]:
    """The case's details as the case form's fields."""
    form: MultiDict[str, str] = MultiDict(
        {
            "reference": found.reference,
            "age": "" if found.age is None else str(found.age),
            "age_band": found.age_band or "",
            "postcode": found.postcode_district or "",
            "what_matters": found.what_matters,
            "consent_to_share": "yes" if found.consent_to_share else "no",
            "consent_on": found.consent_on.isoformat() if found.consent_on else "",
            "version": str(found.version),
        }
    )
    for need in found.needs:
        form.add("needs", need)
    return form


@blueprint.get("/cases/<uuid:case_id>/edit")
@link_worker_required
def edit_case(case_id: uuid.UUID) -> Rendered:
    found = mine_or_404(case_id)
    cases.record_access(db.session(), found, current_user, "viewed")
    return render_case_form(case_as_form(found), case=found), 200


@blueprint.post("/cases/<uuid:case_id>/edit")
@link_worker_required
def update_case(case_id: uuid.UUID) -> Response | Rendered:
    session = db.session()
    found = mine_or_404(case_id)
    version = request.form.get("version", "")
    try:
        details = cases.read_details(cases.from_form(request.form), today=clock.today())
        cases.update(
            session, current_user, found, details, int(version) if version.isdigit() else None
        )
    except cases.StaleCase as error:
        # what they typed stays in the form; the version moves on to the case as it is now
        session.refresh(found)
        form = MultiDict(request.form)
        form["version"] = str(found.version)
        return render_case_form(form, error.problems, case=found), 409
    except cases.CaseError as error:
        return render_case_form(request.form, error.problems, case=found), 400
    flash("Case changed.", "success")
    return redirect(url_for("linkworker.case", case_id=found.id))


@blueprint.get("/cases/<uuid:case_id>/close")
@link_worker_required
def close_case_form(case_id: uuid.UUID) -> Rendered:
    found = mine_or_404(case_id)
    return render_close(found, MultiDict()), 200


def render_close(
    found: Case, form: Mapping[str, Any], problems: Mapping[str, str] | None = None
) -> str:
    return render_template(
        "linkworker/case_close.html",
        case=found,
        form=form,
        problems=problems or {},
        reasons=cases.CLOSE_REASONS,
    )


@blueprint.post("/cases/<uuid:case_id>/close")
@link_worker_required
def close_case(case_id: uuid.UUID) -> Response | Rendered:
    found = mine_or_404(case_id)
    try:
        cases.close(
            db.session(),
            current_user,
            found,
            request.form.get("reason", ""),
            request.form.get("reason_text", ""),
            today=clock.today(),
        )
    except cases.CaseError as error:
        return render_close(found, request.form, error.problems), 400
    flash(f"Case {found.reference} closed.", "success")
    return redirect(url_for("linkworker.case", case_id=found.id))


@blueprint.post("/cases/<uuid:case_id>/reopen")
@link_worker_required
def reopen_case(case_id: uuid.UUID) -> Response:
    found = mine_or_404(case_id)
    try:
        cases.reopen(db.session(), current_user, found)
    except cases.CaseError as error:
        flash(f"Nothing changed: {error}", "error")
    else:
        flash(f"Case {found.reference} reopened.", "success")
    return redirect(url_for("linkworker.case", case_id=found.id))


@blueprint.post("/cases/<uuid:case_id>/known-team")
@link_worker_required
def set_known_team(case_id: uuid.UUID) -> Response | Rendered:
    """Note (or clear) the specialist team the person is already known to."""
    found = mine_or_404(case_id)
    form = request.form
    version = form.get("version", "")
    try:
        cases.set_known_team(
            db.session(),
            current_user,
            found,
            team=form.get("known_team", ""),
            contact=form.get("known_team_contact", ""),
            service_id=form.get("known_team_service_id", ""),
            version=int(version) if version.isdigit() else None,
        )
    except cases.StaleCase as error:
        # what they typed stays in the form; the version moves on to the case as it is now
        db.session().refresh(found)
        kept = MultiDict(form)
        kept["version"] = str(found.version)
        context = case_context(found) | {"team_form": kept, "team_problems": error.problems}
        return render_template("linkworker/case.html", **context), 409
    except cases.CaseError as error:
        context = case_context(found) | {"team_form": form, "team_problems": error.problems}
        return render_template("linkworker/case.html", **context), 400
    flash("Known team saved." if found.known_team else "Known team removed.", "success")
    return redirect(url_for("linkworker.case", case_id=found.id) + "#known-team-section")


@blueprint.get("/cases/<uuid:case_id>/match")
@link_worker_required
def match_case(case_id: uuid.UUID) -> Rendered:
    """The matching form filled in from the case ("Find services"): its shortlist will
    belong to the case."""
    found = mine_or_404(case_id)
    cases.record_access(db.session(), found, current_user, "viewed")
    form: MultiDict[str, str] = MultiDict(
        {
            "age": "" if found.age is None else str(found.age),
            "postcode": found.postcode_district or "",
            "text": found.what_matters,
        }
    )
    for need in found.needs:
        form.add("needs", need)
    return render_match(form, case=found), 200
