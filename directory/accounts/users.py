"""Rules for accounts that every way of making or using one (command, form, link) shares."""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from directory import db, tokens
from directory.accounts.security_log import record_security_event
from directory.models import Organisation, Role, SecurityEventKind, User

EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MIN_PASSWORD = 12


# Checked when nobody has the email given, so that a wrong address takes as long as a
# wrong password and the timing tells nobody which addresses have accounts.
@functools.cache
def _nobody_hash() -> str:
    return generate_password_hash("no account has this password", method="scrypt")


def validate_email(email: str) -> list[str]:
    """Problems with an email address, as sentences; empty when it is fine."""
    email = email.strip()
    if len(email) > 254 or not EMAIL.match(email):
        return [f"“{email[:80]}” is not an email address, such as name@example.org."]
    return []


def validate_password(password: str) -> list[str]:
    """Problems with a new password; long passphrases beat composition rules."""
    if len(password) < MIN_PASSWORD:
        return [f"Choose a password of at least {MIN_PASSWORD} characters."]
    if len(password) > 1000:
        return ["Choose a password of at most 1000 characters."]
    return []


def hash_password(password: str) -> str:
    """A salted scrypt hash of a password."""
    return generate_password_hash(password, method="scrypt")


def load_user(user_id: str) -> User | None:
    """The signed-in user for Flask-Login, or None for an unknown, malformed or retired id.

    The id is "<uuid>.<session version>": raising the version retires every session.
    """
    key, _, version = user_id.partition(".")
    try:
        found = db.session().get(User, uuid.UUID(key))
    except ValueError:
        return None
    if found is None or str(found.session_version) != version:
        return None
    return found


def find_by_email(session: Session, email: str) -> User | None:
    """The account with this email (case does not matter), if any."""
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active account these credentials open, or None (without saying which part was wrong)."""
    user = find_by_email(session, email) if len(email) <= 254 else None
    if user is None:
        check_password_hash(_nobody_hash(), password[:1000])
        return None
    if not check_password_hash(user.password_hash, password[:1000]) or not user.active:
        return None
    return user


def sign_out_everywhere(session: Session, user: User) -> None:
    """Retire every session and remember-me cookie of this account."""
    user.session_version += 1
    session.add(user)
    session.commit()
    record_security_event(SecurityEventKind.SIGNED_OUT_EVERYWHERE, user, session=session)


# --- password reset -----------------------------------------------------------------


def _fingerprint(user: User) -> str:
    # Binding the token to the current hash makes it single-use: a new password kills it.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def reset_token(user: User) -> str:
    """A signed link token that lets this user set a new password, once, for a short time."""
    return tokens.make("reset", {"u": str(user.id), "f": _fingerprint(user)})


def user_for_reset(session: Session, token: str) -> User | None:
    """The user a reset token is for, or None if it is bad, expired or already used."""
    hours = current_app.config["RESET_LINK_HOURS"]
    data = tokens.read("reset", token, hours * 3600)
    if data is None:
        return None
    user = tokens.row(session, User, data, "u")
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password and sign the account out everywhere else."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.add(user)
    session.commit()


# --- invitations ----------------------------------------------------------------------


def invite_token(email: str, organisation: Organisation) -> str:
    """A signed link token inviting email to edit the listings of an organisation."""
    return tokens.make("invite", {"e": email.strip().lower(), "o": str(organisation.id)})


def read_invite(session: Session, token: str) -> tuple[str, Organisation] | None:
    """The email and organisation of a good, unused invitation, or None."""
    days = current_app.config["INVITE_LINK_DAYS"]
    data = tokens.read("invite", token, days * 86400)
    if data is None:
        return None
    email = str(data.get("e", ""))
    organisation = tokens.row(session, Organisation, data, "o")
    # Single use: once the account exists, the link has done its job.
    if organisation is None or validate_email(email) or find_by_email(session, email):
        return None
    return email, organisation


def create_editor(session: Session, email: str, organisation: Organisation, password: str) -> User:
    """Make an editor account for an organisation from an accepted invitation."""
    user = User(
        email=email.strip().lower(),
        password_hash=hash_password(password),
        role=Role.EDITOR,
        organization_id=organisation.id,
    )
    session.add(user)
    session.commit()
    record_security_event(
        SecurityEventKind.INVITATION_ACCEPTED,
        user,
        detail=f"editor of organisation {organisation.id}",
        session=session,
    )
    return user


# Who an admin may invite to the team by email: those who hold a caseload. Editors are
# invited by their organisation; managers and admins are made with `create-user` (they set
# up two-factor sign-in at their first sign-in).
TEAM_ROLES = (Role.LINK_WORKER, Role.MHP)
# Each role in words: how a page names it (the author of a note, an invitation).
ROLE_WORDS: dict[str, str] = {
    Role.ADMIN: "Administrator",
    Role.MANAGER: "Manager",
    Role.LINK_WORKER: "Link worker",
    Role.MHP: "Mental health practitioner",
    Role.EDITOR: "Editor",
}


def invite_by_email(
    session: Session,
    email: str,
    link: Callable[[], str],
    subject: str,
    body: Callable[[str], str],
    inviter: User,
    detail: str,
    send: Callable[[str, str, str], Any],
) -> None:
    """Email an invitation (`body` of its `link`) to an address that has no account yet,
    and record it in the security log; an address with an account gets nothing, and the
    page says the same either way, so an invitation tells nobody who has an account."""
    if find_by_email(session, email) is not None:
        return
    send(email, subject, body(link()))
    record_security_event(
        SecurityEventKind.INVITATION_SENT, None, actor=inviter, detail=detail, session=session
    )


def team_invite_token(email: str, role: Role) -> str:
    """A signed link token inviting email to join the team in this role."""
    if role not in TEAM_ROLES:
        raise ValueError(f"Cannot invite a {role.value} by email")
    return tokens.make("invite-team", {"e": email.strip().lower(), "r": role.value})


def read_team_invite(session: Session, token: str) -> tuple[str, Role] | None:
    """The email and role of a good, unused team invitation, or None."""
    days = current_app.config["INVITE_LINK_DAYS"]
    data = tokens.read("invite-team", token, days * 86400)
    if data is None:
        return None
    email = str(data.get("e", ""))
    role = next((r for r in TEAM_ROLES if r.value == data.get("r")), None)
    # Single use: once the account exists, the link has done its job.
    if role is None or validate_email(email) or find_by_email(session, email):
        return None
    return email, role


def create_team_member(session: Session, email: str, role: Role, password: str) -> User:
    """Make a link worker's or mental health practitioner's account from an invitation."""
    if role not in TEAM_ROLES:
        raise ValueError(f"Cannot invite a {role.value} by email")
    user = User(email=email.strip().lower(), password_hash=hash_password(password), role=role)
    session.add(user)
    session.commit()
    record_security_event(
        SecurityEventKind.INVITATION_ACCEPTED,
        user,
        detail=f"joined as {role.value}",
        session=session,
    )
    return user


def editors_of(session: Session, organisation_id: uuid.UUID) -> list[User]:
    """The active editor accounts of an organisation."""
    statement = select(User).where(
        User.organization_id == organisation_id,
        User.role == Role.EDITOR,
        User.active == True,  # noqa: E712
    )
    return list(session.exec(statement).all())


def managers(session: Session) -> list[User]:
    """The active managers and admins, who moderate and receive escalations."""
    statement = select(User).where(
        User.role.in_([Role.MANAGER, Role.ADMIN]),  # type: ignore[attr-defined]
        User.active == True,  # noqa: E712
    )
    return list(session.exec(statement).all())


def set_active(session: Session, user: User, active: bool, actor: User | None = None) -> None:
    """Let an account sign in, or stop it (which also ends its sessions)."""
    user.active = active
    if not active:
        user.session_version += 1
    session.add(user)
    session.commit()
    kind = SecurityEventKind.ACCOUNT_REENABLED if active else SecurityEventKind.ACCOUNT_STOPPED
    record_security_event(kind, user, actor=actor, session=session)


def set_role(session: Session, user: User, role: Role, actor: User | None = None) -> None:
    """Give an account another role (an editor keeps its organisation only as an editor);
    its sessions end, so that nothing it had open keeps the old role's pages."""
    if role == user.role:
        return
    before = Role(user.role)
    user.role = role
    if role != Role.EDITOR:
        user.organization_id = None
    user.session_version += 1
    session.add(user)
    session.commit()
    record_security_event(
        SecurityEventKind.ROLE_CHANGED,
        user,
        actor=actor,
        detail=f"from {before.value} to {role.value}",
        session=session,
    )


def everyone(session: Session) -> list[User]:
    """Every account, by role then email."""
    return list(session.exec(select(User).order_by(User.role, User.email)).all())
