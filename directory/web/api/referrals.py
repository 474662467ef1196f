"""A case's referrals for link workers, as for POST /api/v1/match (a signed-in session with
its CSRF token, or an API token): make one, change its status, read it (also as FHIR R4).

Another link worker's case, or a referral of another case, is "not found": its existence is
private too.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, jsonify, request

from directory import db, mail
from directory.extensions import csrf
from directory.models import Case, StatusSetBy
from directory.referrals import cases, fhir, referring, stepping_up
from directory.referrals.status import DECLINE_REASONS
from directory.web.api.match import json_body, link_worker, refuse
from directory.web.api.views import blueprint, invalid

Answer = tuple[Response, int]


def _own_case(case_id: uuid.UUID) -> tuple[Any, Case | None, Answer | None]:
    """The caller and their case, or the answer refusing them (401, 403, 404)."""
    user, refusal = link_worker("refer")
    if refusal is not None:
        return None, None, refusal
    case = cases.owned(db.session(), user, case_id)
    if case is None:
        return user, None, refuse(404, "not_found", "There is no case with this id among yours.")
    return user, case, None


@blueprint.post("/cases/<uuid:case_id>/referrals")
@csrf.exempt  # checked in link_worker, for session requests only
def create_referral(case_id: uuid.UUID) -> Answer:
    """Refer the case: `{service_id, route, note?, shared?}` -> 201 `{id, status: "sent"}`;
    a step-up: `{kind: "step_up", target: "gp" | "mhp" | "service", service_id?, reason,
    urgency: "routine" | "urgent"}`."""
    user, case, refusal = _own_case(case_id)
    if refusal is not None:
        return refusal
    assert case is not None
    data, problem = json_body()
    if problem:
        return invalid("invalid_request", {"body": problem}, of="")
    session = db.session()
    try:
        referral = stepping_up.from_request(session, case, user, data)
    except referring.ReferralError as error:
        return invalid("invalid_request", error.problems, of="fields")
    told = referring.made(session, case, user, referral, mail.send)
    history = referring.histories(session, [referral])[referral.id]
    answer = referring.referral_json(referral, history) | {"provider_told": told}
    return jsonify(answer), 201


@blueprint.post("/cases/<uuid:case_id>/referrals/<uuid:referral_id>/status")
@csrf.exempt  # checked in link_worker, for session requests only
def change_referral_status(case_id: uuid.UUID, referral_id: uuid.UUID) -> Answer:
    """`{status, reason?, reason_code?, by?, version?}` -> 200 with the referral; a step that
    cannot follow -> 409 saying why; someone else's change meanwhile -> 409 too."""
    user, case, refusal = _own_case(case_id)
    if refusal is not None:
        return refusal
    assert case is not None
    session = db.session()
    referral = referring.of_case(session, case, referral_id)
    if referral is None:
        return refuse(404, "not_found", "This case has no referral with this id.")
    data, problem = json_body()
    if problem:
        return invalid("invalid_request", {"body": problem}, of="")
    try:
        by, version = _by_and_version(data)
    except ValueError as error:
        return invalid("invalid_request", {"by": str(error)}, of="fields")
    reason, code = str(data.get("reason") or ""), str(data.get("reason_code") or "")
    if not code and reason in DECLINE_REASONS:  # {"reason": "no_capacity"} names the code
        code, reason = reason, ""
    elif not code and reason and data.get("status") == "declined":
        code = "other"
    try:
        referring.set_status(
            session,
            referral,
            data.get("status", ""),
            by=by,
            user=user,
            version=version,
            reason_code=code,
            reason=reason,
        )
    except (referring.TransitionError, referring.AnsweredMeanwhile) as error:
        return refuse(409, "conflict", str(error))
    cases.record_access(session, case, user, "changed")
    history = referring.histories(session, [referral])[referral.id]
    return jsonify(referring.referral_json(referral, history)), 200


def _by_and_version(data: dict[str, Any]) -> tuple[StatusSetBy, int | None]:
    by = data.get("by", StatusSetBy.LINK_WORKER.value)
    if by not in {s.value for s in StatusSetBy}:
        raise ValueError(f"Say who set it: one of {', '.join(s.value for s in StatusSetBy)}.")
    version = data.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValueError("version is the whole number the referral had when you read it.")
    return StatusSetBy(by), version


@blueprint.get("/cases/<uuid:case_id>/referrals/<uuid:referral_id>")
def get_referral(case_id: uuid.UUID, referral_id: uuid.UUID) -> Answer:
    """The referral with its history; `?format=fhir`: a FHIR R4 Bundle of a ServiceRequest
    and a Task."""
    user, case, refusal = _own_case(case_id)
    if refusal is not None:
        return refusal
    assert case is not None
    session = db.session()
    referral = referring.of_case(session, case, referral_id)
    if referral is None:
        return refuse(404, "not_found", "This case has no referral with this id.")
    wanted = request.args.get("format", "json")
    if wanted not in ("json", "fhir"):
        return invalid("invalid_parameters", {"format": "Use format=json or format=fhir."})
    history = referring.histories(session, [referral])[referral.id]
    cases.record_access(session, case, user, "viewed")
    if wanted == "fhir":
        response = jsonify(fhir.bundle(case, referral, history))
        response.mimetype = "application/fhir+json"
        return response, 200
    return jsonify(referring.referral_json(referral, history)), 200
