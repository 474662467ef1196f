"""An import writes new records as plain rows, many to an INSERT, and stored ones through
the ORM (oruk/importing.py): both ways must leave the same rows, and the change log must
name every new listing as it names an edited one."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, SQLModel

from directory import db
from directory.catalogue import changes
from directory.oruk import checks
from tests.oruk_helpers import UK, need_standards
from tests.test_oruk_import_export import a_service, run, with_needs, write

# what a re-import may change on a row it leaves otherwise alone
MOVING = {"created_at", "updated_at", "version"}
TABLES = sorted(set(changes.OWNERS) - {"taxonomy_term", "search_phrase"})


def catalogue_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the catalogue's tables, without the columns a re-import moves."""
    found = {}
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        for name in TABLES:
            table = SQLModel.metadata.tables[name]
            columns = [c for c in table.c if c.name not in MOVING]
            rows = session.connection().execute(sa.select(*columns)).all()
            found[name] = sorted(tuple(map(repr, row)) for row in rows)
    return found


def a_full_service() -> dict:
    """A record with every kind of part Signpost keeps."""
    service = a_service(
        email="walks@example.org",
        url="https://example.org/walks",
        minimum_age=16,
        fees_description="Free",
        phones=[{"id": "c2a7a6a4-5d1f-4f5a-9a43-0c9b1f3c7d10", "number": "0113 496 0000"}],
        contacts=[
            {
                "id": "0d4e1c3a-79a9-4bc8-bc7e-2d9b6f0e2c11",
                "name": "Pat",
                "phones": [
                    {"id": "1b8c2f3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "number": "07700 900000"}
                ],
            }
        ],
        schedules=[
            {
                "id": "2c9d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                "freq": "WEEKLY",
                "byday": "MO,WE",
                "opens_at": "10:00",
                "closes_at": "12:00",
            }
        ],
        languages=[{"id": "3d0e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60", "code": "pol"}],
        cost_options=[
            {"id": "4e1f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7", "option": "Entry", "amount": 0}
        ],
        attributes=[
            {
                "id": "5f2a6b7c-8d9e-4fa0-b1c2-d3e4f5a6b7c8",
                "taxonomy_term": {
                    "id": "6a3b7c8d-9e0f-4a1b-c2d3-e4f5a6b7c8d9",
                    "name": "Walking for health",
                    "taxonomy": "Council directory",
                },
            }
        ],
    )
    service["organization"]["phones"] = [
        {"id": "7b4c8d9e-0f1a-4b2c-d3e4-f5a6b7c8d9e0", "number": "0113 496 0001"}
    ]
    service["service_at_locations"][0]["location"]["accessibility"] = [
        {"id": "8c5d9e0f-1a2b-4c3d-e4f5-a6b7c8d9e0f1", "description": "Step-free access"}
    ]
    return service


def test_new_records_are_written_as_a_reimport_through_the_orm_writes_them(
    empty_app, tmp_path
) -> None:
    app = with_needs(empty_app)
    source = write(tmp_path, [a_full_service(), a_full_service() | {"name": "Second walk"}])
    first = run(app, "import-oruk", "--publish", source)
    assert "Imported: 2 new" in first.output, first.output
    written_new = catalogue_rows(app)
    assert all(written_new[name] for name in ("phone", "accessibility", "schedule", "contact"))
    again = run(app, "import-oruk", "--publish", source)
    assert "0 new, 2 updated" in again.output, again.output
    assert catalogue_rows(app) == written_new


def test_the_official_example_is_written_as_its_reimport_writes_it(empty_app) -> None:
    need_standards()
    app = with_needs(empty_app)
    source = str(UK / "examples" / "service_full.json")
    assert "Imported: 1 new" in run(app, "import-oruk", source).output
    written_new = catalogue_rows(app)
    assert "0 new, 1 updated" in run(app, "import-oruk", source).output
    assert catalogue_rows(app) == written_new


def test_the_change_log_names_every_new_listing_its_organisation_and_place(
    empty_app, tmp_path, session_for
) -> None:
    app = with_needs(empty_app)
    records = [a_service(name=f"Walk {n}") for n in range(3)]
    before = changes.latest(session_for(app))
    assert "Imported: 3 new" in run(app, "import-oruk", write(tmp_path, records)).output
    session = session_for(app)
    newest, services = changes.since(session, before)
    assert services == {uuid.UUID(r["id"]) for r in records}
    logged = session.connection().execute(
        sa.text("SELECT scope, subject_id FROM catalogue_change WHERE seq > :seq"), {"seq": before}
    )
    scopes = {scope for scope, _ in logged}
    assert {"service", "organisation", "location"} <= scopes
    assert newest > before


def test_a_record_the_fast_check_fails_gets_the_same_words_as_before() -> None:
    record = copy.deepcopy(a_service())
    record["id"] = "not-a-uuid"
    record["email"] = "no at sign"
    assert not checks._validators()[1].is_valid(record)
    fields = {
        checks._message(e)[0]: checks._message(e)[1]
        for e in checks._validators()[0].iter_errors(record)
    }
    assert fields == {
        "id": "'not-a-uuid' is not a valid uuid",
        "email": "'no at sign' is not a valid email",
    }


def test_the_fast_check_passes_exactly_what_jsonschema_passes() -> None:
    valid = a_service(email="a@b", last_modified="2024-01-02T03:04:05Z")
    cases: list[dict] = [valid]
    for field, value in [
        ("id", "12345678123412341234123456789012"),  # a UUID without its dashes
        ("url", "https://exämple.org/"),
        ("url", "not a uri"),
        ("last_modified", "2024-01-02T03:04:05"),  # no time zone
        ("minimum_age", "16"),
        ("name", "x" * 201),
    ]:
        cases.append(valid | {field: value})
    for record in cases:
        passed_before = not any(checks._validators()[0].iter_errors(record))
        assert checks._validators()[1].is_valid(record) == passed_before, json.dumps(record)[:200]
