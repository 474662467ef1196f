"""`flask --app wsgi report NAME [--from DATE] [--to DATE] [--format table|csv|json]`."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from directory import clock, db, migrate
from directory.reports import queries
from directory.reports.tables import Period, PeriodError, csv_text


@click.command("report")
@click.argument("name", type=click.Choice(sorted(queries.REPORTS)))
@click.option("--from", "start", default="", help="First day counted (YYYY-MM-DD).")
@click.option("--to", "end", default="", help="Last day counted (YYYY-MM-DD); today if left out.")
@click.option(
    "--format",
    "form",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@with_appcontext
def report(name: str, start: str, end: str, form: str) -> None:
    """Print a report: the same numbers as its page, small numbers hidden."""
    migrate.require_schema()
    try:
        period = Period.read(start, end, clock.today())
    except PeriodError as error:
        raise click.BadParameter(str(error)) from None
    with Session(db.engine()) as session:
        made = queries.run(session, name, period)
    if form == "json":
        click.echo(json.dumps(made.as_json(), indent=2, ensure_ascii=False))
        return
    if form == "csv":
        for table in made.tables:
            click.echo(f"# {table.title}")
            click.echo(csv_text(table), nl=False)
            click.echo()
        return
    click.echo(f"{made.title}, {made.period.label()}")
    click.echo(made.counts)
    for table in made.tables:
        click.echo()
        click.echo(table.title)
        click.echo(_aligned(table.headings, table.cells()))
        if table.note:
            click.echo(table.note)


def _aligned(headings: list[str], rows: Sequence[Sequence[object]]) -> str:
    texts = [[str(c) for c in headings], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[n]) for row in texts) for n in range(len(headings))]
    lines = [
        "  ".join(text.ljust(widths[n]) for n, text in enumerate(row)).rstrip() for row in texts
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) if rows else "(nothing in this period)"


def init_app(app: Flask) -> None:
    app.cli.add_command(report)
