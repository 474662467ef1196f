"""`flask --app wsgi reindex` and `check-index [--repair]`: the search index and the database."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from directory import db, migrate, privacy, search
from directory.catalogue import changes
from directory.search import retention


@click.command("reindex")
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=lambda: min(2, os.cpu_count() or 1),
    show_default="2, or 1 on one core",
    help="Processes writing the index at once.",
)
@with_appcontext
def reindex(processes: int) -> None:
    """Rebuild the search index from the database (safe while the site is running)."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        count = search.rebuild(session, search.index(), processes)
    click.echo(f"Search index rebuilt: {count} searchable services.")
    click.echo(f"It holds the catalogue's changes up to entry {search.index().applied_change()}.")


@click.command("check-index")
@click.option("--repair", is_flag=True, help="Fix what differs, without a full rebuild.")
@with_appcontext
def check_index(repair: bool) -> None:
    """Report where the search index and the database disagree (count, ids, versions)."""
    migrate.require_schema()
    index = search.index()
    if not index.exists():
        raise click.ClickException("There is no search index yet: run `flask --app wsgi reindex`.")
    with Session(db.engine()) as session:
        drift = search.check(session, index)
        click.echo(
            f"database: {drift.database_count} searchable services; "
            f"index: {drift.index_count}; missing {len(drift.missing)}, "
            f"extra {len(drift.extra)}, out of date {len(drift.stale)}"
        )
        click.echo(_following(index.applied_change(), changes.latest(session)))
        if drift.clean:
            click.echo("The index matches the database.")
            return
        if not repair:
            raise click.ClickException("The index has drifted: run with --repair to fix it.")
        search.repair(session, index, drift)
        after = search.check(session, index)
        click.echo("Repaired." if after.clean else "Some drift remains: run `reindex`.")


def _following(applied: int | None, latest: int) -> str:
    """How far the index has followed the change log (see search/following.py)."""
    if applied is None:
        return (
            "The index has no record of the catalogue's changes it holds: "
            "the site's follower rebuilds it once, or run `reindex`."
        )
    behind = f", {latest - applied} behind" if latest > applied else ""
    return f"The index holds the catalogue's changes up to entry {applied} of {latest}{behind}."


def init_app(app: Flask) -> None:
    app.cli.add_command(reindex)
    app.cli.add_command(check_index)
    privacy.add_purge_step(app, "search log", retention.purge_step)
