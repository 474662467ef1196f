"""Alembic, driven from the app's settings: every schema change is a migration, and the
`flask db ...` commands that run them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from directory import db

if TYPE_CHECKING:  # Alembic is imported by the commands that use it, not by every web
    # process: it held about 11 MB in each, for commands a web process never runs
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: sa.Engine) -> Config:
    """An Alembic config pointing at our migrations and at this engine."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def make_revision(engine: sa.Engine, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    command.revision(alembic_config(engine), message=message, autogenerate=True)


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: sa.Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def require_schema() -> None:
    """Stop a command, with what to do, when the database is not at the newest schema."""
    engine = db.engine()
    if current_revision(engine) != head_revision(engine):
        raise click.ClickException(
            "The database schema is not up to date: run `flask --app wsgi db upgrade` first."
        )


# --- commands: `flask db upgrade|downgrade|current|revision` and `init-db` -------------

db_group = AppGroup("db", help="Database schema migrations (Alembic).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (the newest by default)."""
    upgrade(db.engine(), revision)
    click.echo(f"Database at revision {current_revision(db.engine())}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (for example -1)."""
    downgrade(db.engine(), revision)
    click.echo(f"Database at revision {current_revision(db.engine())}.")


@db_group.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one."""
    engine = db.engine()
    click.echo(f"database: {current_revision(engine)}; newest: {head_revision(engine)}")


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the change does.")
def db_revision(message: str) -> None:
    """Write a new migration from the models (review it before committing)."""
    make_revision(db.engine(), message)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade every table (the same as `db upgrade`)."""
    upgrade(db.engine())
    click.echo("Database ready.")


def init_app(app: Flask) -> None:
    """Add the database commands to the app's `flask` command."""
    app.cli.add_command(db_group)
    app.cli.add_command(init_db)
