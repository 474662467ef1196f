"""The HSDS tabular form: full service objects to CSV tables and back.

One CSV file per HSDS table, with the file names and columns of the HSDS 3.0
examples (plus HSDS 3.1's service_capacity and units for capacity), and a
datapackage.json that describes them. Reading accepts the UK profile's file
names too (address.csv, schedule.csv, attribute.csv, taxonomy.csv).

Every CSV Signpost writes goes through csv_cell, so that no cell can run as a formula when
the file is opened in a spreadsheet (OWASP's CSV injection): a cell starting with = + - @,
a tab or a carriage return gets a ' in front, unless it is a plain number (-1.55 is a
longitude, not a formula). Reading takes that ' off again, so a round trip keeps the value.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

Json = dict[str, Any]

# table -> (file name, columns), in the order HSDS lists them
TABLES: dict[str, tuple[str, list[str]]] = {
    "organization": (
        "organizations.csv",
        [
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
            "parent_organization_id",
        ],
    ),
    "organization_identifier": (
        "organization_identifiers.csv",
        [
            "id",
            "organization_id",
            "identifier_scheme",
            "identifier_type",
            "identifier",
        ],
    ),
    "service": (
        "services.csv",
        [
            "id",
            "organization_id",
            "program_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "wait_time",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "licenses",
            "alert",
            "last_modified",
        ],
    ),
    "service_at_location": (
        "service_at_location.csv",
        [
            "id",
            "service_id",
            "location_id",
            "description",
        ],
    ),
    "location": (
        "locations.csv",
        [
            "id",
            "location_type",
            "url",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ],
    ),
    "address": (
        "addresses.csv",
        [
            "id",
            "location_id",
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ],
    ),
    "accessibility": ("accessibility.csv", ["id", "location_id", "description", "details", "url"]),
    "phone": (
        "phones.csv",
        [
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ],
    ),
    "contact": (
        "contacts.csv",
        [
            "id",
            "organization_id",
            "service_id",
            "service_at_location_id",
            "location_id",
            "name",
            "title",
            "department",
            "email",
        ],
    ),
    "schedule": (
        "schedules.csv",
        [
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ],
    ),
    "service_area": (
        "service_areas.csv",
        [
            "id",
            "service_id",
            "name",
            "description",
            "extent",
            "extent_type",
            "uri",
        ],
    ),
    "language": (
        "languages.csv",
        [
            "id",
            "service_id",
            "location_id",
            "phone_id",
            "name",
            "code",
            "note",
        ],
    ),
    "cost_option": (
        "cost_options.csv",
        [
            "id",
            "service_id",
            "valid_from",
            "valid_to",
            "option",
            "currency",
            "amount",
            "amount_description",
        ],
    ),
    "attribute": (
        "attributes.csv",
        [
            "id",
            "link_id",
            "taxonomy_term_id",
            "link_type",
            "link_entity",
            "value",
        ],
    ),
    "taxonomy_term": (
        "taxonomy_terms.csv",
        [
            "id",
            "code",
            "name",
            "description",
            "parent_id",
            "taxonomy",
            "language",
            "taxonomy_id",
            "term_uri",
        ],
    ),
    "taxonomy": ("taxonomies.csv", ["id", "name", "description", "uri", "version"]),
    "service_capacity": (
        "service_capacity.csv",
        [
            "id",
            "service_id",
            "unit_id",
            "available",
            "maximum",
            "description",
            "updated",
        ],
    ),
    "unit": ("units.csv", ["id", "name", "scheme", "identifier", "uri"]),
}
# Other names the same tables go by (the UK profile's examples).
OTHER_FILE_NAMES = {
    "address": ["address.csv"],
    "schedule": ["schedule.csv"],
    "attribute": ["attribute.csv"],
    "taxonomy": ["taxonomy.csv"],
}
NUMBERS = {
    "minimum_age",
    "maximum_age",
    "latitude",
    "longitude",
    "amount",
    "interval",
    "available",
    "maximum",
    "year_incorporated",
    "extension",
    "timezone",
    "count",
}


# --- writing --------------------------------------------------------------------

# The nested lists that flatten() turns into rows linked back to their parent.
ORGANISATION_LISTS = {"organization_identifiers": "organization_identifier", "phones": "phone"}
SERVICE_LISTS = {
    "schedules": "schedule",
    "service_areas": "service_area",
    "languages": "language",
    "cost_options": "cost_option",
}
LOCATION_LISTS = {"addresses": "address", "accessibility": "accessibility"}


class _Tables:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Json]] = defaultdict(dict)

    def add(self, table: str, values: Json, **links: Any) -> None:
        """Add a row, merging with a row of the same id (a phone seen twice)."""
        columns = TABLES[table][1]
        row = {c: values.get(c) for c in columns if not isinstance(values.get(c), list | dict)}
        row.update({k: v for k, v in links.items() if v is not None})
        current = self.rows[table].setdefault(str(values["id"]), {})
        current.update({k: v for k, v in row.items() if v is not None})

    def add_nested(self, parent: Json, lists: dict[str, str], **links: Any) -> None:
        """Add the rows of a parent's nested lists (list name -> table), linked to it."""
        for name, table in lists.items():
            for item in parent.get(name, []):
                self.add(table, item, **links)

    def add_attributes(self, parent: Json, link_id: str) -> None:
        """Add a record's attributes, linked to it, with their terms and taxonomies."""
        for item in parent.get("attributes", []):
            self.add("attribute", item, link_id=link_id)
            term = item.get("taxonomy_term")
            if term:
                self.add("taxonomy_term", term)
                taxonomy = term.get("taxonomy_detail") or {
                    "id": term.get("taxonomy_id"),
                    "name": term.get("taxonomy"),
                }
                if taxonomy.get("id"):
                    self.add("taxonomy", taxonomy)


def flatten(services: Iterable[Json]) -> dict[str, list[Json]]:
    """Full service objects as rows of the HSDS tables, in the order first met (so that
    each service's children, such as its needs by rank, keep their order)."""
    tables = _Tables()
    for service in services:
        sid = service["id"]
        org = service.get("organization")
        if org:
            tables.add("organization", org)
            tables.add_nested(org, ORGANISATION_LISTS, organization_id=org["id"])
            tables.add_attributes(org, link_id=org["id"])
        tables.add("service", service)
        # Service phones before contact phones, as the phone table has always listed them.
        tables.add_nested(service, {"phones": "phone"}, service_id=sid)
        for contact in service.get("contacts", []):
            tables.add("contact", contact, service_id=sid)
            tables.add_nested(contact, {"phones": "phone"}, contact_id=contact["id"])
        tables.add_nested(service, SERVICE_LISTS, service_id=sid)
        for link in service.get("service_at_locations", []):
            tables.add("service_at_location", link, service_id=sid)
            place = link.get("location")
            if place:
                tables.add("location", place)
                tables.add_nested(place, LOCATION_LISTS, location_id=place["id"])
        tables.add_attributes(service, link_id=sid)
        for item in service.get("capacities", []):
            unit = item.get("unit") or {}
            tables.add("service_capacity", item, service_id=sid, unit_id=unit.get("id"))
            if unit:
                tables.add("unit", unit)
    return {t: list(rows.values()) for t, rows in tables.rows.items()}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_cell(text: str) -> str:
    """A cell as written to any CSV file: one a spreadsheet would run as a formula gets a
    ' in front (OWASP's rule); a plain number is left as it is."""
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def read_cell(text: str) -> str:
    """A cell as csv_cell wrote it, back to what it was."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def write_csv(handle: IO[str], rows: Iterable[Iterable[str]]) -> None:
    """Write rows of text to a CSV file, every cell through csv_cell."""
    writer = csv.writer(handle)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])


class TooManyRows(Exception):
    """A table of the datapackage has more rows than an import may have."""

    def __init__(self, file_name: str) -> None:
        super().__init__(file_name)
        self.file_name = file_name


def write_package(services: Iterable[Json], folder: Path, name: str) -> dict[str, int]:
    """Write the CSV files and datapackage.json into folder; returns rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = flatten(services)
    written: dict[str, int] = {}
    resources = []
    for table, (file_name, columns) in TABLES.items():
        rows = tables.get(table, [])
        with (folder / file_name).open("w", newline="", encoding="utf-8") as handle:
            write_csv(handle, [columns, *([_cell(row.get(c)) for c in columns] for row in rows)])
        written[file_name] = len(rows)
        resources.append(
            {
                "name": table,
                "path": file_name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "primaryKey": "id",
                    "fields": [
                        {"name": c, "type": "number" if c in NUMBERS else "string"} for c in columns
                    ],
                },
            }
        )
    package = {
        "name": name,
        "title": "Signpost catalogue in the Open Referral UK (HSDS 3.0) tabular form",
        "profile": "tabular-data-package",
        "version": "3.0",
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n")
    return written


# --- reading --------------------------------------------------------------------


def _value(column: str, text: str) -> Any:
    if column in NUMBERS:
        try:
            number = float(text)
        except ValueError:
            return text  # left as text, so validation names the field
        return int(number) if number.is_integer() and column != "amount" else number
    return text


def parse_table(text: str, max_rows: int | None = None, name: str = "A table") -> list[Json]:
    """Rows of a CSV file, empty cells left out, numbers read as numbers; TooManyRows
    (naming the file) as soon as there are more than max_rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows: list[Json] = []
    for row in reader:
        if max_rows is not None and len(rows) >= max_rows:
            raise TooManyRows(name)
        rows.append(
            {
                k.strip(): _value(k.strip(), read_cell(v))
                for k, v in row.items()
                if k and v not in (None, "")
            }
        )
    return rows


def file_names(package: Json | None) -> dict[str, list[str]]:
    """Where each table may be: datapackage.json's paths first, then the usual names."""
    names = {t: [f, *OTHER_FILE_NAMES.get(t, [])] for t, (f, _c) in TABLES.items()}
    for resource in (package or {}).get("resources", []):
        if isinstance(resource, dict) and resource.get("name") in names and resource.get("path"):
            names[resource["name"]].insert(0, str(resource["path"]))
    return names


def nest(
    read: Callable[[str], str | None], package: Json | None, max_rows: int | None = None
) -> list[Json]:
    """Full service objects from the tables; read(file name) gives a file's text or None.
    TooManyRows if a table has more than max_rows."""
    tables: dict[str, list[Json]] = {}
    for table, candidates in file_names(package).items():
        for name in candidates:
            text = read(name)
            if text is not None:
                tables[table] = parse_table(text, max_rows, name)
                break
        else:
            tables[table] = []
    return _assemble(tables)


def _by(rows: list[Json], key: str) -> dict[str, list[Json]]:
    grouped: dict[str, list[Json]] = defaultdict(list)
    for row in rows:
        if row.get(key):
            grouped[str(row[key])].append(row)
    return grouped


def _assemble(tables: dict[str, list[Json]]) -> list[Json]:
    organisations = {str(r.get("id")): dict(r) for r in tables["organization"]}
    for org_id, items in _by(tables["organization_identifier"], "organization_id").items():
        if org_id in organisations:
            organisations[org_id]["organization_identifiers"] = items
    phones = tables["phone"]
    for org_id, items in _by(
        [p for p in phones if not p.get("service_id") and not p.get("contact_id")],
        "organization_id",
    ).items():
        if org_id in organisations:
            organisations[org_id]["phones"] = items
    taxonomies = {str(r.get("id")): r for r in tables["taxonomy"]}
    terms = {}
    for row in tables["taxonomy_term"]:
        term = dict(row)
        if "taxonomy" not in term and str(term.get("taxonomy_id")) in taxonomies:
            term["taxonomy"] = taxonomies[str(term["taxonomy_id"])].get("name")
        terms[str(term.get("id"))] = term
    locations = {}
    addresses = _by(tables["address"], "location_id")
    access = _by(tables["accessibility"], "location_id")
    for row in tables["location"]:
        place = dict(row)
        place["addresses"] = addresses.get(str(place.get("id")), [])
        place["accessibility"] = access.get(str(place.get("id")), [])
        locations[str(place.get("id"))] = place
    contact_phones = _by(phones, "contact_id")
    units = {str(r.get("id")): r for r in tables["unit"]}
    children = {
        name: _by(tables[table], "service_id")
        for name, table in (
            ("schedules", "schedule"),
            ("service_areas", "service_area"),
            ("languages", "language"),
            ("cost_options", "cost_option"),
            ("contacts", "contact"),
            ("phones", "phone"),
            ("service_at_locations", "service_at_location"),
            ("capacities", "service_capacity"),
        )
    }
    attributes = _attributes(tables, terms)
    for org_id, items in attributes.items():
        if org_id in organisations:
            organisations[org_id]["attributes"] = items
    services = []
    for row in tables["service"]:
        service = dict(row)
        sid = str(service.get("id"))
        org = organisations.get(str(service.get("organization_id")))
        if org:
            service["organization"] = org
        for name, grouped in children.items():
            service[name] = [dict(item) for item in grouped.get(sid, [])]
        for contact in service["contacts"]:
            contact["phones"] = contact_phones.get(str(contact.get("id")), [])
        for link in service["service_at_locations"]:
            if str(link.get("location_id")) in locations:
                link["location"] = locations[str(link["location_id"])]
        for item in service["capacities"]:
            if str(item.get("unit_id")) in units:
                item["unit"] = units[str(item["unit_id"])]
        service["attributes"] = attributes.get(sid, [])
        services.append(service)
    return services


def _attributes(tables: dict[str, list[Json]], terms: dict[str, Json]) -> dict[str, list[Json]]:
    """Attributes by the id of what they describe (a service, an organisation), each with
    its term."""
    found: dict[str, list[Json]] = defaultdict(list)
    for link_id, rows in _by(tables["attribute"], "link_id").items():
        for row in rows:
            item = dict(row)
            if str(item.get("taxonomy_term_id")) in terms:
                item["taxonomy_term"] = terms[str(item["taxonomy_term_id"])]
            found[link_id].append(item)
    return found
