"""Flask commands: `db upgrade`, `init-db`, `seed`, `create-user`, `send-reminders` and more."""

from __future__ import annotations

import uuid
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlmodel import Session, select

from directory import db, freshness, mail, migrate, search, seeding
from directory.accounts import hash_password, validate_email, validate_password
from directory.models import Organisation, Role, User
from seed.catalogue import DEMO_PLACE, CatalogueError

db_group = AppGroup("db", help="Database schema migrations (Alembic).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to REVISION (the newest by default)."""
    migrate.upgrade(db.engine(), revision)
    click.echo(f"Database at revision {migrate.current_revision(db.engine())}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION (for example -1)."""
    migrate.downgrade(db.engine(), revision)
    click.echo(f"Database at revision {migrate.current_revision(db.engine())}.")


@db_group.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one."""
    engine = db.engine()
    click.echo(
        f"database: {migrate.current_revision(engine)}; newest: {migrate.head_revision(engine)}"
    )


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the change does.")
def db_revision(message: str) -> None:
    """Write a new migration from the models (review it before committing)."""
    migrate.make_revision(db.engine(), message)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade every table (the same as `db upgrade`)."""
    migrate.upgrade(db.engine())
    click.echo("Database ready.")


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
    _require_schema()
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


@click.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the search index from the database (safe while the site is running)."""
    _require_schema()
    with Session(db.engine()) as session:
        count = search.rebuild(session, search.index())
    click.echo(f"Search index rebuilt: {count} searchable services.")


@click.command("check-index")
@click.option("--repair", is_flag=True, help="Fix what differs, without a full rebuild.")
@with_appcontext
def check_index(repair: bool) -> None:
    """Report where the search index and the database disagree (count, ids, versions)."""
    _require_schema()
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
        if drift.clean:
            click.echo("The index matches the database.")
            return
        if not repair:
            raise click.ClickException("The index has drifted: run with --repair to fix it.")
        search.repair(session, index, drift)
        after = search.check(session, index)
        click.echo("Repaired." if after.clean else "Some drift remains: run `reindex`.")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--org", "org_id", help="Organisation id (editors only).")
@click.password_option(help="Asked for if not given.")
def create_user(email: str, role: str, org_id: str | None, password: str) -> None:
    """Create an account that can sign in."""
    _require_schema()
    problems = validate_email(email) + validate_password(password)
    if role == Role.EDITOR and not org_id:
        problems.append("An editor belongs to an organisation: give --org ORG_ID.")
    if role != Role.EDITOR and org_id:
        problems.append("Only editors belong to an organisation: leave out --org.")
    with Session(db.engine()) as session:
        organisation = None
        if org_id:
            organisation = _find_organisation(session, org_id)
            if organisation is None:
                problems.append(f"There is no organisation with id {org_id}.")
        email = email.strip().lower()
        if session.exec(select(User).where(User.email == email)).first():
            problems.append(f"There is already an account for {email}.")
        if problems:
            raise click.ClickException("\n".join(problems))
        user = User(
            email=email,
            password_hash=hash_password(password),
            role=Role(role),
            organization_id=organisation.id if organisation else None,
        )
        session.add(user)
        session.commit()
        click.echo(f"Created {role} {email}.")


@click.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Email the reminders due today to confirm listings are still right (run daily from cron)."""
    _require_schema()
    # Links in the emails need the site's address, which a command has no request to give.
    base_url = current_app.config["PUBLIC_URL"]
    with current_app.test_request_context(base_url=base_url), Session(db.engine()) as session:
        run = freshness.send_reminders(session, mail.send)
    click.echo(
        f"Sent {run.sent} reminder(s) in {run.emails} email(s); "
        f"{run.skipped_no_address} listing(s) have nobody to remind."
    )


def _find_organisation(session: Session, org_id: str) -> Organisation | None:
    try:
        return session.get(Organisation, uuid.UUID(org_id))
    except ValueError:
        return None


def _require_schema() -> None:
    engine = db.engine()
    if migrate.current_revision(engine) != migrate.head_revision(engine):
        raise click.ClickException(
            "The database schema is not up to date: run `flask --app wsgi db upgrade` first."
        )


def register(app: Flask) -> None:
    app.cli.add_command(db_group)
    for command in (init_db, seed_command, reindex, check_index, create_user, send_reminders):
        app.cli.add_command(command)
    from directory import api_tokens, match_commands, merge_commands

    match_commands.register(app)
    api_tokens.register(app)
    merge_commands.register(app)
