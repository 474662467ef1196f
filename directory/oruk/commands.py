"""`flask --app wsgi export-oruk DEST` and `flask --app wsgi import-oruk SOURCE`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from directory import db, migrate, search
from directory.oruk import checks, export, importing, reading, spreadsheet

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar returns

PROGRESS_FROM = 100  # records: smaller files import before a bar would be seen
SHOWN_PROBLEMS = 200


@click.command("export-oruk")
@with_appcontext
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
def export_oruk(destination: Path) -> None:
    """Write the published catalogue to DESTINATION as Open Referral UK JSON and datapackage."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        done = export.export_catalogue(session, destination)
    click.echo(f"Exported {done.services} published services.")
    click.echo(f"  JSON (array of HSDS 3.0 services): {done.json_file}")
    files = sum(1 for n in done.rows.values() if n)
    click.echo(f"  Tabular datapackage: {done.package} ({files} tables with rows)")


@click.command("import-oruk")
@with_appcontext
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--skip-invalid", is_flag=True, help="Import the records without errors and skip the others."
)
@click.option(
    "--publish",
    is_flag=True,
    help="Publish what is imported at once (otherwise it waits for review).",
)
def import_oruk(source: Path, skip_invalid: bool, publish: bool) -> None:
    """Import SOURCE: a JSON array of HSDS 3 services, a Page of /services, or a datapackage
    (folder or zip). Checks everything first; a file with errors changes nothing."""
    migrate.require_schema()
    try:
        found = reading.read_source(source, current_app.config["IMPORT_MAX_BYTES"])
    except reading.SourceError as error:
        raise click.ClickException(
            "Nothing was imported:\n" + "\n".join(f"  - {p}" for p in error.problems)
        ) from None
    services = found.services
    click.echo(f"Read {len(services)} service records ({found.kind}) from {source}.")
    with Session(db.engine()) as session:
        report = checks.check_services(session, services)
        _show_problems(report)
        bad = {p.record for p in report.errors}
        if bad and not skip_invalid:
            raise click.ClickException(
                f"{len(bad)} of {len(services)} records have errors: nothing was imported. "
                "Fix them, or use --skip-invalid to import the others."
            )
        if not services or len(bad) == len(services):
            raise click.ClickException("No record can be imported: nothing was imported.")
        with _progress(len(services)) as bar:
            result = importing.import_services(
                session, services, report, publish=publish, progress=bar
            )
        search.refresh(session, search.index(), result.changed_ids)
    _show_result(result, publish)


class _progress:
    """click's progress bar for large files; nothing for small ones."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.bar: ProgressBar[int] | None = None

    def __enter__(self) -> Callable[[Iterable[int]], Iterable[int]]:
        if self.count < PROGRESS_FROM:
            return lambda items: items
        bar = self.bar = click.progressbar(length=self.count, label="Importing", show_pos=True)
        bar.__enter__()

        def advance(items: Iterable[int]) -> Iterator[int]:
            for item in items:
                yield item
                bar.update(1)

        return advance

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, trace)


def _show_problems(report: checks.Report) -> None:
    if not report.problems:
        click.echo("Checked: no problems.")
        return
    click.echo(f"Checked: {len(report.errors)} error(s), {len(report.warnings)} warning(s).")
    for problem in report.problems[:SHOWN_PROBLEMS]:
        click.echo(f"  - {problem}")
    if len(report.problems) > SHOWN_PROBLEMS:
        click.echo(f"  … and {len(report.problems) - SHOWN_PROBLEMS} more.")


def _show_result(result: importing.ImportResult, publish: bool) -> None:
    state = "published" if publish else "waiting for review"
    click.echo(
        f"Imported: {result.created} new, {result.updated} updated ({state}); "
        f"skipped {len(result.skipped)}."
    )
    for record in result.skipped:
        click.echo(f"  skipped {record}")
    if result.mapped:
        click.echo("Taxonomy terms mapped to needs:")
        for term, need in sorted(result.mapped.items()):
            click.echo(f"  {term} -> {need}")
    if result.unmapped:
        click.echo(
            "Taxonomy terms with no matching need (the services stay findable by their words):"
        )
        for term, names in sorted(result.unmapped.items()):
            click.echo(f"  {term}: {len(names)} service(s)")
    if result.duplicates:
        click.echo("Likely duplicates to check:")
        for line in result.duplicates:
            click.echo(f"  {line}")
    if result.held_back:
        click.echo("Held back for a manager (not published: they look like another listing):")
        for line in result.held_back:
            click.echo(f"  {line}")


@click.command("spreadsheet-template")
@with_appcontext
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def spreadsheet_template(destination: Path) -> None:
    """Write the spreadsheet template (DESTINATION ending .xlsx or .csv)."""
    if destination.suffix.lower() not in (".xlsx", ".csv"):
        raise click.ClickException("Name the template .xlsx or .csv.")
    spreadsheet.write_template(destination)
    click.echo(
        f"Template written to {destination}: one row per service, "
        f"{len(spreadsheet.COLUMNS)} columns."
    )


@click.command("import-spreadsheet")
@with_appcontext
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--publish",
    is_flag=True,
    help="Publish what is imported at once (otherwise it waits for review).",
)
def import_spreadsheet(source: Path, publish: bool) -> None:
    """Import services from a spreadsheet (.csv or .xlsx) in the template's columns.
    Every row is checked first; a sheet with any error changes nothing."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        needs = spreadsheet.needs_by_word(session)
        try:
            sheet = spreadsheet.read_sheet(source, current_app.config["IMPORT_MAX_BYTES"], needs)
        except spreadsheet.SpreadsheetError as error:
            raise click.ClickException(
                "Nothing was imported:\n" + "\n".join(f"  - {p}" for p in error.problems)
            ) from None
        labels = [f"row {n}" for n in sheet.rows]
        report = checks.check_services(session, sheet.services, labels)
        problems = sheet.problems + [str(p) for p in report.problems]
        for line in problems[:SHOWN_PROBLEMS]:
            click.echo(f"  - {line}")
        if sheet.problems or report.errors:
            raise click.ClickException(
                f"{len(sheet.problems) + len(report.errors)} problem(s) in the sheet: nothing "
                "was imported."
            )
        if not sheet.services:
            raise click.ClickException("The sheet has no rows to import.")
        result = importing.import_services(session, sheet.services, report, publish=publish)
        search.refresh(session, search.index(), result.changed_ids)
    _show_result(result, publish)


def init_app(app: Flask) -> None:
    for command in (export_oruk, import_oruk, spreadsheet_template, import_spreadsheet):
        app.cli.add_command(command)
