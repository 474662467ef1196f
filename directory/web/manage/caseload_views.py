"""Supervision and handover: every link worker's caseload for managers and admins, a case
read-only (the view is logged), and reassigning a case to another link worker."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select
from werkzeug.wrappers import Response

from directory import clock, db
from directory.accounts.permissions import supervisor_required
from directory.catalogue import needs
from directory.models import Shortlist, User
from directory.models.cases import Case
from directory.referrals import cases
from directory.web.manage.views import blueprint


@blueprint.get("/manage/caseloads")
@supervisor_required
def caseloads() -> tuple[str, int]:
    """Each link worker's open cases with what is due."""
    return render_template(
        "manage/caseloads.html", caseloads=cases.caseloads(db.session()), today=clock.today()
    ), 200


def _case_or_404(case_id: uuid.UUID) -> Case:
    found = cases.supervised(db.session(), case_id)
    if found is None:
        abort(404)
    return found


def _render(found: Case, problems: Mapping[str, str] | None = None) -> str:
    session = db.session()
    return render_template(
        "manage/case.html",
        case=found,
        owner=session.get(User, found.owner_id),
        due=cases.due_on(session, found),
        case_shortlists=session.exec(select(Shortlist).where(Shortlist.case_id == found.id)).all(),
        labels=needs.current().labels,
        age_words=cases.age_words(found),
        today=clock.today(),
        read_only=True,
        link_workers=cases.link_workers(session),
        problems=problems or {},
    )


@blueprint.get("/manage/caseloads/<uuid:case_id>")
@supervisor_required
def supervised_case(case_id: uuid.UUID) -> tuple[str, int]:
    """A case, read-only, with the form to hand it to another link worker."""
    found = _case_or_404(case_id)
    cases.record_access(db.session(), found, current_user, "viewed")
    return _render(found), 200


@blueprint.post("/manage/caseloads/<uuid:case_id>/reassign")
@supervisor_required
def reassign_case(case_id: uuid.UUID) -> Response | tuple[str, int]:
    found = _case_or_404(case_id)
    try:
        cases.reassign(db.session(), current_user, found, request.form.get("owner"))
    except cases.CaseError as error:
        return _render(found, error.problems), 400
    flash(f"Case {found.reference} reassigned.", "success")
    return redirect(url_for("manage.supervised_case", case_id=found.id))
