"""`flask --app wsgi backup DEST` and `restore SRC` (see backups.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from directory import db, migrate
from directory.operations import backups


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@with_appcontext
def backup(dest: Path) -> None:
    """Copy the database to DEST (a new file, or a folder) while the site runs."""
    try:
        made = backups.backup(db.engine(), dest)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = f", {made.rows} rows" if made.rows is not None else ""
    click.echo(f"Backed up the {made.kind} database to {made.path}: {made.tables} tables{rows}.")
    click.echo("The search index is not in it: after a restore, `flask --app wsgi reindex`.")


@click.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
@with_appcontext
def restore(src: Path) -> None:
    """Load a backup made by `backup` into this instance's empty database."""
    engine = db.engine()
    try:
        made = backups.restore(engine, src)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {made.tables} tables from {src}.")
    if migrate.current_revision(engine) != migrate.head_revision(engine):
        click.echo("The backup is from an older version: run `flask --app wsgi db upgrade`,")
        click.echo("then `flask --app wsgi reindex` to rebuild the search index.")
    else:
        click.echo("Now run `flask --app wsgi reindex` to rebuild the search index.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(restore)
