"""Spreadsheet rows to HSDS services, without a database: every column lands in its place in
the service object, problems come in the order of the columns, and ids stay the same from
one reading to the next."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path
from typing import Any

from directory.catalogue.needs import Need
from directory.oruk.archives import Limits
from directory.oruk.spreadsheet import COLUMNS, NAMES, Sheet, read_sheet

LONELINESS = Need(
    code="loneliness",
    label="Loneliness and isolation",
    description="Feeling alone.",
    synonyms=(),
    crisis=False,
    group="",
    group_position=0,
    min_age=None,
    max_age=None,
    open_eligibility_services=(),
    open_eligibility_situations=(),
    term_id=uuid.UUID("00000000-0000-0000-0000-00000000000a"),
)
NEEDS = {"loneliness": LONELINESS, "loneliness and isolation": LONELINESS}


def example(**changes: str) -> dict[str, str]:
    """The template's example row, meeting only the one need NEEDS knows, with changes."""
    row = {c.name: c.example for c in COLUMNS}
    row["needs"] = "loneliness"
    row.update(changes)
    return row


def read(folder: Path, *rows: dict[str, str]) -> Sheet:
    path = folder / "sheet.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(NAMES)
        writer.writerows([[row.get(name, "") for name in NAMES] for row in rows])
    return read_sheet(path, Limits(1_000_000), NEEDS)


def without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


def test_every_column_of_a_full_row_lands_in_the_service(tmp_path) -> None:
    row = example(
        needs="Loneliness and isolation",
        languages="en; Polish",
        cost="£3.50",
        cost_description="Tea and cake",
        days="Tuesday; th",
    )
    sheet = read(tmp_path, row)
    assert sheet.problems == [] and sheet.rows == [2]
    [service] = sheet.services
    assert without_ids(service) == {
        "name": "Armley Walking Group",
        "status": "active",
        "description": "A gentle walk around Armley Park.",
        "organization": {
            "name": "Armley Walkers",
            "description": "Volunteers who walk.",
            "email": "hello@armleywalkers.example.org",
            "website": "https://armleywalkers.example.org",
            "organization_identifiers": [
                {
                    "identifier_scheme": "GB-CHC",
                    "identifier_type": "Charity number",
                    "identifier": "1234567",
                }
            ],
        },
        "eligibility_description": "Adults who can walk for an hour.",
        "application_process": "Just turn up at the gates.",
        "url": "https://armleywalkers.example.org/walks",
        "email": "walks@armleywalkers.example.org",
        "assured_date": "2026-11-01",
        "minimum_age": 18,
        "contacts": [{"name": "Pat", "phones": [{"number": "0113 496 0000"}]}],
        "cost_options": [{"amount": 3.5, "currency": "GBP", "amount_description": "Tea and cake"}],
        "attributes": [
            {
                "taxonomy_term_id": str(LONELINESS.term_id),
                "taxonomy_term": {
                    "code": "loneliness",
                    "name": "Loneliness and isolation",
                    "description": "Feeling alone.",
                },
            }
        ],
        "languages": [{"code": "en", "name": "English"}, {"code": "pl", "name": "Polish"}],
        "service_at_locations": [
            {
                "location": {
                    "location_type": "physical",
                    "name": "Armley Park gates",
                    "addresses": [
                        {
                            "address_1": "Stanningley Road",
                            "city": "Leeds",
                            "state_province": "",
                            "postal_code": "LS12 3LN",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                }
            }
        ],
        "schedules": [
            {"freq": "WEEKLY", "byday": "TU,TH", "opens_at": "10:00", "closes_at": "11:30"}
        ],
    }


def test_a_sparse_row_gives_only_the_parts_it_fills_in(tmp_path) -> None:
    row = {
        "organisation_name": "Armley Walkers",
        "service_name": "Coffee morning",
        "description": "Coffee and a chat.",
        "cost": "free",
        "cost_description": "Donations welcome",
        "contact_name": "Sam",
        "address": "1 Town Street",
    }
    [service] = read(tmp_path, row).services
    assert service["fees_description"] == "Donations welcome"
    assert "cost_options" not in service
    assert service["contacts"][0]["name"] == "Sam" and service["contacts"][0]["phones"] == []
    assert service["service_at_locations"][0]["location"]["name"] == "1 Town Street"
    assert service["attributes"] == [] and service["languages"] == []
    for absent in ("url", "email", "assured_date", "minimum_age", "maximum_age", "schedules"):
        assert absent not in service
    assert set(service["organization"]) == {"id", "name", "description"}


def test_problems_are_listed_in_the_order_of_the_columns(tmp_path) -> None:
    row = example(
        minimum_age="eighteen",
        maximum_age="1000",
        cost="a fiver",
        needs="knitting; loneliness",
        languages="Klingon; pl",
        days="Funday; MO",
        opens="",
    )
    sheet = read(tmp_path, row)
    assert sheet.services == []
    assert sheet.problems == [
        "row 2, column 'minimum_age': 'eighteen' is not an age in whole years",
        "row 2, column 'maximum_age': '1000' is not an age in whole years",
        "row 2, column 'cost': 'a fiver' is not 'free' or a price",
        "row 2, column 'needs': 'knitting' is not a need Signpost knows",
        "row 2, column 'languages': 'Klingon' is not a language we list",
        "row 2, column 'days': 'Funday' is not a day",
        "row 2, columns 'days', 'opens', 'closes': give all three for an opening time",
    ]


def test_ids_stay_the_same_and_one_venue_is_one_location(tmp_path) -> None:
    walks, tea = example(), example(service_name="Tea after the walk")
    first = read(tmp_path, walks, tea).services
    again = read(tmp_path, walks, tea).services
    assert len(first) == 2 and first == again
    assert first[0]["id"] != first[1]["id"]
    assert first[0]["organization"]["id"] == first[1]["organization"]["id"]
    place = [s["service_at_locations"][0]["location"]["id"] for s in first]
    assert place[0] == place[1]
    given = read(tmp_path, example(service_id="my-own-id")).services[0]
    assert given["id"] == "my-own-id"
