"""Keep only what is needed: out of the server's own logs, what people search for and who
searched; out of the database, personal data past its retention period.

Search words and postcodes travel in the query string, and the development
server logs every request line with the client's address. The privacy notice
promises neither is kept, so both are cut before a log line is written.
(In production, run gunicorn without an access log, or with a format that
leaves out %(h)s and %(q)s.)

`flask --app wsgi purge-expired` runs every purge step a feature added with
`add_purge_step(app, name, step)` (closed cases' personal fields; later the search log,
the security log), each told today's date and whether this is a dry run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from directory import clock, db, migrate

QUERY_STRING = re.compile(r"(/[^?\s]*)\?\S*")
CLIENT_ADDRESS = re.compile(r"^\S+ - - ")


class ForgetSearches(logging.Filter):
    """Drops the query string and the client's address from logged requests."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = CLIENT_ADDRESS.sub("- - ", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                QUERY_STRING.sub(r"\1", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def register() -> None:
    """Attach the filter to werkzeug's request log, once per process."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, ForgetSearches) for f in logger.filters):
        logger.addFilter(ForgetSearches())


# --- purging what is past its retention period ----------------------------------------------

PURGE_STEPS = "signpost.purge_steps"
# step(session, config, today, dry_run) -> (how many, a sentence saying what went or would go)
PurgeStep = Callable[[Session, dict[str, object], date, bool], tuple[int, str]]


def add_purge_step(app: Flask, name: str, step: PurgeStep) -> None:
    """A feature's step of purge-expired, run in the order added."""
    steps: list[tuple[str, PurgeStep]] = app.extensions.setdefault(PURGE_STEPS, [])
    steps.append((name, step))


def purge(
    app: Flask, session: Session, today: date, *, dry_run: bool = False
) -> list[tuple[str, int, str]]:
    """Run every purge step (each commits its own work, unless a dry run): what each did."""
    done = []
    for name, step in app.extensions.get(PURGE_STEPS, []):
        count, words = step(session, app.config, today, dry_run)
        done.append((name, count, words))
    return done


@click.command("purge-expired")
@click.option("--dry-run", is_flag=True, help="Say what would go, and change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Clear personal data past its retention period (closed cases' personal fields, ...)."""
    migrate.require_schema()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with Session(db.engine()) as session:
        done = purge(app, session, clock.today(), dry_run=dry_run)
    for name, _count, words in done:
        click.echo(f"{name}: {words}")
    if dry_run:
        click.echo("Dry run: nothing was changed.")


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_command)
