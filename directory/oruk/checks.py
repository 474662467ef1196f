"""Check HSDS service objects before anything is imported: every problem, by record and field.

Two layers: a JSON Schema of what Signpost reads (the fields, types, formats and
required fields of the UK profile, with the lengths our tables hold), checked
with jsonschema's format checker; then what a schema cannot say (ids used twice,
ages the wrong way round, opening times, UK postcodes that do not exist, taxonomy
terms that are referred to but defined nowhere). Errors stop a record; warnings
are reported and the record is imported.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlmodel import Session, col, select

from directory.catalogue.vocabulary import DAYS
from directory.geo import postcodes
from directory.models import Organisation, TaxonomyTerm
from directory.oruk import closures

if TYPE_CHECKING:  # the validators are made by the first check (_validators), not by
    # every web process: jsonschema and its Rust twin held about 11 MB in each
    import jsonschema_rs
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

Json = dict[str, Any]
UK_COUNTRIES = {
    "",
    "GB",
    "UK",
    "GBR",
    "UNITED KINGDOM",
    "ENGLAND",
    "SCOTLAND",
    "WALES",
    "NORTHERN IRELAND",
}


def _text(length: int | None = None, fmt: str | None = None) -> Json:
    schema: Json = {"type": "string"}
    if length:
        schema["maxLength"] = length
    if fmt:
        schema["format"] = fmt
    return schema


ID = _text(fmt="uuid")
NUMBER = {"type": "number"}


def _object(required: list[str], properties: Json) -> Json:
    return {"type": "object", "required": required, "properties": properties}


def _items(schema: Json) -> Json:
    return {"type": "array", "items": schema}


PHONE = _object(["id", "number"], {"id": ID, "number": _text(30), "description": _text(300)})
TERM = _object(
    ["id", "name"],
    {"id": ID, "code": _text(100), "name": _text(200), "parent_id": ID, "taxonomy_id": ID},
)
ORGANISATION = _object(
    ["id", "name"],
    {
        "id": ID,
        "name": _text(200),
        "description": _text(),
        "email": _text(254, "email"),
        "website": _text(500, "uri"),
        "organization_identifiers": _items(_object(["id"], {"id": ID, "identifier": _text(20)})),
        "phones": _items(PHONE),
    },
)
LOCATION = _object(
    ["id", "location_type"],
    {
        "id": ID,
        "location_type": {"enum": ["physical", "postal", "virtual"]},
        "name": _text(200),
        "description": _text(),
        "latitude": NUMBER,
        "longitude": NUMBER,
        "transportation": _text(),
        "addresses": _items(
            _object(
                ["id"],
                {
                    "id": ID,
                    "address_1": _text(200),
                    "address_2": _text(200),
                    "city": _text(100),
                    "postal_code": _text(12),
                    "country": _text(60),
                    "address_type": {"enum": ["physical", "postal", "virtual"]},
                },
            )
        ),
        "accessibility": _items(
            _object(["id"], {"id": ID, "description": _text(300), "details": _text()})
        ),
    },
)
SERVICE_SCHEMA = _object(
    ["id", "name", "status"],
    {
        "id": ID,
        "organization_id": ID,
        "name": _text(200),
        "alternate_name": _text(200),
        "description": _text(),
        "url": _text(500, "uri"),
        "email": _text(254, "email"),
        "status": {"enum": ["active", "inactive", "defunct", "temporarily closed"]},
        "application_process": _text(),
        "fees_description": _text(),
        "fees": _text(),
        "eligibility_description": _text(),
        "wait_time": _text(),
        "minimum_age": {"type": "number", "minimum": 0, "maximum": 150},
        "maximum_age": {"type": "number", "minimum": 0, "maximum": 150},
        "assured_date": _text(),
        "last_modified": _text(fmt="date-time"),
        "organization": ORGANISATION,
        "phones": _items(PHONE),
        "contacts": _items(
            _object(
                ["id"],
                {
                    "id": ID,
                    "name": _text(200),
                    "title": _text(200),
                    "email": _text(254, "email"),
                    "phones": _items(PHONE),
                },
            )
        ),
        "schedules": _items(
            _object(
                ["id"],
                {
                    "id": ID,
                    "freq": {"enum": ["WEEKLY", "MONTHLY"]},
                    "byday": _text(30),
                    "opens_at": _text(),
                    "closes_at": _text(),
                    "valid_from": _text(),
                    "valid_to": _text(),
                    "description": _text(300),
                    "notes": _text(300),
                },
            )
        ),
        "service_areas": _items(
            _object(["id"], {"id": ID, "name": _text(200), "extent": _text(500)})
        ),
        "languages": _items(
            _object(["id"], {"id": ID, "name": _text(100), "code": _text(3), "note": _text(300)})
        ),
        "cost_options": _items(
            _object(
                ["id"],
                {
                    "id": ID,
                    "option": _text(200),
                    "amount": NUMBER,
                    "currency": _text(3),
                    "amount_description": _text(500),
                },
            )
        ),
        "service_at_locations": _items(_object(["id"], {"id": ID, "location": LOCATION})),
        "attributes": _items(
            _object(["id"], {"id": ID, "taxonomy_term_id": ID, "taxonomy_term": TERM})
        ),
        "capacities": _items(
            _object(["id"], {"id": ID, "available": NUMBER, "description": _text(300)})
        ),
    },
)


@functools.cache
def _validators() -> tuple[Draft202012Validator, jsonschema_rs.Draft202012Validator]:
    """The schema's validator in Python (it words the errors) and the same schema in Rust,
    with the same format checks (jsonschema's own): a first pass that passes a valid record
    at a twentieth of the cost. Made once, by the first check."""
    import jsonschema_rs
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(
        SERVICE_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    checker = validator.format_checker

    def same_format(name: str) -> Callable[[str], bool]:
        return lambda value: checker.conforms(value, name)  # type: ignore[union-attr]

    first_pass = jsonschema_rs.Draft202012Validator(
        SERVICE_SCHEMA,
        validate_formats=True,
        formats={name: same_format(name) for name in checker.checkers},  # type: ignore[union-attr]
    )
    return validator, first_pass


# HSDS fields a record may carry that Signpost has no place for: reported, not kept.
NOT_KEPT = (
    "program",
    "funding",
    "required_documents",
    "accreditations",
    "licenses",
    "alert",
    "interpretation_services",
    "assurer_email",
    "additional_urls",
    "metadata",
)
AREA_KINDS = {"local_authority", "districts", "radius", "national"}
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


@dataclass(frozen=True)
class Problem:
    record: str
    field: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        kind = "error" if self.error else "warning"
        return f"{self.record}: {self.field}: {self.message} ({kind})"


@dataclass
class Report:
    """What checking found: problems, and the places of the postcodes that resolved."""

    problems: list[Problem] = field(default_factory=list)
    places: dict[str, postcodes.Place] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.error]

    def has_errors(self, index: int) -> bool:
        return any(p.error and p.record == self.labels[index] for p in self.problems)


def label(index: int, record: Json) -> str:
    """How a report names a record: its number in the file, id and name."""
    name = record.get("name")
    shown = f" {name!r}" if isinstance(name, str) and name else ""
    return f"record {index + 1} ({record.get('id', 'no id')}{shown})"


def _path(error: ValidationError) -> str:
    return (
        ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in error.absolute_path).replace(
            ".[", "["
        )
        or "(record)"
    )


def _message(error: ValidationError) -> tuple[str, str]:
    """(field, sentence) for a schema error."""
    where = _path(error)
    if error.validator == "required":
        missing = error.message.split("'")[1]
        prefix = "" if where == "(record)" else where + "."
        return prefix + missing, "is required but missing"
    if error.validator == "format":
        return where, f"{error.instance!r} is not a valid {error.validator_value}"
    if error.validator == "type":
        return where, f"must be a {error.validator_value}, not {error.instance!r}"
    if error.validator == "enum":
        choices = cast(list[Any], error.validator_value)  # an enum's value is its list
        return where, f"{error.instance!r} is not one of {', '.join(map(str, choices))}"
    if error.validator == "maxLength":
        return where, f"is longer than {error.validator_value} characters"
    return where, error.message


def check_services(
    session: Session, services: list[Json], labels: list[str] | None = None
) -> Report:
    """Every problem of every record (named by labels, or by number, id and name);
    nothing is written."""
    report = Report(labels=labels or [label(i, s) for i, s in enumerate(services)])
    known_terms = {str(i) for i in session.exec(select(TaxonomyTerm.id)).all()}
    org_ids = {str(s["organization_id"]) for s in services if s.get("organization_id")}
    known_orgs = _existing_organisations(session, org_ids)
    validator, first_pass = _validators()
    counts = Counter(str(s.get("id")) for s in services if s.get("id"))
    for index, service in enumerate(services):
        record = report.labels[index]

        def add(where: str, message: str, error: bool = True, record: str = record) -> None:
            report.problems.append(Problem(record, where, message, error))

        if not first_pass.is_valid(service):
            for error in sorted(
                validator.iter_errors(service), key=lambda e: list(e.absolute_path)
            ):
                add(*_message(error))
        if counts.get(str(service.get("id")), 0) > 1:
            add("id", f"the same id is used by {counts[str(service['id'])]} records in this file")
        _check_service(service, add, report, known_terms, known_orgs)
    return report


def _existing_organisations(session: Session, ids: set[str]) -> set[str]:
    wanted = []
    for text in ids:
        try:
            wanted.append(uuid.UUID(text))
        except ValueError:
            continue
    if not wanted:
        return set()
    found = session.exec(select(Organisation.id).where(col(Organisation.id).in_(wanted))).all()
    return {str(i) for i in found}


def _check_service(
    service: Json, add: Any, report: Report, known_terms: set[str], known_orgs: set[str]
) -> None:
    low, high = service.get("minimum_age"), service.get("maximum_age")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        add("minimum_age", f"{low} is above the maximum age {high}")
    if not isinstance(service.get("organization"), dict) and (
        str(service.get("organization_id")) not in known_orgs
    ):
        add(
            "organization",
            "a service needs its organisation: give organization, or the "
            "organization_id of one Signpost already holds",
        )
    if service.get("assured_date") is not None:
        try:
            date.fromisoformat(str(service["assured_date"])[:10])
        except ValueError:
            add("assured_date", f"{service['assured_date']!r} is not a date (YYYY-MM-DD)")
    for i, item in enumerate(_list(service, "schedules")):
        _check_schedule(f"schedules[{i}]", item, add)
    for name in NOT_KEPT:
        if service.get(name) not in (None, "", [], {}):
            add(name, "Signpost has no place for this: not kept", error=False)
    for i, area in enumerate(_list(service, "service_areas")):
        words = str(area.get("extent") or "").split() if isinstance(area, dict) else []
        if isinstance(area, dict) and not (
            area.get("extent_type") == "text" and words and words[0] in AREA_KINDS
        ):
            add(
                f"service_areas[{i}]",
                "not an area Signpost can read (kind and codes, such as "
                "'local_authority E08000035'): the directory's area is used (the local "
                "authorities of the places in the file), or anywhere if the file has none",
                error=False,
            )
    for i, link in enumerate(_list(service, "service_at_locations")):
        place = link.get("location") if isinstance(link, dict) else None
        if isinstance(place, dict):
            _check_location(f"service_at_locations[{i}].location", place, add, report)
        elif isinstance(link, dict):
            add(
                f"service_at_locations[{i}].location",
                "is missing: a service at a location needs the location",
            )
    for i, item in enumerate(_list(service, "attributes")):
        if not isinstance(item, dict):
            continue
        term_id = item.get("taxonomy_term_id")
        if (
            not isinstance(item.get("taxonomy_term"), dict)
            and term_id is not None
            and (str(term_id) not in known_terms)
        ):
            add(
                f"attributes[{i}].taxonomy_term_id",
                f"unknown taxonomy term {term_id}: it is "
                "defined neither in the file nor in Signpost",
            )


def _list(record: Json, name: str) -> list[Any]:
    value = record.get(name)
    return value if isinstance(value, list) else []


def _check_schedule(where: str, item: Any, add: Any) -> None:
    if not isinstance(item, dict):
        return
    if closures.is_closure(item):  # closed from a day to a day (see closures.py)
        # a closure we cannot read ("Closed on Sundays") is left out, never the service
        for name, message in closures.problems(item):
            add(f"{where}.{name}", f"{message}: this closure is not kept", error=False)
        return
    days = [d.strip() for d in str(item.get("byday") or "").split(",") if d.strip()]
    wrong = [d for d in days if d.upper() not in DAYS]
    if wrong:
        add(f"{where}.byday", f"{', '.join(wrong)} are not days (MO, TU, WE, TH, FR, SA, SU)")
    for name in ("opens_at", "closes_at"):
        value = item.get(name)
        if value is not None and not TIME.match(str(value)):
            add(f"{where}.{name}", f"{value!r} is not a time of day (HH:MM)")
    if item.get("freq") == "MONTHLY":
        add(
            f"{where}.freq",
            "monthly openings are not kept: Signpost holds weekly ones",
            error=False,
        )
    elif not days or item.get("opens_at") is None or item.get("closes_at") is None:
        add(where, "an opening without days and times is not kept", error=False)


def _check_location(where: str, place: Json, add: Any, report: Report) -> None:
    for name, bound in (("latitude", 90), ("longitude", 180)):
        value = place.get(name)
        if isinstance(value, int | float) and not -bound <= value <= bound:
            add(
                f"{where}.{name}",
                f"{value} is not a {name}: the postcode's position is used",
                error=False,
            )
    for j, address in enumerate(_list(place, "addresses")):
        if not isinstance(address, dict) or not address.get("postal_code"):
            continue
        country = str(address.get("country") or "").strip().upper()
        postcode = str(address["postal_code"])
        field_name = f"{where}.addresses[{j}].postal_code"
        if country not in UK_COUNTRIES:
            add(
                field_name,
                f"{postcode!r} is outside the UK ({address.get('country')}): kept "
                "without a position",
                error=False,
            )
            continue
        try:
            report.places[postcode] = postcodes.lookup_postcode(postcode)
        except postcodes.PostcodeError as error:
            add(field_name, error.message)
