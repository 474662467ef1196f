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

from flask import Response, jsonify

from directory import db
from directory.extensions import csrf
from directory.referrals import cases, wellbeing
from directory.web.api.match import json_body, link_worker, refuse
from directory.web.api.views import blueprint, invalid


@blueprint.post("/cases/<uuid:case_id>/wellbeing")
@csrf.exempt  # checked in link_worker, for session requests only
def record_wellbeing(case_id: uuid.UUID) -> tuple[Response, int]:
    user, refusal = link_worker("record wellbeing")
    if refusal is not None:
        return refusal
    session = db.session()
    case = cases.owned(session, user, case_id)
    if case is None:
        return refuse(404, "not_found", "There is no case with that id.")
    data, problem = json_body()
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
    cases.record_access(session, case, user, "changed")
    return jsonify(
        id=str(made.id),
        measure=made.measure,
        when=made.when.value,
        recorded_on=made.recorded_on.isoformat(),
        scores=made.scores,
        wellbeing=wellbeing.summary_json(session, case),
    ), 201
