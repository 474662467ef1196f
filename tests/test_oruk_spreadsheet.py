"""Spreadsheet import: the template imports as it stands (CSV and .xlsx), every problem is
reported by row and column before anything is saved, and a second import updates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import Session, func, select

from directory import db
from directory.models import ListingStatus, Organisation, Service
from directory.oruk.spreadsheet import COLUMNS, NAMES


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def services(app) -> int:
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        return session.exec(select(func.count()).select_from(Service)).one()


def example(**changes: str) -> dict[str, str]:
    row = {c.name: c.example for c in COLUMNS}
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = NAMES) -> str:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[row.get(h, "") for h in header] for row in rows])
    return str(path)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_template_imports_as_it_stands_and_again_updates(small_app, tmp_path, suffix) -> None:
    template = tmp_path / f"template{suffix}"
    assert run(small_app, "spreadsheet-template", str(template)).exit_code == 0
    before = services(small_app)
    first = run(small_app, "import-spreadsheet", str(template))
    assert first.exit_code == 0, first.output
    assert "Imported: 1 new, 0 updated (waiting for review)" in first.output
    second = run(small_app, "import-spreadsheet", str(template))
    assert "Imported: 0 new, 1 updated" in second.output
    assert services(small_app) == before + 1
    with Session(small_app.extensions[db.ENGINE_KEY]) as session:
        service = session.exec(select(Service).where(Service.name == "Armley Walking Group")).one()
        assert service.status == ListingStatus.PENDING_REVIEW
        assert [t.code for t in service.needs] == ["loneliness", "getting_active"]
        assert service.schedules[0].byday == "TU,TH" and service.schedules[0].opens_at == "10:00"
        assert service.locations[0].postal_code == "LS12 3LN" and service.locations[0].latitude
        assert service.minimum_age == 18 and service.is_free
        org = session.get(Organisation, service.organization_id)
        assert org.charity_number == "1234567"


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_saved(
    small_app, tmp_path
) -> None:
    rows = [
        example(),
        example(service_name="Bad Days", days="Funday", service_email="nobody"),
        example(service_name="", description=""),
        example(service_name="Nowhere", postcode="ZZ99 9ZZ", minimum_age="eighteen"),
        example(service_name="Unknown need", needs="knitting", cost="a fiver"),
    ]
    before = services(small_app)
    result = run(small_app, "import-spreadsheet", write_csv(tmp_path / "sheet.csv", rows))
    assert result.exit_code == 1
    for message in [
        "row 3, column 'days': 'Funday' is not a day",
        "row 4, column 'service_name': is required but empty",
        "row 4, column 'description': is required but empty",
        "row 5, column 'minimum_age': 'eighteen' is not an age",
        "row 6, column 'needs': 'knitting' is not a need Signpost knows",
        "row 6, column 'cost': 'a fiver' is not 'free' or a price",
        "nothing was imported",
    ]:
        assert message in result.output, result.output
    assert services(small_app) == before


def test_checks_of_the_standard_are_named_by_row_too(small_app, tmp_path) -> None:
    rows = [example(), example(service_name="Other", service_email="nobody", postcode="ZZ99 9ZZ")]
    result = run(small_app, "import-spreadsheet", write_csv(tmp_path / "sheet.csv", rows))
    assert result.exit_code == 1
    assert "row 3: email: 'nobody' is not a valid email" in result.output
    assert "row 3: service_at_locations[0].location.addresses[0].postal_code:" in result.output


def test_wrong_columns_and_wrong_files_are_refused(small_app, tmp_path) -> None:
    cases = [
        (
            write_csv(tmp_path / "cols.csv", [example()], [*NAMES, "favourite_colour"]),
            "Unknown column(s): favourite_colour",
        ),
        (
            write_csv(tmp_path / "few.csv", [example()], ["organisation_name"]),
            "Missing column(s): service_name, description",
        ),
        (str(tmp_path / "sheet.txt"), "does not exist"),
    ]
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "fake.xlsx").write_text("not a workbook")
    cases += [
        (str(tmp_path / "notes.txt"), "use a .csv or .xlsx file"),
        (str(tmp_path / "fake.xlsx"), "is not an Excel (.xlsx) workbook"),
    ]
    book = Workbook()
    book.active.append(NAMES)
    book.save(tmp_path / "empty.xlsx")
    cases.append((str(tmp_path / "empty.xlsx"), "no rows to import"))
    before = services(small_app)
    for source, message in cases:
        result = run(small_app, "import-spreadsheet", source)
        assert result.exit_code == 1 and message in result.output, (source, result.output)
        assert "Traceback" not in result.output
    assert services(small_app) == before
