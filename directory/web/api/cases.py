"""The cases API: POST /api/v1/cases opens a case, GET /api/v1/cases/{id} reads one. For
link workers (and admins), by API token or signed in, as /api/v1/match; another link
worker's case is "not found". Every read is written to the case's access log.

`case_json(session, case)` is the case as the API gives it; referrals and wellbeing add
their parts to it, one line each.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify, url_for
from sqlmodel import Session
from werkzeug.exceptions import NotFound

from directory import clock, db, security
from directory.extensions import csrf
from directory.models.cases import Case
from directory.referrals import cases, referring, wellbeing
from directory.web.api.match import json_body, link_worker
from directory.web.api.views import blueprint, error_answer, invalid


def case_json(session: Session, case: Case) -> dict[str, Any]:
    """A case as the API answers it: its details, never the owner's name."""
    found: dict[str, Any] = {
        "id": str(case.id),
        "reference": case.reference,
        "age": case.age,
        "age_band": case.age_band,
        "postcode_district": case.postcode_district,
        "needs": list(case.needs),
        "what_matters": case.what_matters,
        "consent_to_share": case.consent_to_share,
        "consent_on": case.consent_on.isoformat() if case.consent_on else None,
        "status": case.status.value,
        "opened_on": case.opened_on.isoformat(),
        "closed_on": case.closed_on.isoformat() if case.closed_on else None,
        "closed_reason": case.closed_reason or None,
        "wellbeing_due_on": case.wellbeing_due_on.isoformat() if case.wellbeing_due_on else None,
        # the specialist team the person is already known to (rapid access back), or null
        "known_team": {
            "name": case.known_team,
            "service_id": str(case.known_team_service_id) if case.known_team_service_id else None,
            "duty_contact": case.known_team_contact,
        }
        if case.known_team
        else None,
        "version": case.version,
        "url": security.public_url("api.get_case", case_id=case.id),
        "referrals": referring.referrals_json(session, case),
        "wellbeing": wellbeing.summary_json(session, case),
    }
    return found


@blueprint.post("/cases")
@csrf.exempt  # checked in link_worker, for session requests only
def create_case() -> tuple[Response, int]:
    """Open a case on the caller's caseload: 201 with the case; 400 naming each problem."""
    session = db.session()
    user, refusal = link_worker("open cases")
    if refusal is not None:
        return refusal
    data, problem = json_body()
    if problem:
        return invalid("invalid_request", {"body": problem}, of="")
    unknown = sorted(set(data) - FIELDS)
    try:
        details = cases.read_details(data, today=clock.today())
    except cases.CaseError as error:
        problems = {**error.problems, **_unknown(unknown)}
        return invalid("invalid_request", problems, of="fields")
    if unknown:
        return invalid("invalid_request", _unknown(unknown), of="fields")
    made = cases.create(session, user, details, today=clock.today())
    response = jsonify(case_json(session, made))
    response.headers["Location"] = url_for("api.get_case", case_id=made.id)
    return response, 201


FIELDS = frozenset(
    {
        "reference",
        "age",
        "age_band",
        "postcode",
        "needs",
        "what_matters",
        "consent_to_share",
        "consent_on",
    }
)


def _unknown(names: list[str]) -> dict[str, str]:
    return {
        name[:30]: f"“{name[:30]}” is not a field we know: use {', '.join(sorted(FIELDS))}."
        for name in names
    }


@blueprint.get("/cases/<uuid:case_id>")
def get_case(case_id: uuid.UUID) -> tuple[Response, int] | Response:
    """A case on the caller's caseload; another's, or an unknown id, is 404."""
    session = db.session()
    user, refusal = link_worker("read cases")
    if refusal is not None:
        return refusal
    found = cases.owned(session, user, case_id)
    if found is None:
        return error_answer(NotFound("There is no case with this id on your caseload."))
    cases.record_access(session, found, user, "viewed")
    return jsonify(case_json(session, found)), 200
