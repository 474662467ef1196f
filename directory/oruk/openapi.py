"""This API's own OpenAPI 3 document: the Open Referral UK read endpoints, the public
search and the link workers' match, so that standard tools (Swagger UI, schemathesis,
client generators) work against Signpost.

The response schemas describe what Signpost sends (HSDS 3.0 objects, of which the
UK profile's schemas are a looser view) and link to the standard's own schemas.
"""

from __future__ import annotations

from typing import Any

from directory.oruk.queries import (
    DEFAULT_PER_PAGE,
    LOCATION_FILTERS,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_PROXIMITY_M,
    SERVICE_LIST_FILTERS,
    TERM_FILTERS,
)

UK_SCHEMAS = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/compiled/"

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str) -> Json:
    return {"$ref": f"#/components/parameters/{name}"}


def _query(name: str, description: str, schema: Json) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


UUID: Json = {"type": "string", "format": "uuid"}
TEXT: Json = {"type": "string"}

PARAMETERS: Json = {
    "page": _query(
        "page",
        "Page number, from 1.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    ),
    "per_page": _query(
        "per_page",
        "Results per page.",
        {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_PER_PAGE,
            "default": DEFAULT_PER_PAGE,
        },
    ),
    "search": _query(
        "search",
        "Words that must all appear in the service's name, description or organisation's name.",
        {"type": "string", "maxLength": 200},
    ),
    "taxonomy_term_id": _query("taxonomy_term_id", "Services linked to this term.", UUID),
    "taxonomy_id": _query("taxonomy_id", "Services linked to any term of this taxonomy.", UUID),
    "organization_id": _query("organization_id", "Services of this organisation.", UUID),
    "minimum_age": _query(
        "minimum_age",
        "Services whose minimum age is at least this.",
        {"type": "number", "minimum": 0, "maximum": 150},
    ),
    "maximum_age": _query(
        "maximum_age",
        "Services whose maximum age is at most this.",
        {"type": "number", "minimum": 0, "maximum": 150},
    ),
    "start_time": _query(
        "start_time",
        "Services with an opening that starts at or after this time (HH:MM).",
        {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
    ),
    "end_time": _query(
        "end_time",
        "Services with an opening that ends at or before this time (HH:MM).",
        {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
    ),
    "day": _query(
        "day",
        "Services open on this day (RFC 5545 code).",
        {"type": "string", "enum": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]},
    ),
    "modified_after": _query(
        "modified_after",
        "Services changed at or after this time.",
        {"type": "string", "format": "date-time"},
    ),
    "postcode": _query(
        "postcode",
        "A UK postcode or district: with proximity, results within "
        "that distance of it; without, results whose service area covers it. "
        "Nearest first.",
        {"type": "string", "example": "LS6 1AA", "maxLength": 10},
    ),
    "proximity": _query(
        "proximity",
        "Distance in metres from the postcode.",
        {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": MAX_PROXIMITY_M},
    ),
    "top_only": _query("top_only", "Only terms without a parent.", {"type": "boolean"}),
    "full": _query(
        "full", "Items in full (as their {id} endpoint gives them).", {"type": "boolean"}
    ),
    "minimal": _query("minimal", "Items as just id and last_modified.", {"type": "boolean"}),
    "format": _query(
        "format",
        "json (pages) or ndjson (every result, one a line, no pages).",
        {"type": "string", "enum": ["json", "ndjson"]},
    ),
    "full_service": _query(
        "full_service",
        "The organisation's services in full (default) or as their one-to-one fields.",
        {"type": "boolean"},
    ),
    "parent_id": _query("parent_id", "Only the children of this term.", UUID),
}


def _object(required: list[str], properties: Json) -> Json:
    # OpenAPI 3.0 forbids an empty `required` list.
    found: Json = {"type": "object", "properties": properties}
    if required:
        found["required"] = required
    return found


SCHEMAS: Json = {
    "Error": _object(
        ["error", "message"],
        {
            "error": {"type": "string", "example": "invalid_parameters"},
            "message": TEXT,
            "problems": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "A sentence for each parameter that cannot be used.",
            },
        },
    ),
    "Page": _object(
        [
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
            "contents",
        ],
        {
            "total_items": {"type": "integer", "minimum": 0},
            "total_pages": {"type": "integer", "minimum": 1},
            "page_number": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 0},
            "first_page": {"type": "boolean"},
            "last_page": {"type": "boolean"},
            "empty": {"type": "boolean"},
            "contents": {"type": "array", "items": {}},
        },
    ),
    "Organization": _object(
        ["id", "name", "description"],
        {
            "id": UUID,
            "name": TEXT,
            "description": TEXT,
            "email": {"type": "string", "format": "email"},
            "website": {"type": "string", "format": "uri"},
        },
    ),
    "ServiceListItem": {
        "description": "A service's one-to-one fields; with full=true the full service; "
        "with minimal=true only its id and last_modified.",
        "anyOf": [
            {"$ref": "#/components/schemas/ServiceBrief"},
            {
                "type": "object",
                "required": ["id", "last_modified"],
                "properties": {
                    "id": UUID,
                    "last_modified": {"type": "string", "format": "date-time"},
                },
            },
        ],
    },
    "ServiceBrief": {
        "description": f"An HSDS 3.0 service's one-to-one fields ({UK_SCHEMAS}service_list.json)",
        **_object(
            ["id", "name", "status", "organization"],
            {
                "id": UUID,
                "organization_id": UUID,
                "name": TEXT,
                "description": TEXT,
                "url": {"type": "string", "format": "uri"},
                "email": {"type": "string", "format": "email"},
                "status": {
                    "type": "string",
                    "enum": ["active", "inactive", "defunct", "temporarily closed"],
                },
                "application_process": TEXT,
                "eligibility_description": TEXT,
                "fees_description": TEXT,
                "wait_time": TEXT,
                "minimum_age": {"type": "number"},
                "maximum_age": {"type": "number"},
                "assured_date": {
                    "type": "string",
                    "format": "date",
                    "description": "When the listing was last checked.",
                },
                "last_modified": {"type": "string", "format": "date-time"},
                "organization": _ref("Organization"),
            },
        ),
    },
    "Service": {
        "description": f"A full HSDS 3.0 service ({UK_SCHEMAS}service.json), with capacity "
        "as HSDS 3.1 service_capacity objects in `capacities`",
        "allOf": [
            _ref("ServiceBrief"),
            _object(
                [
                    "schedules",
                    "service_areas",
                    "service_at_locations",
                    "languages",
                    "contacts",
                    "cost_options",
                    "phones",
                    "attributes",
                    "capacities",
                ],
                {
                    "schedules": {"type": "array", "items": _ref("Schedule")},
                    "service_areas": {"type": "array", "items": {"type": "object"}},
                    "service_at_locations": {
                        "type": "array",
                        "items": _ref("ServiceAtLocationBrief"),
                    },
                    "languages": {
                        "type": "array",
                        "items": _object(["id"], {"id": UUID, "name": TEXT, "code": TEXT}),
                    },
                    "contacts": {"type": "array", "items": {"type": "object"}},
                    "cost_options": {"type": "array", "items": {"type": "object"}},
                    "phones": {
                        "type": "array",
                        "items": _object(["id", "number"], {"id": UUID, "number": TEXT}),
                    },
                    "attributes": {
                        "type": "array",
                        "items": _object(
                            ["id"],
                            {
                                "id": UUID,
                                "taxonomy_term_id": UUID,
                                "taxonomy_term": _ref("TaxonomyTerm"),
                            },
                        ),
                    },
                    "capacities": {
                        "type": "array",
                        "items": _object(
                            ["id", "unit", "available", "updated"],
                            {
                                "id": UUID,
                                "available": {"type": "number"},
                                "description": TEXT,
                                "unit": _object(["id", "name"], {"id": UUID, "name": TEXT}),
                                "updated": {"type": "string", "format": "date-time"},
                            },
                        ),
                    },
                },
            ),
        ],
    },
    "Schedule": _object(
        ["id"],
        {
            "id": UUID,
            "freq": {"type": "string", "enum": ["WEEKLY", "MONTHLY"]},
            "byday": TEXT,
            "opens_at": TEXT,
            "closes_at": TEXT,
        },
    ),
    "Location": _object(
        ["id", "location_type"],
        {
            "id": UUID,
            "location_type": {"type": "string", "enum": ["physical", "postal", "virtual"]},
            "name": TEXT,
            "latitude": {"type": "number"},
            "longitude": {"type": "number"},
            "addresses": {
                "type": "array",
                "items": _object(
                    [
                        "id",
                        "address_1",
                        "city",
                        "state_province",
                        "postal_code",
                        "country",
                        "address_type",
                    ],
                    {"id": UUID, "postal_code": TEXT},
                ),
            },
            "accessibility": {"type": "array", "items": _object(["id"], {"id": UUID})},
        },
    ),
    "ServiceAtLocationBrief": _object(
        ["id", "service_id", "location_id", "location"],
        {
            "id": UUID,
            "service_id": UUID,
            "location_id": UUID,
            "location": _ref("Location"),
            "service": _ref("ServiceBrief"),
        },
    ),
    "ServiceAtLocation": _object(
        ["id", "location", "service"],
        {
            "id": UUID,
            "location": _ref("Location"),
            "service": _ref("ServiceBrief"),
            "schedules": {"type": "array", "items": _ref("Schedule")},
        },
    ),
    "OrganizationFull": {
        "allOf": [
            _ref("Organization"),
            _object(
                ["services"],
                {
                    "services": {
                        "type": "array",
                        "items": {"type": "object", "required": ["id", "name", "status"]},
                    },
                },
            ),
        ]
    },
    "Taxonomy": _object(
        ["id", "name", "description"],
        {
            "id": UUID,
            "name": TEXT,
            "description": TEXT,
            "version": TEXT,
        },
    ),
    "TaxonomyTerm": _object(
        ["id", "name", "description"],
        {
            "id": UUID,
            "code": TEXT,
            "name": TEXT,
            "description": TEXT,
            "parent_id": UUID,
            "taxonomy": TEXT,
            "taxonomy_id": UUID,
        },
    ),
    "MatchRequest": _object(
        [],
        {
            "age": {"type": "integer", "minimum": 0, "maximum": 120},
            "postcode": {"type": "string", "example": "LS6 1AA"},
            "needs": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Need codes, as /taxonomy_terms gives them (code).",
            },
            "text": {"type": "string", "description": "What matters to the person, in words."},
            "free_only": {"type": "boolean"},
            "mode": {
                "type": "array",
                "items": {"type": "string", "enum": ["in_person", "online", "phone"]},
                "description": "How the person can take part (one value may be sent alone).",
            },
            "max_miles": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            "day": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Days the person is free: mon ... sun (or Monday, MO), "
                "weekdays, weekend (one value may be sent alone).",
            },
            "language": {"type": "string", "description": "ISO 639-1 code"},
            "access": {"type": "array", "items": {"type": "string"}},
            "gender": {
                "type": "string",
                "enum": ["woman", "man", "non_binary", "other"],
                "description": "Only where a service is for some people (women only, ...).",
            },
            "carer": {"type": "boolean", "description": "Counts for carers-only services."},
            "veteran": {"type": "boolean", "description": "Counts for veterans-only services."},
            "lgbtq": {"type": "boolean", "description": "Counts for LGBTQ+-only services."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 20},
        },
    ),
    "MatchAnswer": _object(
        ["suggestions", "excluded"],
        {
            "suggestions": {
                "type": "array",
                "items": _object(
                    ["service_id", "name", "score", "reasons"],
                    {
                        "service_id": UUID,
                        "name": TEXT,
                        "score": {"type": "number"},
                        "distance_miles": {"type": "number", "nullable": True},
                        "needs_met": {"type": "array", "items": {"type": "string"}},
                        "reasons": {"type": "array", "items": {"type": "string"}},
                    },
                ),
            },
            "excluded": {
                "type": "array",
                "items": _object(
                    ["service_id", "name", "reasons"],
                    {
                        "service_id": UUID,
                        "name": TEXT,
                        "reasons": {"type": "array", "items": {"type": "string"}},
                    },
                ),
            },
        },
    ),
    "SearchAnswer": _object(
        ["results", "total", "page"],
        {
            "results": {
                "type": "array",
                "items": _object(
                    ["service_id", "name", "band"],
                    {
                        "service_id": UUID,
                        "name": TEXT,
                        "organisation": TEXT,
                        "summary": TEXT,
                        "distance_miles": {"type": "number", "nullable": True},
                        "band": {"type": "string", "enum": ["local", "online"]},
                        "url": {"type": "string", "format": "uri"},
                    },
                ),
            },
            "total": {"type": "integer"},
            "local_total": {"type": "integer"},
            "online_total": {"type": "integer"},
            "page": {"type": "integer"},
            "did_you_mean": {"type": "string", "nullable": True},
            "crisis": {"type": "object", "nullable": True},
        },
    ),
}


def _json(description: str, schema: Json) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(item: str) -> Json:
    return {
        "allOf": [
            _ref("Page"),
            {"type": "object", "properties": {"contents": {"type": "array", "items": _ref(item)}}},
        ]
    }


ERRORS: Json = {
    "400": _json("Parameters that cannot be used; each is named in `problems`.", _ref("Error")),
    "429": _json("Too many requests from this address: wait a minute.", _ref("Error")),
}
NOT_FOUND: Json = {"404": _json("No published record has this id.", _ref("Error"))}


def _list(summary: str, item: str, parameters: list[str]) -> Json:
    ok = _json(f"A page of {item} objects.", _page_of(item))
    if "format" in parameters:
        ok["content"]["application/x-ndjson"] = {
            "schema": {"type": "string", "description": f"One {item} object (JSON) a line."}
        }
    return {
        "get": {
            "summary": summary,
            "tags": ["Open Referral UK"],
            "operationId": f"list_{item}",
            "parameters": [_param(p) for p in parameters],
            "responses": {"200": ok, **ERRORS},
        }
    }


def _single(summary: str, schema: str, what: str, parameters: tuple[str, ...] = ()) -> Json:
    return {
        "get": {
            "summary": summary,
            "tags": ["Open Referral UK"],
            "operationId": f"get_{schema}",
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "description": f"The {what}'s id.",
                    "schema": UUID,
                },
                *(_param(p) for p in parameters),
            ],
            "responses": {"200": _json(f"The {what}.", _ref(schema)), **ERRORS, **NOT_FOUND},
        }
    }


def _search() -> Json:
    names = {
        "q": TEXT,
        "postcode": TEXT,
        "distance": {"type": "integer", "enum": [1, 3, 5, 10]},
        "need": TEXT,
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "free": {"type": "boolean"},
        "mode": {"type": "string", "enum": ["in_person", "online", "phone"]},
        "open_now": {"type": "boolean"},
        "day": TEXT,
        "evening": {"type": "boolean"},
        "weekend": {"type": "boolean"},
        "self_referral": {"type": "boolean"},
        "language": TEXT,
        "access": TEXT,
        "sort": {"type": "string", "enum": ["best", "relevance", "distance"]},
        "band": {"type": "string", "enum": ["all", "local", "online"]},
        "page": {"type": "integer", "minimum": 1},
    }
    return {
        "get": {
            "summary": "The public search, as on the site's search page.",
            "tags": ["Signpost"],
            "operationId": "search",
            "parameters": [_query(n, f"As the search page's {n}.", s) for n, s in names.items()],
            "responses": {
                "200": _json("Results, local then online.", _ref("SearchAnswer")),
                **ERRORS,
            },
        }
    }


def _match() -> Json:
    return {
        "post": {
            "summary": "Suggest services for a person's needs and circumstances (link workers).",
            "tags": ["Signpost"],
            "operationId": "match",
            "security": [{"bearer": []}, {"session": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("MatchRequest")}},
            },
            "responses": {
                "200": _json(
                    "Suggestions with reasons, and what was left out and why.", _ref("MatchAnswer")
                ),
                "400": ERRORS["400"],
                "401": _json("Sign in, or send a bearer token.", _ref("Error")),
            },
        }
    }


def document(server: str) -> Json:
    """The OpenAPI document, with server as the base URL of /api/v1."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Signpost API",
            "version": "1",
            "description": "Open Referral UK 3.0 (HSDS-UK-3.0) read API for the published "
            "catalogue, plus Signpost's own search and match. Read endpoints are open (no "
            "key) and throttled per address.",
            "license": {"name": "Data: see the organisation listings"},
        },
        "servers": [{"url": server}],
        "tags": [{"name": "Open Referral UK"}, {"name": "Signpost"}],
        "paths": {
            "/": {
                "get": {
                    "summary": "Which HSDS version and profile this API speaks.",
                    "tags": ["Open Referral UK"],
                    "operationId": "about",
                    "responses": {
                        "200": _json(
                            "About this API.",
                            _object(
                                ["version", "profile", "openapi_url"],
                                {
                                    "version": {"type": "string", "enum": ["HSDS-UK-3.0"]},
                                    "profile": {"type": "string", "format": "uri"},
                                    "openapi_url": {"type": "string", "format": "uri"},
                                },
                            ),
                        )
                    },
                }
            },
            "/services": _list(
                "Published services.",
                "ServiceListItem",
                list(SERVICE_LIST_FILTERS),
            ),
            "/services/{id}": _single("A published service in full.", "Service", "service"),
            "/service_at_locations": _list(
                "Published services at their locations.",
                "ServiceAtLocationBrief",
                list(LOCATION_FILTERS),
            ),
            "/service_at_locations/{id}": _single(
                "A service at a location, with the service in full.",
                "ServiceAtLocation",
                "service at location",
            ),
            "/organizations": _list(
                "Published organisations.", "Organization", ["search", "page", "per_page"]
            ),
            "/organizations/{id}": _single(
                "An organisation with its published services.",
                "OrganizationFull",
                "organisation",
                ("full_service",),
            ),
            "/taxonomies": _list("Taxonomies.", "Taxonomy", ["search", "page", "per_page"]),
            "/taxonomies/{id}": _single("A taxonomy.", "Taxonomy", "taxonomy"),
            "/taxonomy_terms": _list(
                "Taxonomy terms (needs).",
                "TaxonomyTerm",
                list(TERM_FILTERS),
            ),
            "/taxonomy_terms/{id}": _single("A taxonomy term.", "TaxonomyTerm", "taxonomy term"),
            "/search": _search(),
            "/match": _match(),
        },
        "components": {
            "parameters": PARAMETERS,
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
