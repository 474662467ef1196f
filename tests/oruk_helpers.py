"""Open Referral UK test helpers: the standard's schemas, read from ../shared/standards,
and a live server on a real port for the app under test.

The schemas are not ours to copy into the project; where the folder is absent
(outside the shared workspace) the tests that need it skip and say why.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

STANDARDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "standards" / "hsds"
UK = STANDARDS / "oruk-3.0"
HSDS = STANDARDS / "hsds-3.0"
FIXTURES = STANDARDS / "oruk-validator-fixtures" / "Mocks"
BASE = "https://schemas.invalid/"


def need_standards() -> None:
    if not (UK / "schema" / "compiled" / "service.json").exists():
        pytest.skip(f"the Open Referral schemas are not at {STANDARDS.resolve()} (shared folder)")


def _retrieve(uri: str) -> Resource:
    # Relative $refs ("taxonomy_term.json") resolve against the schema's own folder.
    folder, name = uri.removeprefix(BASE).split("/", 1)
    root = UK if folder == "oruk" else HSDS
    contents = json.loads((root / "schema" / name).read_text())
    return Resource.from_contents(contents, default_specification=DRAFT202012)


@functools.cache
def validator(standard: str, path: str) -> Draft202012Validator:
    """A validator for a schema file (standard 'oruk' or 'hsds', path under schema/),
    checking formats (uuid, email, uri, date-time) for real."""
    need_standards()
    root = UK if standard == "oruk" else HSDS
    schema = json.loads((root / "schema" / path).read_text())
    schema["$id"] = f"{BASE}{standard}/{path}"
    registry: Registry = Registry(retrieve=_retrieve)  # type: ignore[call-arg]
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def problems(standard: str, path: str, instance: Any) -> list[str]:
    """Every schema error, as 'field.path: message'."""
    errors = validator(standard, path).iter_errors(instance)
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}" for e in errors]


# What each endpoint's bodies are checked against: (UK profile, HSDS 3.0).
SCHEMAS = {
    "services": ("compiled/service_list.json", "compiled/service_list.json"),
    "service": ("compiled/service.json", "compiled/service_with_definitions.json"),
    "service_at_locations": (
        "compiled/service_at_location_list.json",
        "compiled/service_at_location_list.json",
    ),
    "service_at_location": ("compiled/service_at_location.json", "service_at_location.json"),
    "organizations": ("compiled/organization_list.json", "compiled/organization_list.json"),
    "organization": ("compiled/organization.json", "organization.json"),
    "taxonomies": ("taxonomy.json", "taxonomy.json"),
    "taxonomy": ("taxonomy.json", "taxonomy.json"),
    "taxonomy_terms": ("taxonomy_term.json", "taxonomy_term.json"),
    "taxonomy_term": ("taxonomy_term.json", "taxonomy_term.json"),
}


def conformance_problems(kind: str, body: Any) -> list[str]:
    """Problems of one object against both the UK profile and HSDS 3.0."""
    uk, hsds = SCHEMAS[kind]
    return [f"UK {p}" for p in problems("oruk", uk, body)] + [
        f"HSDS {p}" for p in problems("hsds", hsds, body)
    ]


@functools.cache
def page_schema() -> dict[str, Any]:
    need_standards()
    openapi = json.loads((UK / "schema" / "openapi.json").read_text())
    page = dict(openapi["components"]["schemas"]["Page"])
    page["required"] = [*page["properties"], "contents"]
    return page
