"""Thin views answering JSON: read the parameters, search, shape the answer.

Errors under /api/ are JSON too, never the HTML error page, and every answer may
be read by a page on any site: the API is public and holds nothing personal.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from directory import db, safety, search, security
from directory.models import Service
from directory.operations import logs
from directory.search import SearchInputError, SearchRequest, public
from directory.search.index import IndexMissing
from directory.search.results import Hit
from directory.web.presenters import only_for_area

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

PREFIX = "/api/"
PRIVATE_ENDPOINTS = frozenset(
    {
        "api.match",
        "api.create_referral",
        "api.change_referral_status",
        "api.get_referral",
        "api.record_wellbeing",
    }
)
CASES_PREFIX = "/api/v1/cases"  # a link worker's cases, and all under them: private


@blueprint.get("/search")
def search_services() -> tuple[Response, int]:
    """The public search as JSON, with the same parameters as the search page."""
    session = db.session()
    try:
        wanted = public.read_request(session, request.args)
    except SearchInputError as error:
        # words that call for urgent help get it even when a filter is wrong
        kind = public.signals_crisis(request.args)
        panel = safety.as_json(safety.panel(kind)) if kind else None
        return invalid("invalid_parameters", error.problems, crisis=panel)
    if wanted.is_empty:
        found = public.nothing_asked(wanted)
    else:
        found = public.run(session, search.index(), wanted, channel="api")
    return jsonify(answer(found, wanted)), 200


def answer(found: public.Found, wanted: SearchRequest) -> dict[str, Any]:
    """The results of this page: local ones (page `page` of them), then the online ones
    (the first five on page 1, or page `page` of them with band=online)."""
    results = found.results
    return {
        "results": [result(hit, service, "local") for hit, service in found.local]
        + [result(hit, service, "online") for hit, service in found.online],
        "total": results.total,
        "local_total": results.local.total,
        "online_total": results.online.total,
        "other_areas": results.other_areas,
        "page": wanted.page,
        "corrected": results.corrected,
        "suggestion": results.suggestion,
        "did_you_mean": results.corrected,  # the older name of corrected, kept for clients
        "crisis": safety.as_json(results.crisis, wanted.age) if results.crisis else None,
        "place": {"label": results.place.label, "kind": results.place.kind}
        if results.place
        else None,
        "place_error": results.place_problem,
        "place_suggestions": results.place_suggestions,
        "alternatives": [
            {"label": offer.label, "params": offer.request.to_params()}
            for offer in found.alternatives
        ],
    }


def result(hit: Hit, service: Service, band: str) -> dict[str, Any]:
    return {
        "service_id": str(service.id),
        "name": service.name,
        "organisation": service.organisation.name,
        "summary": service.summary,
        "distance_miles": hit.distance_miles,
        "score": round(hit.score, 4),
        "band": band,
        "open_now": hit.open_now,
        "free": service.is_free,
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "self_referral": service.self_referral,
        "area": only_for_area(service) or None,
        "url": security.public_url("public.service", service_id=service.id),
    }


def invalid(
    error: str, problems: dict[str, str], of: str = "parameters", **more: Any
) -> tuple[Response, int]:
    """A 400 for input that cannot be used, in the shape of every API error: `message` says
    it all in one sentence, `problems` gives a sentence for each parameter or field."""
    said = "; ".join(f"{name}: {sentence}" for name, sentence in problems.items())
    message = f"Some {of} cannot be used: {said}" if of else " ".join(problems.values())
    return jsonify(error=error, message=message, problems=problems, **more), 400


def error_answer(error: HTTPException) -> Response:
    """An HTTP error as JSON: {"error": "not_found", "message": "..."}."""
    code = error.code or 500
    name = (error.name or "error").lower().replace(" ", "_")
    body = {"error": name, "message": error.description}
    if code >= 500:
        body["reference"] = logs.request_id()  # "quote this reference", as the page says
    response = jsonify(body)
    response.status_code = code
    for header, value in error.get_headers():
        if header.lower() != "content-type":
            response.headers[header] = value  # such as Allow on a 405
    return allow_any_origin(response)


@blueprint.before_app_request
def json_routing_errors() -> Response | None:
    """Unknown paths and methods under /api/ answer in JSON.

    Routing errors never reach a blueprint's error handlers (no blueprint matched),
    so they are caught here, before Flask raises them, for the whole /api/ prefix.
    """
    error = request.routing_exception
    if not isinstance(error, HTTPException) or (error.code or 0) < 400:
        return None  # no error, or a redirect (such as to add a trailing slash)
    return error_answer(error) if request.path.startswith(PREFIX) else None


@blueprint.after_request
def allow_any_origin(response: Response) -> Response:
    # The public search may be read by any site; the link workers' matcher may not.
    if request.endpoint not in PRIVATE_ENDPOINTS and not request.path.startswith(CASES_PREFIX):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.errorhandler(IndexMissing)
def search_unavailable(error: IndexMissing) -> Response:
    """503 in JSON while the site has no search index (the log says how to build one)."""
    current_app.logger.error("%s", error)
    return error_answer(ServiceUnavailable("Search is not available at the moment."))


for _code in (400, 404, 405, 500, 503):
    blueprint.register_error_handler(_code, error_answer)
blueprint.register_error_handler(HTTPException, error_answer)
