"""`flask --app wsgi create-user`, `set-role`, `create-token`, `revoke-token`,
`reset-two-factor`; and the security log's step of `purge-expired`."""

from __future__ import annotations

import uuid

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session, select

from directory import db, migrate, privacy
from directory.accounts import api_tokens, security_log, two_factor, users
from directory.accounts.users import hash_password, validate_email, validate_password
from directory.models import Organisation, Role, User


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--org", "org_id", help="Organisation id (editors only).")
@click.password_option(help="Asked for if not given.")
def create_user(email: str, role: str, org_id: str | None, password: str) -> None:
    """Create an account that can sign in."""
    migrate.require_schema()
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


@click.command("create-token")
@click.argument("email")
@click.option("--label", required=True, help="What the token is for (shown in lists).")
@with_appcontext
def create_token(email: str, label: str) -> None:
    """Make an API token for EMAIL's account and print it (it is shown only this once)."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        try:
            token = api_tokens.create_token(session, _user(session, email), label)
        except api_tokens.TokenError as error:
            raise click.ClickException(str(error)) from None
    click.echo(token)
    click.echo("Keep it secret: it is not stored and cannot be shown again.", err=True)


@click.command("revoke-token")
@click.argument("email")
@click.option("--label", required=True, help="The label the token was made with.")
@with_appcontext
def revoke_token(email: str, label: str) -> None:
    """Revoke EMAIL's API tokens with this label."""
    with Session(db.engine()) as session:
        count = api_tokens.revoke(session, _user(session, email), " ".join(label.split()))
    if not count:
        raise click.ClickException(f"No live token of {email.strip()} is labelled “{label}”.")
    click.echo(f"Revoked {count} token(s).")


@click.command("set-role")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([r.value for r in Role if r != Role.EDITOR]), required=True
)
@with_appcontext
def set_role(email: str, role: str) -> None:
    """Give EMAIL's account another role (admin, manager or link worker); it is signed out."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        user = _user(session, email)
        users.set_role(session, user, Role(role))
        click.echo(f"{user.email} is now {role}.")


@click.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor(email: str) -> None:
    """Forget EMAIL's authenticator and recovery codes (a lost phone): it sets up again."""
    migrate.require_schema()
    with Session(db.engine()) as session:
        user = _user(session, email)
        two_factor.reset(session, user)
        click.echo(f"Two-factor sign-in of {user.email} is reset; it is signed out everywhere.")


def _find_organisation(session: Session, org_id: str) -> Organisation | None:
    try:
        return session.get(Organisation, uuid.UUID(org_id))
    except ValueError:
        return None


def _user(session: Session, email: str) -> User:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"There is no account for {email.strip()[:254]}.")
    return user


def init_app(app: Flask) -> None:
    for command in (create_user, set_role, create_token, revoke_token, reset_two_factor):
        app.cli.add_command(command)
    privacy.add_purge_step(app, "security log", security_log.purge_step)
