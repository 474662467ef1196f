"""API tokens: a program uses the link workers' API as the person who made the token.

Tokens are long random strings, shown once when made; only their SHA-256 hash is kept, so
a copy of the database does not give anyone a working token. (A slow password hash is not
needed: a token has 256 bits of randomness, nothing to guess.)

    flask --app wsgi create-token linkworker@example.org --label "Practice system"

(the commands are in directory/accounts/commands.py)
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from sqlmodel import Session, select

from directory.accounts.permissions import may_match
from directory.accounts.security_log import record_security_event
from directory.models import ApiToken, SecurityEventKind, User, utcnow

PREFIX = "sp_"
MAX_LABEL = 100
# Writing "last used" on every request would make each call a write; a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token that cannot be made; `str(error)` says why."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, label: str) -> str:
    """Make a token for the user and return it: the only time it can be read."""
    label = " ".join(label.split())
    if not label:
        raise TokenError("Give the token a label, such as the name of the program using it.")
    if len(label) > MAX_LABEL:
        raise TokenError(f"Keep the label under {MAX_LABEL} characters.")
    if not may_match(user):
        raise TokenError(f"{user.email} is not a link worker or admin.")
    token = PREFIX + secrets.token_urlsafe(32)
    made = ApiToken(user_id=user.id, label=label, token_hash=token_hash(token))
    session.add(made)
    session.commit()
    record_security_event(
        SecurityEventKind.API_TOKEN_CREATED, user, detail=f"token {made.id}", session=session
    )
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The owner of a live token, noting when it was used; None for unknown or revoked ones."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    found = session.exec(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token), ApiToken.revoked == False)  # noqa: E712
    ).first()
    if found is None:
        return None
    user = session.get(User, found.user_id)
    if user is None or not user.is_active:
        return None
    last = found.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    now = utcnow()
    if last is None or now - last > TOUCH_EVERY:
        found.last_used_at = now
        session.add(found)
        session.commit()
    return user


def revoke(session: Session, user: User, label: str) -> int:
    """Revoke the user's live tokens with this label; how many were revoked."""
    tokens = session.exec(
        select(ApiToken).where(
            ApiToken.user_id == user.id,
            ApiToken.label == label,
            ApiToken.revoked == False,  # noqa: E712
        )
    ).all()
    for token in tokens:
        token.revoked = True
        session.add(token)
    session.commit()
    for token in tokens:
        record_security_event(
            SecurityEventKind.API_TOKEN_REVOKED, user, detail=f"token {token.id}", session=session
        )
    return len(tokens)
