"""POST /api/v1/cases/{id}/wellbeing: record wellbeing scores for a case on one's own
caseload, signed in or through an API token, as for /api/v1/match. Another link worker's
case is "not found"; editors and managers (who supervise, read-only) get a 403.

    {"when": "start" | "follow_up", "life_satisfaction": 7, "worthwhile": 8, "happy": 6,
     "anxious": 3, "recorded_on": "2026-12-01" (optional), "measure": "ons4" (optional)}

-> 201 {"id", "measure", "when", "recorded_on", "scores", "wellbeing": {start, latest,
change}}; out-of-range or missing scores -> 400 naming each.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask_login import current_user

from directory import db
from directory.accounts import api_tokens
from directory.accounts.permissions import may_match
from directory.extensions import csrf
from directory.referrals import case_lookup, wellbeing
from directory.web.api.match import _json_body, refuse
from directory.web.api.views import blueprint, invalid


def caller() -> tuple[Any, tuple[Response, int] | None]:
    """Who is calling (a token's owner or the signed-in user), or the refusal to answer."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = api_tokens.user_for_token(db.session(), token.strip())
        if scheme.lower() != "bearer" or user is None:
            return None, refuse(401, "unauthorized", "The API token is not valid or was revoked.")
    elif current_user.is_authenticated:
        user = current_user
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()
    else:
        return None, refuse(
            401, "unauthorized", "Sign in as a link worker, or send an API token (Bearer)."
        )
    if not may_match(user):
        return None, refuse(403, "forbidden", "Only link workers and admins keep cases.")
    return user, None


@blueprint.post("/cases/<uuid:case_id>/wellbeing")
@csrf.exempt  # checked in caller(), for session requests only
def record_wellbeing(case_id: uuid.UUID) -> tuple[Response, int]:
    user, refusal = caller()
    if refusal:
        return refusal
    g.api_user = user
    session = db.session()
    case = case_lookup.owned_case(session, user, case_id)
    if case is None:
        return refuse(404, "not_found", "There is no case with that id.")
    data, problem = _json_body()
    if problem:
        return invalid("invalid_request", {"body": problem}, of="")
    try:
        made = wellbeing.record(
            session,
            case,
            user,
            when=data.get("when"),
            recorded_on=data.get("recorded_on"),
            scores=data,
            measure=str(data.get("measure") or wellbeing.ONS4),
        )
    except wellbeing.WellbeingError as error:
        return invalid("invalid_request", error.problems, of="fields")
    case_lookup.record_access(session, case, user, "changed")
    return jsonify(
        id=str(made.id),
        measure=made.measure,
        when=made.when.value,
        recorded_on=made.recorded_on.isoformat(),
        scores=made.scores,
        wellbeing=wellbeing.summary_json(session, case),
    ), 201
