"""The security log: one row for each thing that matters to an account's safety.

`record_security_event(kind, user, ...)` is the one way to write it, called by the services
(and, for sign-in, by the view) on sign-ins and failures, password resets, invitations,
role changes, stopped and re-enabled accounts, API tokens, two-factor sign-in and "sign out
everywhere". A row holds who, who did it (when someone else did), when, the client address
as the app sees it (behind SIGNPOST_PROXIES proxies), and a short note in the site's words:
never a password or a code, and no typed text but the address a failed sign-in tried.
Admins read it at /manage/security-log; rows older than SECURITY_LOG_MONTHS are deleted by
`flask --app wsgi purge-expired` (its step: `purge_step`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlmodel import Session, col, func, select

from directory import db
from directory.models import SecurityEvent, SecurityEventKind, User, utcnow

DETAIL_LENGTH = 200
# The words an admin reads for each kind, on the log's page and in its filter.
KIND_WORDS: dict[SecurityEventKind, str] = {
    SecurityEventKind.SIGNED_IN: "Signed in",
    SecurityEventKind.SIGN_IN_FAILED: "Sign-in failed",
    SecurityEventKind.SIGNED_OUT_EVERYWHERE: "Signed out everywhere",
    SecurityEventKind.PASSWORD_RESET_REQUESTED: "Password reset asked for",
    SecurityEventKind.PASSWORD_RESET_DONE: "Password reset",
    SecurityEventKind.INVITATION_SENT: "Invitation sent",
    SecurityEventKind.INVITATION_ACCEPTED: "Invitation accepted",
    SecurityEventKind.ROLE_CHANGED: "Role changed",
    SecurityEventKind.ACCOUNT_STOPPED: "Account stopped",
    SecurityEventKind.ACCOUNT_REENABLED: "Account let sign in again",
    SecurityEventKind.API_TOKEN_CREATED: "API token made",
    SecurityEventKind.API_TOKEN_REVOKED: "API token revoked",
    SecurityEventKind.TWO_FACTOR_SET_UP: "Two-factor sign-in set up",
    SecurityEventKind.TWO_FACTOR_USED: "Authenticator code accepted",
    SecurityEventKind.TWO_FACTOR_FAILED: "Authenticator code refused",
    SecurityEventKind.RECOVERY_CODE_USED: "Recovery code used",
    SecurityEventKind.TWO_FACTOR_RESET: "Two-factor sign-in reset",
}


def client_address() -> str | None:
    """The client's address as the app sees it (after ProxyFix), outside a request None."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


def record_security_event(
    kind: SecurityEventKind,
    user: User | uuid.UUID | None,
    *,
    actor: User | uuid.UUID | None = None,
    detail: str = "",
    email: str | None = None,
    session: Session | None = None,
) -> SecurityEvent:
    """Write one event to the log, and commit. `user` is whom it is about, `actor` who did
    it when that was someone else; `detail` a short note in the site's own words."""
    session = session if session is not None else db.session()
    user_id, actor_id = _id(user), _id(actor)
    event = SecurityEvent(
        kind=kind,
        user_id=user_id,
        actor_id=actor_id if actor_id != user_id else None,
        address=client_address(),
        email=email.strip().lower()[:254] if email else None,
        detail=" ".join(detail.split())[:DETAIL_LENGTH],
    )
    session.add(event)
    session.commit()
    return event


def _id(who: User | uuid.UUID | None) -> uuid.UUID | None:
    return who.id if isinstance(who, User) else who


# --- reading and keeping it ------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    events: list[SecurityEvent]
    total: int
    page: int
    pages: int


def events(
    session: Session,
    *,
    kind: SecurityEventKind | None = None,
    user_id: uuid.UUID | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """One page of the log, newest first, of one kind and about (or by) one account if asked."""
    where: list[sa.ColumnElement[bool]] = []
    if kind is not None:
        where.append(col(SecurityEvent.kind) == kind)
    if user_id is not None:
        where.append(
            sa.or_(col(SecurityEvent.user_id) == user_id, col(SecurityEvent.actor_id) == user_id)
        )
    total = session.exec(select(func.count()).select_from(SecurityEvent).where(*where)).one()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.exec(
        select(SecurityEvent)
        .where(*where)
        .order_by(col(SecurityEvent.at).desc(), col(SecurityEvent.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(list(rows), total, page, pages)


def kept_months() -> int:
    """How many months the log keeps (SECURITY_LOG_MONTHS)."""
    return int(current_app.config["SECURITY_LOG_MONTHS"])


def kept_since(now: datetime | None = None) -> datetime:
    """The oldest moment the log keeps (SECURITY_LOG_MONTHS, of 30.44 days, before now)."""
    return (now or utcnow()) - timedelta(days=round(kept_months() * 365.25 / 12))


def purge_step(
    session: Session, config: Mapping[str, object], today: date, dry_run: bool
) -> tuple[int, str]:
    """purge-expired's step for the security log (directory/privacy.py)."""
    since = kept_since()
    older = col(SecurityEvent.at) < since
    months = kept_months()
    if dry_run:
        count = session.exec(select(sa.func.count()).select_from(SecurityEvent).where(older)).one()
        return count, f"would delete {count} entries older than {months} months"
    count = purge(session)
    return count, f"deleted {count} entries older than {months} months"


def purge(session: Session, now: datetime | None = None) -> int:
    """Delete the events older than the retention period; how many went."""
    statement = sa.delete(SecurityEvent).where(col(SecurityEvent.at) < kept_since(now))
    result = session.execute(statement)
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
