"""This API's own OpenAPI 3 document: the Open Referral UK read endpoints, the public
search and the link workers' match, so that standard tools (Swagger UI, schemathesis,
client generators) work against Signpost.

The query parameters and the match body are the request models that check them
(oruk.queries.Filters, search.request.SearchParameters, matching.match_request.MatchRequest),
so the document says what the server takes. The response schemas describe what Signpost
sends (HSDS 3.0 objects, of which the UK profile's schemas are a looser view) and link to
the standard's own schemas.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from directory.matching.match_request import MatchRequest
from directory.models import (
    REFERRAL_ROUTE_CODES,
    CareLevel,
    ReferralKind,
    ReferralRoute,
    ReferralStatus,
    StatusSetBy,
)
from directory.oruk.queries import (
    LOCATION_FILTERS,
    NAMED_FILTERS,
    SERVICE_LIST_FILTERS,
    TERM_FILTERS,
    Filters,
)
from directory.referrals.stepping_up import MAX_REASON, SERVICE, TARGETS, URGENCIES
from directory.search.request import SearchParameters

UK_SCHEMAS = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/compiled/"

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str) -> Json:
    return {"$ref": f"#/components/parameters/{name}"}


def openapi_schema(schema: Any) -> Any:
    """A pydantic schema (JSON Schema 2020-12) as OpenAPI 3.0 writes it: no titles, a choice
    of null as nullable, an exclusive minimum as a flag beside the minimum."""
    if isinstance(schema, list):
        return [openapi_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    found = {
        key: openapi_schema(value)
        for key, value in schema.items()
        if key != "title" and not (key == "default" and value is None)
    }
    choices = found.pop("anyOf", None)
    if choices is not None:
        rest = [choice for choice in choices if choice != {"type": "null"}]
        found.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        found["nullable"] = len(rest) < len(choices)
    bound = found.get("exclusiveMinimum")
    if isinstance(bound, int | float) and not isinstance(bound, bool):
        found.update(minimum=bound, exclusiveMinimum=True)
    return found


def query_parameters(model: type[BaseModel]) -> Json:
    """Each field of a model as a query parameter (null means not given, so is left out)."""
    found: Json = {}
    for name, schema in model.model_json_schema()["properties"].items():
        schema = openapi_schema(schema)
        schema.pop("nullable", None)
        description = schema.pop("description", "")
        found[name] = {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
        }
    return found


UUID: Json = {"type": "string", "format": "uuid"}
TEXT: Json = {"type": "string"}


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
                        "description": "The needs the service meets, by rank, then Signpost's "
                        "own fields (referral routes, delivery, restrictions, keywords, listing "
                        "details) as terms of its own taxonomies",
                        "items": _object(
                            ["id"],
                            {
                                "id": UUID,
                                "taxonomy_term_id": UUID,
                                "taxonomy_term": _ref("TaxonomyTerm"),
                                "value": {
                                    "type": "string",
                                    "description": "A listing detail's value (HSDS 3.0)",
                                },
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
    "Schedule": {
        **_object(
            ["id"],
            {
                "id": UUID,
                "freq": {"type": "string", "enum": ["WEEKLY", "MONTHLY"]},
                "byday": TEXT,
                "opens_at": TEXT,
                "closes_at": TEXT,
                "valid_from": {"type": "string", "format": "date"},
                "valid_to": {"type": "string", "format": "date"},
                "description": TEXT,
            },
        ),
        "description": (
            "A weekly opening, in its season from valid_from to valid_to when it has one; or, "
            "with no byday and no times and a description starting 'Closed', a closure: shut "
            "from valid_from to valid_to ('Closed: Christmas break'), or on every bank "
            "holiday in England and Wales ('Closed on bank holidays')."
        ),
    },
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
    "MatchRequest": openapi_schema(MatchRequest.model_json_schema()),
    "UrgentHelp": {
        **_object(
            ["kind", "heading", "contacts"],
            {
                "kind": {
                    "type": "string",
                    "enum": ["self", "abuse"],
                    "description": "self: suicide and self-harm; abuse: domestic abuse, a "
                    "child hurt at home, sexual violence, online sexual exploitation.",
                },
                "heading": TEXT,
                "intro": TEXT,
                "contacts": {
                    "type": "array",
                    "items": _object(
                        ["name", "how", "link", "when"],
                        {
                            "name": TEXT,
                            "how": TEXT,
                            "link": {
                                "type": "string",
                                "description": "A tel:, sms: or https: link.",
                            },
                            "when": TEXT,
                            "max_age": {"type": "integer", "nullable": True},
                            "min_age": {"type": "integer", "nullable": True},
                        },
                    ),
                },
            },
        ),
        "nullable": True,
        "description": "Urgent help, when the words (or needs) say someone may be in danger "
        "now; the contacts are those for the age given. Null otherwise.",
    },
    "PathwayOption": _object(
        ["service_id", "name", "level", "routes", "how"],
        {
            "service_id": UUID,
            "name": TEXT,
            "level": {
                "type": "string",
                "enum": [level.value for level in CareLevel],
                "description": "The level of care the service sits at: shown, never decided.",
            },
            "routes": {
                "type": "array",
                "items": {"type": "string", "enum": list(REFERRAL_ROUTE_CODES)},
                "description": "The routes in: self-referral, a professional, the GP, the "
                "mental health practitioner at the GP practice, urgent (same day).",
            },
            "how": {
                "type": "string",
                "description": "What to tell the person about getting in, in plain words to "
                "them (“You can refer yourself to ... online at ...”).",
            },
            "known": {
                "type": "boolean",
                "description": "The team the person is already known to (the request's "
                "known_service_id): first, for quick access back.",
            },
        },
    ),
    "MatchAnswer": _object(
        ["needs", "suggestions", "excluded", "crisis", "pathways"],
        {
            "crisis": _ref("UrgentHelp"),
            "pathways": {
                "type": "array",
                "items": _ref("PathwayOption"),
                "description": "More support: the NHS mental health options that fit the "
                "person's needs, age and place (never among the suggestions), the crisis "
                "ones first and only when urgent help is called for; for a young person "
                "the options for young people first.",
            },
            "needs": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The needs the request's words were read as (need codes).",
            },
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
                        "area": {
                            "type": "string",
                            "nullable": True,
                            "description": "Who may use it, when only people in some "
                            "places may (“Only for people in Leeds”); null: anyone.",
                        },
                        "url": {"type": "string", "format": "uri"},
                    },
                ),
            },
            "total": {"type": "integer"},
            "local_total": {"type": "integer"},
            "online_total": {"type": "integer"},
            "other_areas": {
                "type": "integer",
                "description": "How many more services match but are left out because they "
                "serve only people living elsewhere than the place given (0 without a place).",
            },
            "page": {"type": "integer"},
            "corrected": {
                "type": "string",
                "nullable": True,
                "description": "The words searched instead of `q`, when a word in it was no "
                "word at all (not English, not in the catalogue) and was replaced by the "
                "catalogue word nearest to it: show 'Showing results for ...', with a link "
                "to the same search with `as_typed=1`. Real words are never replaced.",
            },
            "suggestion": {
                "type": "string",
                "nullable": True,
                "description": "A search offered, not run: `q` with a rare word changed to "
                "a catalogue word one letter away ('Did you mean ...?'); the results are for "
                "`q` itself (or `corrected`).",
            },
            "did_you_mean": {
                "type": "string",
                "nullable": True,
                "deprecated": True,
                "description": "The same as `corrected`, under its older name.",
            },
            "crisis": _ref("UrgentHelp"),
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
    return {
        "get": {
            "summary": "The public search, as on the site's search page.",
            "tags": ["Signpost"],
            "operationId": "search",
            "parameters": list(query_parameters(SearchParameters).values()),
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


CASE: Json = {
    "type": "object",
    "description": "A link worker's case: a local reference, never a name. Referrals and "
    "wellbeing are added where those features are present.",
    "properties": {
        "id": UUID,
        "reference": {"type": "string", "maxLength": 40},
        "age": {"type": "integer", "minimum": 0, "maximum": 120, "nullable": True},
        "age_band": {"type": "string", "nullable": True},
        "postcode_district": {"type": "string", "nullable": True},
        "needs": {"type": "array", "items": {"type": "string"}},
        "what_matters": {"type": "string"},
        "consent_to_share": {"type": "boolean"},
        "consent_on": {"type": "string", "format": "date", "nullable": True},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "known_team": {
            "type": "object",
            "nullable": True,
            "description": "The specialist team the person is already known to (rapid access "
            "back): never a clinician's name.",
            "properties": {
                "name": {"type": "string"},
                "service_id": {**UUID, "nullable": True},
                "duty_contact": {"type": "string"},
            },
        },
    },
}
NEW_CASE: Json = _object(
    ["reference", "needs", "consent_to_share"],
    {
        "reference": {
            "type": "string",
            "description": "Your own reference: no names, "
            "NHS numbers or addresses (one that looks like them is refused).",
        },
        "age": {"type": "integer", "minimum": 0, "maximum": 120},
        "age_band": {"type": "string", "description": "Instead of age: 16-17, 65-74, 85+, ..."},
        "postcode": {
            "type": "string",
            "description": "A district (LS6); a full postcode is cut to its district.",
        },
        "needs": {"type": "array", "items": {"type": "string"}, "description": "Need codes."},
        "what_matters": {"type": "string", "description": "Optional; sensitive."},
        "consent_to_share": {"type": "boolean"},
        "consent_on": {"type": "string", "format": "date", "description": "Today if left out."},
    },
)
CASE_AUTH: Json = {
    "401": _json("Sign in, or send a bearer token.", _ref("Error")),
    "403": _json("Only link workers and admins.", _ref("Error")),
}


def _id_parameter(name: str, what: str) -> Json:
    return {"name": name, "in": "path", "required": True, "description": what, "schema": UUID}


def _cases() -> Json:
    return {
        "post": {
            "summary": "Open a case on your caseload (link workers).",
            "tags": ["Signpost"],
            "operationId": "create_case",
            "security": [{"bearer": []}, {"session": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": NEW_CASE}},
            },
            "responses": {
                "201": _json("The case opened.", CASE),
                "400": ERRORS["400"],
                **CASE_AUTH,
            },
        }
    }


def _case() -> Json:
    return {
        "get": {
            "summary": "A case on your caseload (link workers); another's is not found.",
            "tags": ["Signpost"],
            "operationId": "get_case",
            "security": [{"bearer": []}, {"session": []}],
            "parameters": [_id_parameter("id", "The case's id.")],
            "responses": {
                "200": _json("The case.", CASE),
                "404": _json("No case with this id on your caseload.", _ref("Error")),
                **CASE_AUTH,
            },
        }
    }


REFERRAL: Json = {
    "type": "object",
    "description": "A case's referral to a service, with its status history (append-only).",
    "properties": {
        "id": UUID,
        "service_id": {**UUID, "nullable": True},
        "status": {"type": "string", "enum": [s.value for s in ReferralStatus]},
        "route": {"type": "string", "enum": [r.value for r in ReferralRoute]},
        "kind": {"type": "string", "enum": [k.value for k in ReferralKind]},
        "step_up": {
            "type": "object",
            "description": "A step-up only: to whom, how urgent (the link worker's judgement), "
            "why.",
            "properties": {
                "target": {"type": "string", "enum": [*TARGETS, SERVICE]},
                "urgency": {"type": "string", "enum": list(URGENCIES)},
                "reason": {"type": "string"},
            },
        },
        "version": {"type": "integer"},
        "history": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "status": {"type": "string"},
                    "by": {"type": "string", "enum": [b.value for b in StatusSetBy]},
                    "at": {"type": "string", "format": "date-time"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}


COMMUNITY_REFERRAL: Json = _object(
    ["service_id", "route"],
    {
        "kind": {"type": "string", "enum": [ReferralKind.COMMUNITY.value]},
        "service_id": UUID,
        "route": {"type": "string", "enum": [r.value for r in ReferralRoute]},
        "note": {"type": "string", "description": "For the provider; only with consent."},
        "shared": {"type": "array", "items": {"type": "string"}},
    },
)
STEP_UP_REFERRAL: Json = _object(
    ["kind", "target", "reason", "urgency"],
    {
        "kind": {"type": "string", "enum": [ReferralKind.STEP_UP.value]},
        "target": {
            "type": "string",
            "enum": [*TARGETS, SERVICE],
            "description": "gp: the GP practice; mhp: the PCN's mental health practitioner; "
            "service: a specialist pathway listing with a self or professional route "
            "(service_id).",
        },
        "service_id": {**UUID, "description": "With target service only."},
        "reason": {
            "type": "string",
            "maxLength": MAX_REASON,
            "description": "Why, in the link worker's words; sensitive, cleared by the purge. "
            "No names, NHS numbers or addresses.",
        },
        "urgency": {
            "type": "string",
            "enum": list(URGENCIES),
            "description": "The link worker's judgement: Signpost does not triage.",
        },
    },
)


def _referrals() -> Json:
    return {
        "post": {
            "summary": "Refer a case on your caseload to a published service.",
            "tags": ["Signpost"],
            "operationId": "create_referral",
            "security": [{"bearer": []}, {"session": []}],
            "parameters": [_id_parameter("id", "The case's id.")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [COMMUNITY_REFERRAL, STEP_UP_REFERRAL]}
                    }
                },
            },
            "responses": {
                "201": _json("The referral, sent.", REFERRAL),
                "400": ERRORS["400"],
                "404": _json("No case with this id on your caseload.", _ref("Error")),
                **CASE_AUTH,
            },
        }
    }


def _referral() -> Json:
    return {
        "get": {
            "summary": "A referral with its history; format=fhir: a FHIR R4 Bundle "
            "(ServiceRequest and Task).",
            "tags": ["Signpost"],
            "operationId": "get_referral",
            "security": [{"bearer": []}, {"session": []}],
            "parameters": [
                _id_parameter("id", "The case's id."),
                _id_parameter("referral_id", "The referral's id."),
                {
                    "name": "format",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["json", "fhir"], "default": "json"},
                },
            ],
            "responses": {
                "200": _json("The referral (or a FHIR Bundle).", REFERRAL),
                "400": ERRORS["400"],
                "404": _json("No such case or referral of yours.", _ref("Error")),
                **CASE_AUTH,
            },
        }
    }


def _referral_status() -> Json:
    return {
        "post": {
            "summary": "Record a referral's next status (referrals/status.py's steps).",
            "tags": ["Signpost"],
            "operationId": "change_referral_status",
            "security": [{"bearer": []}, {"session": []}],
            "parameters": [
                _id_parameter("id", "The case's id."),
                _id_parameter("referral_id", "The referral's id."),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _object(
                            ["status"],
                            {
                                "status": {
                                    "type": "string",
                                    "enum": [s.value for s in ReferralStatus],
                                },
                                "reason": {"type": "string"},
                                "reason_code": {"type": "string"},
                                "by": {
                                    "type": "string",
                                    "enum": [b.value for b in StatusSetBy],
                                },
                                "version": {"type": "integer"},
                            },
                        )
                    }
                },
            },
            "responses": {
                "200": _json("The referral, with its history.", REFERRAL),
                "400": ERRORS["400"],
                "404": _json("No such case or referral of yours.", _ref("Error")),
                "409": _json(
                    "A step that cannot follow its status, or changed meanwhile.", _ref("Error")
                ),
                **CASE_AUTH,
            },
        }
    }


def _wellbeing() -> Json:
    score = {"type": "integer", "minimum": 0, "maximum": 10}
    return {
        "post": {
            "summary": "Record wellbeing scores (ONS4, or a PCN's own measure) for a case.",
            "tags": ["Signpost"],
            "operationId": "record_wellbeing",
            "security": [{"bearer": []}, {"session": []}],
            "parameters": [_id_parameter("id", "The case's id.")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _object(
                            ["when"],
                            {
                                "when": {"type": "string", "enum": ["start", "follow_up"]},
                                "recorded_on": {"type": "string", "format": "date"},
                                "measure": {"type": "string", "default": "ons4"},
                                "life_satisfaction": score,
                                "worthwhile": score,
                                "happy": score,
                                "anxious": score,
                                "total": {"type": "integer"},
                            },
                        )
                    }
                },
            },
            "responses": {
                "201": _json(
                    "Recorded; the case's wellbeing {start, latest, change} as it now stands.",
                    {"type": "object"},
                ),
                "400": _json("Scores that cannot be used; each is named.", _ref("Error")),
                "401": _json("Sign in, or send a bearer token.", _ref("Error")),
                "403": _json("Not a link worker, manager or admin.", _ref("Error")),
                "404": _json("No case with this id that you may see.", _ref("Error")),
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
                "Published organisations.", "Organization", list(NAMED_FILTERS)
            ),
            "/organizations/{id}": _single(
                "An organisation with its published services.",
                "OrganizationFull",
                "organisation",
                ("full_service",),
            ),
            "/taxonomies": _list("Taxonomies.", "Taxonomy", list(NAMED_FILTERS)),
            "/taxonomies/{id}": _single("A taxonomy.", "Taxonomy", "taxonomy"),
            "/taxonomy_terms": _list(
                "Taxonomy terms (needs).",
                "TaxonomyTerm",
                list(TERM_FILTERS),
            ),
            "/taxonomy_terms/{id}": _single("A taxonomy term.", "TaxonomyTerm", "taxonomy term"),
            "/search": _search(),
            "/match": _match(),
            "/cases": _cases(),
            "/cases/{id}": _case(),
            "/cases/{id}/wellbeing": _wellbeing(),
            "/cases/{id}/referrals": _referrals(),
            "/cases/{id}/referrals/{referral_id}": _referral(),
            "/cases/{id}/referrals/{referral_id}/status": _referral_status(),
        },
        "components": {
            "parameters": query_parameters(Filters),
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
