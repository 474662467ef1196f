"""`flask --app wsgi seed`: load the needs and a catalogue (the Leeds demo by default)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from directory import db, migrate, search
from directory.catalogue import seeding
from directory.catalogue.seed_files import DEMO_PLACE, CatalogueError


@click.command("seed")
@with_appcontext
@click.option(
    "--from",
    "folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEMO_PLACE,
    show_default="the Leeds demo catalogue",
    help="A catalogue folder in the seed format.",
)
def seed_command(folder: Path) -> None:
    """Load the needs taxonomy and the demo catalogue; running it again changes nothing."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        try:
            seeding.seed(session, folder)
        except CatalogueError as error:
            count = len(error.problems)
            problems = "\n".join(f"  - {p}" for p in error.problems)
            raise click.ClickException(
                f"The catalogue has {count} problem(s); nothing was loaded:\n{problems}"
            ) from None
        click.echo(str(seeding.counts(session)))
        indexed = search.rebuild(session, search.index())
        click.echo(f"Search index rebuilt: {indexed} searchable services.")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
