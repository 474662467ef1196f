"""Thin views for the Open Referral UK 3.0 API: check parameters, read a page, shape it.

Errors are JSON ({"error", "message", "problems"}), never the HTML error page;
any site may read the answers (Access-Control-Allow-Origin: *), and each client
address is throttled (ORUK_RATE_LIMIT).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, stream_with_context
from werkzeug.exceptions import HTTPException

from directory import db, security
from directory.extensions import limiter, setting
from directory.oruk import queries, serialise
from directory.oruk.queries import Filters, InvalidParameters
from directory.web.api import openapi
from directory.web.api.views import allow_any_origin, error_answer, invalid

blueprint = Blueprint("oruk", __name__, url_prefix="/api/v1")
# Every request to the open API counts, per client address.
limiter.limit(setting("ORUK_RATE_LIMIT"))(blueprint)

VERSION = "HSDS-UK-3.0"
PROFILE = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"

NDJSON_BATCH = 200


def _filters(allowed: tuple[str, ...]) -> Filters:
    try:
        return queries.read_filters(request.args, allowed)
    except InvalidParameters as error:
        response, status = invalid("invalid_parameters", error.problems)
        response.status_code = status
        abort(response)


def _id(text: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        abort(400, description=f"{text[:40]!r} is not a {what} id: ids are UUIDs.")


def _found(value: Any, what: str, text: str) -> Any:
    if value is None:
        abort(404, description=f"There is no published {what} with id {text}.")
    return value


def _page(page: queries.Page, shape: Callable[[Any], dict[str, Any]]) -> Response:
    return jsonify(page.envelope([shape(item) for item in page.items]))


@blueprint.get("/")
def about() -> Response:
    """Which version and profile of HSDS this API speaks, and where its OpenAPI is."""
    return jsonify(
        version=VERSION,
        profile=PROFILE,
        openapi_url=security.public_url("oruk.openapi_document"),
    )


@blueprint.get("/openapi.json")
def openapi_document() -> Response:
    """This API's own OpenAPI 3 document."""
    return jsonify(openapi.document(security.public_url("oruk.about").rstrip("/")))


def _minimal(service: Any) -> dict[str, Any]:
    return {"id": str(service.id), "last_modified": serialise.timestamp(service.updated_at)}


def _ndjson(ids: list[uuid.UUID], load: Callable[..., list[Any]], shape: Callable) -> Response:
    """Every result, one JSON object a line, without pages (HSDS format=ndjson)."""

    def lines() -> Iterator[str]:
        session = db.session()
        for start in range(0, len(ids), NDJSON_BATCH):
            for item in load(session, ids[start : start + NDJSON_BATCH]):
                yield json.dumps(shape(item), ensure_ascii=False) + "\n"

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson")


@blueprint.get("/services")
def list_services() -> Response:
    filters = _filters(queries.SERVICE_LIST_FILTERS)
    shape = (
        _minimal
        if filters.minimal
        else serialise.service_full
        if filters.full
        else serialise.service_brief
    )
    if filters.format == "ndjson":
        ids = queries.service_ids(db.session(), filters)
        return _ndjson(ids, partial(queries.load_services, full=filters.full), shape)
    return _page(queries.services(db.session(), filters), shape)


@blueprint.get("/services/<service_id>")
def get_service(service_id: str) -> Response:
    found = queries.service(db.session(), _id(service_id, "service"))
    return jsonify(serialise.service_full(_found(found, "service", service_id)))


@blueprint.get("/service_at_locations")
def list_services_at_locations() -> Response:
    filters = _filters(queries.LOCATION_FILTERS)
    shape = (
        serialise.service_at_location_full if filters.full else serialise.service_at_location_brief
    )
    if filters.format == "ndjson":
        ids = queries.link_ids(db.session(), filters)
        return _ndjson(ids, partial(queries.load_links, full=filters.full), shape)
    return _page(queries.services_at_locations(db.session(), filters), shape)


@blueprint.get("/service_at_locations/<link_id>")
def get_service_at_location(link_id: str) -> Response:
    found = queries.service_at_location(db.session(), _id(link_id, "service at location"))
    link = _found(found, "service at location", link_id)
    return jsonify(serialise.service_at_location_full(link))


@blueprint.get("/organizations")
def list_organisations() -> Response:
    filters = _filters(queries.NAMED_FILTERS)
    return _page(queries.organisations(db.session(), filters), serialise.organisation_brief)


@blueprint.get("/organizations/<org_id>")
def get_organisation(org_id: str) -> Response:
    filters = _filters(("full_service",))
    found = queries.organisation(
        db.session(), _id(org_id, "organization"), full=filters.full_service
    )
    org, services = _found(found, "organization", org_id)
    return jsonify(serialise.organisation_full(org, services, full=filters.full_service))


@blueprint.get("/taxonomies")
def list_taxonomies() -> Response:
    filters = _filters(queries.NAMED_FILTERS)
    return _page(queries.taxonomies(db.session(), filters), serialise.taxonomy)


@blueprint.get("/taxonomies/<taxonomy_id>")
def get_taxonomy(taxonomy_id: str) -> Response:
    found = queries.taxonomy(db.session(), _id(taxonomy_id, "taxonomy"))
    return jsonify(serialise.taxonomy(_found(found, "taxonomy", taxonomy_id)))


@blueprint.get("/taxonomy_terms")
def list_taxonomy_terms() -> Response:
    filters = _filters(queries.TERM_FILTERS)
    return _page(queries.taxonomy_terms(db.session(), filters), serialise.taxonomy_term)


@blueprint.get("/taxonomy_terms/<term_id>")
def get_taxonomy_term(term_id: str) -> Response:
    found = queries.taxonomy_term(db.session(), _id(term_id, "taxonomy term"))
    return jsonify(serialise.taxonomy_term(_found(found, "taxonomy term", term_id)))


blueprint.after_request(allow_any_origin)
for _code in (400, 404, 405, 429, 500):
    blueprint.register_error_handler(_code, error_answer)
blueprint.register_error_handler(HTTPException, error_answer)
