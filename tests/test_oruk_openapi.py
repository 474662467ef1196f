"""/api/v1/openapi.json: a valid OpenAPI 3 document that covers every route under /api/v1,
and that the answers of the read endpoints agree with."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from openapi_spec_validator import validate
from werkzeug.datastructures import MultiDict

from directory import search
from directory.matching import match_request
from directory.oruk import queries
from directory.search.request import SearchParameters
from directory.web.api import openapi

# Routes described elsewhere or not part of the API: the document itself.
NOT_DOCUMENTED = {"/openapi.json"}


def test_the_document_is_valid_openapi(small_app: Flask) -> None:
    response = small_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.get_json()
    validate(document)
    assert document["servers"] == [{"url": f"{small_app.config['PUBLIC_URL']}/api/v1"}]


def test_every_api_route_is_documented(small_app: Flask) -> None:
    routes = set()
    for rule in small_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", "{}", rule.rule.removeprefix("/api/v1"))
            routes.add(path or "/")
    # a path's parameters compared by place, whatever each is called
    documented = {re.sub(r"\{\w+\}", "{}", p) for p in openapi.document("http://x/api/v1")["paths"]}
    assert routes - NOT_DOCUMENTED == documented


def test_a_broken_document_would_be_caught() -> None:
    broken = openapi.document("http://x/api/v1")
    del broken["paths"]["/services"]["get"]["responses"]
    with pytest.raises(Exception, match="responses"):
        validate(broken)


# --- the document says what the server takes: its parameters are the request models ---------


def edges(schema: dict) -> list[tuple[object, bool]]:
    """Values at the edges of a schema, each with whether the schema allows it."""
    if schema.get("type") == "array":
        return [([value], ok) for value, ok in edges(schema["items"])]
    if "enum" in schema:
        return [(value, True) for value in schema["enum"]]
    if schema.get("type") == "boolean":
        return [(True, True), (False, True)]
    found: list[tuple[object, bool]] = []
    if "minimum" in schema:
        low = schema["minimum"]
        found += [(low, not schema.get("exclusiveMinimum")), (low - 1, False)]
    if "maximum" in schema:
        found += [(schema["maximum"], True), (schema["maximum"] + 1, False)]
    return found


def as_text(value: object) -> object:
    if isinstance(value, list):
        return [as_text(v) for v in value]
    return str(value).lower() if isinstance(value, bool) else str(value)


def accepted(read, data) -> bool:  # type: ignore[no-untyped-def]
    try:
        read(data)
    except ValueError:
        return False
    return True


def test_the_oruk_parameters_are_the_ones_the_lists_read() -> None:
    document = openapi.document("http://x/api/v1")
    parameters = document["components"]["parameters"]
    assert set(parameters) == set(queries.Filters.model_fields)
    every = tuple(parameters)
    near = {"postcode": "LS6 1AA"}
    for name, parameter in parameters.items():
        assert parameter["description"], name
        for value, ok in edges(parameter["schema"]):
            args = MultiDict({**near, name: as_text(value)})
            assert accepted(lambda a: queries.read_filters(a, every), args) == ok, (name, value)


def test_the_search_parameters_are_the_ones_the_search_reads() -> None:
    document = openapi.document("http://x/api/v1")
    parameters = document["paths"]["/search"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == list(SearchParameters.model_fields)
    for parameter in parameters:
        for value, ok in edges(parameter["schema"]):
            args = MultiDict({parameter["name"]: as_text(value)})
            assert accepted(search.parse_request, args) == ok, (parameter["name"], value)


def test_the_match_body_is_the_match_request(demo_app: Flask) -> None:
    body = openapi.document("http://x/api/v1")["components"]["schemas"]["MatchRequest"]
    assert list(body["properties"]) == list(match_request.FIELDS)
    assert body["additionalProperties"] is False
    person = {"age": 40, "postcode": "LS6 1BD", "needs": ["loneliness"]}
    with demo_app.app_context():  # needs are read against the app's vocabulary
        for name, schema in body["properties"].items():
            for value, ok in edges(schema):
                data = {**person, name: value}
                assert accepted(match_request.read_request, data) == ok, (name, value)
