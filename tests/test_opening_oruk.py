"""Closures, bank holidays and seasonal sessions travel in Open Referral UK exports: as
standard schedules that pass the validator, read back by another Signpost as they were."""

from __future__ import annotations

import json
from datetime import date

from flask import Flask
from sqlmodel import Session

from directory import db
from directory.models import Closure, Schedule, Service
from directory.oruk import checks, closures
from tests.accounts_helpers import TEA
from tests.conftest import dispose, make_app
from tests.oruk_helpers import UK, conformance_problems
from tests.test_oruk_import_export import run, with_needs

CLOSURES = [
    ("2026-12-24", "2027-01-05", "Christmas break"),
    ("2027-03-01", "2027-03-01", ""),
]


def opening_of(app: Flask, service_id=TEA) -> tuple:
    """A service's closures, bank holiday closing and sessions with their seasons."""
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        service = session.get(Service, service_id)
        return (
            sorted((c.starts.isoformat(), c.ends.isoformat(), c.reason) for c in service.closures),
            service.closed_on_bank_holidays,
            sorted(
                (s.byday, s.opens_at, s.closes_at, s.valid_from, s.valid_to)
                for s in service.schedules
            ),
        )


def test_closures_and_seasons_survive_an_export_and_an_import(small_app, databases, tmp_path):
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        service = session.get(Service, TEA)
        service.closed_on_bank_holidays = True
        service.closures = [
            Closure(starts=date.fromisoformat(a), ends=date.fromisoformat(b), reason=why)
            for a, b, why in CLOSURES
        ]
        service.schedules.append(
            Schedule(
                byday="SA",
                opens_at="10:00",
                closes_at="12:00",
                valid_from=date(2027, 7, 24),
                valid_to=date(2027, 8, 28),
            )
        )
        session.commit()
    expected = opening_of(small_app)
    assert expected[0] and expected[1] and any(s[3] for s in expected[2])
    out = tmp_path / "out"
    assert run(small_app, "export-oruk", str(out)).exit_code == 0
    exported = next(
        s for s in json.loads((out / "services.json").read_text()) if s["id"] == str(TEA)
    )
    shut = [s for s in exported["schedules"] if closures.is_closure(s)]
    assert {s["description"] for s in shut} == {
        "Closed: Christmas break",
        "Closed",
        "Closed on bank holidays",
    }
    assert {k for s in shut for k in s} <= {
        "id",
        "service_id",
        "valid_from",
        "valid_to",
        "description",
    }
    if UK.exists():  # the standard's own schema passes them
        assert conformance_problems("service", exported) == []
    for source in ("services.json", "datapackage"):
        other = with_needs(make_app(databases.new_migrated(), tmp_path / f"instance-{source}"))
        result = run(other, "import-oruk", str(out / source), "--publish")
        assert result.exit_code == 0, result.output
        assert "Checked: no problems." in result.output  # a closure is no unkept opening
        assert opening_of(other) == expected, source
        dispose(other)


def test_a_closure_from_a_feed_is_read_from_its_words_and_a_bad_one_is_reported():
    feed = [
        {
            "id": "a",
            "valid_from": "2026-08-01",
            "valid_to": "2026-08-31",
            "description": "Closed - summer holidays",
        },
        {"id": "b", "description": "Closed bank holidays."},
        {"id": "c", "valid_from": "2026-08-31", "valid_to": "2026-08-01", "description": "Closed"},
        {"id": "e", "description": "Closed on Sundays"},  # not a date: left out, with a warning
        {
            "id": "d",
            "byday": "MO",
            "opens_at": "10:00",
            "closes_at": "12:00",
            "description": "Closed door meeting",
        },
    ]
    found, bank_holidays = closures.read(feed)
    assert [(c.starts, c.ends, c.reason) for c in found] == [
        (date(2026, 8, 1), date(2026, 8, 31), "summer holidays")
    ]
    assert bank_holidays
    problems: list[tuple[str, str]] = []
    for i, item in enumerate(feed):
        checks._check_schedule(
            f"schedules[{i}]",
            item,
            lambda where, message, error=True: problems.append((where, message, error)),
        )
    # warnings only: a closure that cannot be kept never keeps the service out
    assert problems == [
        (
            "schedules[2].valid_to",
            "a closure's last day (valid_to) is before its first (valid_from): "
            "this closure is not kept",
            False,
        ),
        (
            "schedules[3].valid_from",
            "a closure needs its first day (YYYY-MM-DD) in valid_from: this closure is not kept",
            False,
        ),
    ]
