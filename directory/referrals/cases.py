"""A link worker's cases: the minimum the referrals need (the cases helper's module replaces
this one at merge: keep its `record_access` and `owned`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from directory.models import Case, CaseAccess


def owned(session: Session, user: Any, case_id: uuid.UUID | str) -> Case | None:
    """The user's own case by id, or None (missing, or another link worker's)."""
    try:
        key = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except ValueError:
        return None
    found = session.get(Case, key)
    if found is None or user is None or found.owner_id != user.id:
        return None
    return found


def record_access(session: Session, case: Case, user: Any, action: str) -> None:
    """Note who looked at or changed a case, and when: never what they saw."""
    session.add(CaseAccess(case_id=case.id, user_id=getattr(user, "id", None), action=action))
    session.commit()
