"""`flask --app wsgi export-oruk DEST`, `flask --app wsgi import-oruk SOURCE`, the spreadsheet
commands, and `flask --app wsgi feeds add URL --name NAME` / `feeds sync [NAME]`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlmodel import Session

from directory import db, migrate, search
from directory.models import FeedSync
from directory.oruk import checks, export, feeds, importing, readiness, reading, spreadsheet
from directory.oruk.archives import Limits

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
@click.option(
    "--source",
    "source_name",
    metavar="NAME",
    help="The directory's name, shown beside each listing's last check "
    "(default: a name from the file or folder).",
)
def import_oruk(source: Path, skip_invalid: bool, publish: bool, source_name: str | None) -> None:
    """Import SOURCE: a JSON array of HSDS 3 services, a Page of /services, or a datapackage
    (folder or zip). Checks everything first; a file with errors changes nothing."""
    migrate.require_schema()
    name = (source_name or "").strip() or reading.source_name(source)
    try:
        found = reading.read_source(source, Limits.from_config(current_app.config))
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
                session, services, report, publish=publish, source=name, progress=bar
            )
        search.refresh(session, search.index(), result.changed_ids)
        ready = readiness.check(session, result.changed_ids, result.unmapped)
    _show_result(result, publish, ready)


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


def _show_some(heading: str, lines: list[str], where: str) -> None:
    """A heading and the first SHOWN_PROBLEMS lines under it; the rest are counted, with
    where to see them all (an import of thousands would otherwise print a wall)."""
    if not lines:
        return
    click.echo(heading)
    for line in lines[:SHOWN_PROBLEMS]:
        click.echo(f"  {line}")
    if len(lines) > SHOWN_PROBLEMS:
        click.echo(f"  … and {len(lines) - SHOWN_PROBLEMS} more: see them all at {where}.")


def _show_result(result: importing.ImportResult, publish: bool, ready: readiness.Readiness) -> None:
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
    # the terms that meet no need are listed once, under "Ready for matching"
    if result.directory_area:
        click.echo(result.directory_area_words())
    _show_some("Likely duplicates to check:", result.duplicates, "/manage/duplicates")
    _show_some(
        "Held back for a manager (not published: they look like another listing):",
        result.held_back,
        "the manager's tasks, /manage/",
    )
    for line in ready.lines():
        click.echo(line)


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
            limits = Limits.from_config(current_app.config)
            sheet = spreadsheet.read_sheet(source, limits, needs)
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
        result = importing.import_services(
            session, sheet.services, report, publish=publish, source=reading.source_name(source)
        )
        search.refresh(session, search.index(), result.changed_ids)
        ready = readiness.check(session, result.changed_ids, result.unmapped)
    _show_result(result, publish, ready)


feeds_group = AppGroup("feeds", help="Follow other directories' Open Referral UK feeds.")


@feeds_group.command("add")
@click.argument("url")
@click.option("--name", required=True, help="What to call the feed, such as 'Leeds Directory'.")
@click.option(
    "--trusted",
    is_flag=True,
    help="Publish the feed's new listings at once (otherwise they wait for review).",
)
def add_feed(url: str, name: str, trusted: bool) -> None:
    """Follow the Open Referral UK API at URL (its base, such as https://example.org/api/v1)."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        try:
            feed = feeds.add_feed(session, url=url, name=name, trusted=trusted)
        except feeds.FeedRefused as error:
            raise click.ClickException(
                "The feed was not added:\n" + "\n".join(f"  - {p}" for p in error.problems.values())
            ) from None
        state = "published at once" if feed.trusted else "waiting for review"
        click.echo(f"Following “{feed.name}” at {feed.url}: new listings {state}.")
        click.echo(f"Sync it now with: flask --app wsgi feeds sync '{feed.name}'")


@feeds_group.command("sync")
@click.argument("name", required=False)
@click.option(
    "--full",
    is_flag=True,
    help="Read every service, not only those changed since the last sync, and flag the "
    "listings the feed no longer has.",
)
def sync_feeds(name: str | None, full: bool) -> None:
    """Sync the feed called NAME, or every feed. Fails (exit status 1) if any sync failed."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        chosen = feeds.all_feeds(session)
        if name is not None:
            found = feeds.named(session, name)
            if found is None:
                known = ", ".join(f"“{f.name}”" for f in chosen) or "none yet"
                raise click.ClickException(f"No feed is called “{name}” (feeds: {known}).")
            chosen = [found]
        if not chosen:
            click.echo("No feeds to sync: add one with `flask --app wsgi feeds add URL --name N`.")
            return
        failed = 0
        for feed in chosen:
            run = feeds.sync(session, feed, full=full)
            _show_sync(feed.name, run)
            failed += not run.succeeded
    if failed:
        raise click.ClickException(f"{failed} of {len(chosen)} feed(s) could not be synced.")


@feeds_group.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask to confirm.")
def remove_feed(name: str, yes: bool) -> None:
    """Stop following the feed called NAME: the listings it brought stay; its records of
    them and its sync history go; its changes waiting for review are withdrawn."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        feed = feeds.named(session, name)
        if feed is None:
            known = ", ".join(f"“{f.name}”" for f in feeds.all_feeds(session)) or "none"
            raise click.ClickException(f"No feed is called “{name}” (feeds: {known}).")
        if not yes:
            click.confirm(
                f"Stop following “{feed.name}”? The listings it brought stay.", abort=True
            )
        removed = feeds.remove_feed(session, feed)
    click.echo(removed.in_words)


def _show_sync(name: str, run: FeedSync) -> None:
    what = "every service" if run.modified_after is None else "changes since the last sync"
    if run.succeeded:
        click.echo(
            f"{name} ({what}): {feeds.sync_in_words(run)}"
            + (f", {run.skipped} not imported (errors below)." if run.skipped else ".")
        )
    else:
        click.echo(f"{name}: not synced.")
    for problem in run.problems:
        click.echo(f"  - {problem}")


def init_app(app: Flask) -> None:
    for command in (export_oruk, import_oruk, spreadsheet_template, import_spreadsheet):
        app.cli.add_command(command)
    app.cli.add_command(feeds_group)
