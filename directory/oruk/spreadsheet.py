"""Spreadsheet import for organisations that keep their directory in Excel: one row per
service (at one place), in the columns of COLUMNS, as CSV or .xlsx.

Each row becomes an HSDS service object and goes through the same checks and import as
an Open Referral file, so a spreadsheet and a feed land the same way. Every problem is
reported by row and column before anything is saved. A row without a service_id gets a
stable id from its organisation and service names, so importing the sheet again updates
the same listings.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlmodel import Session

from directory.catalogue import needs as known_needs
from directory.catalogue.vocabulary import DAYS, LANGUAGES
from directory.models import stable_id
from directory.oruk import archives, tabular
from directory.oruk.archives import Limits

Json = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    example: str
    required: bool = False


COLUMNS = [
    Column("organisation_name", "The organisation that runs the service", "Armley Walkers", True),
    Column("organisation_description", "What the organisation does", "Volunteers who walk."),
    Column("organisation_email", "The organisation's email", "hello@armleywalkers.example.org"),
    Column(
        "organisation_website", "The organisation's website", "https://armleywalkers.example.org"
    ),
    Column("charity_number", "Registered charity number, if any", "1234567"),
    Column("service_id", "Leave empty for a new listing; the id to update one", ""),
    Column("service_name", "The service's name", "Armley Walking Group", True),
    Column(
        "description",
        "What happens, who it is for, what to expect",
        "A gentle walk around Armley Park.",
        True,
    ),
    Column(
        "service_url", "A web page about the service", "https://armleywalkers.example.org/walks"
    ),
    Column("service_email", "An email for the service", "walks@armleywalkers.example.org"),
    Column("phone", "A phone number for the service", "0113 496 0000"),
    Column("contact_name", "Who answers, if it helps to know", "Pat"),
    Column("minimum_age", "Youngest age, in years", "18"),
    Column("maximum_age", "Oldest age, in years", ""),
    Column("eligibility", "Who can come, in words", "Adults who can walk for an hour."),
    Column("how_to_access", "How to join or be referred", "Just turn up at the gates."),
    Column("cost", "'free', or the price in pounds", "free"),
    Column("cost_description", "What the price covers", ""),
    Column(
        "needs",
        "Needs it meets, separated by ';' (codes or names from /taxonomy_terms)",
        "loneliness; getting_active",
    ),
    Column("languages", "Languages spoken, separated by ';' (codes or names)", "en; pl"),
    Column("venue_name", "Where it happens", "Armley Park gates"),
    Column("address", "Street address", "Stanningley Road"),
    Column("city", "Town or city", "Leeds"),
    Column("postcode", "UK postcode of the venue", "LS12 3LN"),
    Column("days", "Days it runs, separated by ';' (Monday or MO)", "Tuesday; Thursday"),
    Column("opens", "Start time, HH:MM", "10:00"),
    Column("closes", "End time, HH:MM", "11:30"),
    Column("last_checked", "When the details were last checked, YYYY-MM-DD", "2026-11-01"),
]
NAMES = [c.name for c in COLUMNS]
DAY_NAMES = {name.lower(): code for code, name in DAYS.items()}
LANGUAGE_NAMES = {name.lower(): code for code, name in LANGUAGES.items()}
HELP_SHEET = "How to fill this in"


class SpreadsheetError(Exception):
    """The sheet cannot be read at all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Sheet:
    services: list[Json]
    rows: list[int]  # the sheet row each service came from
    problems: list[str]


# --- the template -----------------------------------------------------------------


def write_template(path: Path) -> None:
    """A template with the columns and one example row (.xlsx with a help sheet, or .csv)."""
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            tabular.write_csv(handle, [NAMES, [c.example for c in COLUMNS]])
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook starts with one worksheet
    sheet.title = "Services"
    sheet.append(NAMES)
    sheet.append([c.example for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    notes = book.create_sheet(HELP_SHEET)
    notes.append(["column", "required", "what to write", "example"])
    for column in COLUMNS:
        notes.append(
            [column.name, "yes" if column.required else "", column.meaning, column.example]
        )
    book.save(path)


# --- reading ------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: Path, limits: Limits) -> list[tuple[int, dict[str, str]]]:
    """(sheet row number, {column: text}) for each filled row; SpreadsheetError if unreadable,
    or larger, unpacked or in rows, than `limits` allow (checked before the rows are read)."""
    if not path.is_file():
        raise SpreadsheetError([f"{path} does not exist."])
    if path.stat().st_size > limits.max_bytes:
        raise SpreadsheetError(
            [
                f"{path.name} is larger than the {limits.max_bytes // 1024 // 1024} MB "
                "an import may be: nothing was read."
            ]
        )
    if path.suffix.lower() == ".xlsx":
        table = _xlsx(path, limits)
    elif path.suffix.lower() == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SpreadsheetError(
                [f"{path.name} is not UTF-8 text: save it as 'CSV UTF-8'."]
            ) from None
        try:
            table = _at_most(path, csv.reader(io.StringIO(text)), limits)
        except csv.Error as error:
            raise SpreadsheetError([f"{path.name} is not a readable CSV file: {error}."]) from None
    else:
        raise SpreadsheetError([f"{path.name}: use a .csv or .xlsx file."])
    if not table:
        raise SpreadsheetError([f"{path.name} is empty."])
    header = [h.strip().lower() for h in table[0]]
    unknown = [h for h in header if h and h not in NAMES]
    missing = [c.name for c in COLUMNS if c.required and c.name not in header]
    problems = []
    if unknown:
        problems.append(
            f"Unknown column(s): {', '.join(unknown)}. The template's columns "
            f"are: {', '.join(NAMES)}."
        )
    if missing:
        problems.append(f"Missing column(s): {', '.join(missing)}.")
    if problems:
        raise SpreadsheetError(problems)
    rows = []
    for number, values in enumerate(table[1:], start=2):
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        if any(row.values()):
            rows.append((number, row))
    return rows


def _at_most(path: Path, rows: Iterable[list[str]], limits: Limits) -> list[list[str]]:
    """The rows (a header and at most the limit besides), or SpreadsheetError."""
    table: list[list[str]] = []
    for row in rows:
        if len(table) > limits.max_rows:
            raise SpreadsheetError([archives.too_many_rows(path.name, limits)])
        table.append(row)
    return table


def _xlsx(path: Path, limits: Limits) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        # what it unpacks to, and each sheet's rows, counted before openpyxl reads it
        archives.check_workbook(path, limits)
    except archives.ArchiveError as error:
        problem = str(error)
        if "cannot be unpacked" in problem and not _zip_signature(path):
            problem = f"{path.name} is not an Excel (.xlsx) workbook."
        raise SpreadsheetError([problem]) from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            values = ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))
            return _at_most(path, values, limits)
        finally:
            book.close()
    except archives.UNREADABLE as error:
        raise SpreadsheetError(
            [f"{path.name} is not an Excel (.xlsx) workbook Signpost can read: {error}"]
        ) from None


def _zip_signature(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"PK"


# --- rows to HSDS services ------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", text) if part.strip()]


def _number(text: str, column: str, problems: list[str], where: str) -> int | None:
    if not text:
        return None
    if not re.fullmatch(r"\d{1,3}", text):
        problems.append(f"{where}, column '{column}': {text!r} is not an age in whole years")
        return None
    return int(text)


def needs_by_word(session: Session) -> dict[str, known_needs.Need]:
    """Our needs by code and by name (lower case), as a sheet may name them."""
    known = known_needs.held(session).needs
    return {n.code.lower(): n for n in known} | {n.label.lower(): n for n in known}


def read_sheet(path: Path, limits: Limits, needs: dict[str, Any]) -> Sheet:
    """HSDS service objects from the sheet, with the problems of each row and column.

    needs maps need codes and names (lower case) to needs (see needs_by_word)."""
    sheet = Sheet([], [], [])
    for number, row in read_rows(path, limits):
        where = f"row {number}"
        before = len(sheet.problems)
        service = _service(row, where, sheet.problems, needs)
        for column in COLUMNS:
            if column.required and not row.get(column.name):
                sheet.problems.append(f"{where}, column '{column.name}': is required but empty")
        if len(sheet.problems) == before:
            sheet.services.append(service)
            sheet.rows.append(number)
    return sheet


def _service(row: dict[str, str], where: str, problems: list[str], needs: dict[str, Any]) -> Json:
    """One row as an HSDS service object; each problem found is added to problems.

    The steps that can find a problem run in the order of the sheet's columns, so a row's
    problems are listed in that order."""
    get = row.get
    org_key = get("organisation_name", "").lower()
    service_key = f"{org_key}/{get('service_name', '').lower()}"
    service_id = get("service_id") or str(stable_id("sheet-service", service_key))
    service: Json = {
        "id": service_id,
        "name": get("service_name", ""),
        "status": "active",
        "description": get("description", ""),
        "organization": _organisation(row, org_key),
        "eligibility_description": get("eligibility", ""),
        "application_process": get("how_to_access", ""),
    }
    service |= _filled(
        row, [("service_url", "url"), ("service_email", "email"), ("last_checked", "assured_date")]
    )
    service |= _ages(row, where, problems)
    service |= _contact(row, service_id)
    service |= _cost(row, service_id, where, problems)
    service["attributes"] = _needs_met(row, service_id, where, problems, needs)
    service["languages"] = _languages_spoken(row, service_id, where, problems)
    service |= _venue(row, service_id, org_key)
    service |= _opening_times(row, service_id, where, problems)
    return service


def _filled(row: dict[str, str], columns: list[tuple[str, str]]) -> Json:
    """{HSDS field: text} for each of the (column, field) pairs whose column is filled in."""
    return {name: row[column] for column, name in columns if row.get(column)}


def _organisation(row: dict[str, str], org_key: str) -> Json:
    """The organisation that runs the service, with its charity number if the row gives one."""
    org: Json = {
        "id": str(stable_id("sheet-organisation", org_key)),
        "name": row.get("organisation_name", ""),
        "description": row.get("organisation_description", ""),
    }
    org |= _filled(row, [("organisation_email", "email"), ("organisation_website", "website")])
    if row.get("charity_number"):
        org["organization_identifiers"] = [
            {
                "id": str(stable_id("sheet-identifier", org_key)),
                "identifier_scheme": "GB-CHC",
                "identifier_type": "Charity number",
                "identifier": row.get("charity_number"),
            }
        ]
    return org


def _ages(row: dict[str, str], where: str, problems: list[str]) -> Json:
    """The youngest and oldest ages, where given in whole years."""
    ages: Json = {}
    for column in ("minimum_age", "maximum_age"):
        value = _number(row.get(column, ""), column, problems, where)
        if value is not None:
            ages[column] = value
    return ages


def _contact(row: dict[str, str], service_id: str) -> Json:
    """Who to call: the phone number and the contact's name, if either is given."""
    if not (row.get("phone") or row.get("contact_name")):
        return {}
    phones = [{"id": str(stable_id("sheet-phone", service_id)), "number": row.get("phone")}]
    return {
        "contacts": [
            {
                "id": str(stable_id("sheet-contact", service_id)),
                "name": row.get("contact_name", ""),
                "phones": phones if row.get("phone") else [],
            }
        ]
    }


def _cost(row: dict[str, str], service_id: str, where: str, problems: list[str]) -> Json:
    """A price in pounds as a cost option; a free service's cost words as its fees description."""
    cost = row.get("cost", "").lower().lstrip("£")
    if cost and cost != "free":
        try:
            amount = float(cost)
        except ValueError:
            problems.append(f"{where}, column 'cost': {row.get('cost')!r} is not 'free' or a price")
            return {}
        return {
            "cost_options": [
                {
                    "id": str(stable_id("sheet-cost", service_id)),
                    "amount": amount,
                    "currency": "GBP",
                    "amount_description": row.get("cost_description", ""),
                }
            ]
        }
    if row.get("cost_description"):
        return {"fees_description": row.get("cost_description")}
    return {}


def _needs_met(
    row: dict[str, str], service_id: str, where: str, problems: list[str], needs: dict[str, Any]
) -> list[Json]:
    """The needs the service meets, as attributes of our needs taxonomy."""
    attributes = []
    for word in _split(row.get("needs", "")):
        term = needs.get(word.lower())
        if term is None:
            problems.append(f"{where}, column 'needs': {word!r} is not a need Signpost knows")
            continue
        attributes.append(
            {
                "id": str(stable_id("attribute", f"{service_id}/{term.term_id}")),
                "taxonomy_term_id": str(term.term_id),
                "taxonomy_term": {
                    "id": str(term.term_id),
                    "code": term.code,
                    "name": term.label,
                    "description": term.description,
                },
            }
        )
    return attributes


def _languages_spoken(
    row: dict[str, str], service_id: str, where: str, problems: list[str]
) -> list[Json]:
    """The languages spoken, by code or by name."""
    languages = []
    for word in _split(row.get("languages", "")):
        code = word.lower() if word.lower() in LANGUAGES else LANGUAGE_NAMES.get(word.lower())
        if code is None:
            problems.append(f"{where}, column 'languages': {word!r} is not a language we list")
            continue
        languages.append(
            {
                "id": str(stable_id("language", f"{service_id}/{code}")),
                "code": code,
                "name": LANGUAGES[code],
            }
        )
    return languages


def _venue(row: dict[str, str], service_id: str, org_key: str) -> Json:
    """Where it happens, if the row gives a postcode, a venue or an address.

    The venue's id comes from the organisation, postcode and venue name, so two services of
    one organisation at one venue share a location."""
    get = row.get
    if not (get("postcode") or get("venue_name") or get("address")):
        return {}
    location_id = str(
        stable_id(
            "sheet-location",
            f"{org_key}/{get('postcode', '').lower()}/{get('venue_name', '').lower()}",
        )
    )
    return {
        "service_at_locations": [
            {
                "id": str(stable_id("service_at_location", f"{service_id}/{location_id}")),
                "location": {
                    "id": location_id,
                    "location_type": "physical",
                    "name": get("venue_name") or get("address", ""),
                    "addresses": [
                        {
                            "id": str(stable_id("address", location_id)),
                            "address_1": get("address", ""),
                            "city": get("city", ""),
                            "state_province": "",
                            "postal_code": get("postcode", ""),
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ]
    }


def _opening_times(row: dict[str, str], service_id: str, where: str, problems: list[str]) -> Json:
    """A weekly schedule from the days, opens and closes columns (all three, or none)."""
    get = row.get
    days = []
    for word in _split(get("days", "")):
        code = word.upper() if word.upper() in DAYS else DAY_NAMES.get(word.lower())
        if code is None:
            problems.append(f"{where}, column 'days': {word!r} is not a day")
        else:
            days.append(code)
    if not (days or get("opens") or get("closes")):
        return {}
    if not (days and get("opens") and get("closes")):
        problems.append(
            f"{where}, columns 'days', 'opens', 'closes': give all three for an opening time"
        )
        return {}
    return {
        "schedules": [
            {
                "id": str(stable_id("schedule", f"{service_id}/sheet")),
                "freq": "WEEKLY",
                "byday": ",".join(days),
                "opens_at": get("opens"),
                "closes_at": get("closes"),
            }
        ]
    }
