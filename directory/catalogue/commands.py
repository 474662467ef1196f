"""`flask --app wsgi seed`: load the needs vocabulary and a catalogue (the Leeds demo by
default), or the vocabulary alone."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from directory import db, migrate, search
from directory.catalogue import seeding
from directory.catalogue.seed_files import CatalogueError


@click.command("seed")
@with_appcontext
@click.option(
    "--from",
    "folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    show_default="the Leeds demo catalogue",
    help="A catalogue folder in the seed format.",
)
@click.option(
    "--vocabulary-only",
    is_flag=True,
    help="Load the needs, their synonyms and the search phrases, not a catalogue "
    "(for a directory that imports its own listings).",
)
def seed_command(folder: Path | None, vocabulary_only: bool) -> None:
    """Load the needs vocabulary and the demo catalogue; running it again changes nothing.

    The vocabulary files are its first load: what managers changed on /manage/vocabulary
    (a need's label, description or synonyms; a search phrase added, changed or removed)
    is left as they left it, and listed, never overwritten by the files."""
    if vocabulary_only and folder is not None:
        raise click.UsageError("--vocabulary-only loads no catalogue: leave out --from.")
    migrate.require_schema()
    with Session(db.engine()) as session:
        try:
            if vocabulary_only:
                kept = seeding.seed_vocabulary(session)
            else:
                kept = seeding.seed(session, folder)
        except CatalogueError as error:
            count = len(error.problems)
            problems = "\n".join(f"  - {p}" for p in error.problems)
            raise click.ClickException(
                f"The files have {count} problem(s); nothing was loaded:\n{problems}"
            ) from None
        click.echo(str(seeding.counts(session)))
        if str(kept):
            click.echo(str(kept))
        # Listings' search words include their needs' synonyms: rebuild after either load.
        indexed = search.rebuild(session, search.index())
        click.echo(f"Search index rebuilt: {indexed} searchable services.")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
