"""Whose case it is, and the record of each look: the little of cases.py (branch
i14-cases) that plans and wellbeing need, kept here so this branch stands alone.

At merge: `owned_case` and `record_access` give way to `cases.owned` and
`cases.record_access` (the same rules: a case is its owner's only; managers and admins
supervise every caseload read-only on their own pages, which include this branch's
partials with `read_only`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from directory.models import Case, CaseAccess, User

ACTIONS = ("viewed", "created", "changed", "closed", "reopened", "reassigned", "exported")


def owned_case(session: Session, user: Any, case_id: uuid.UUID | str) -> Case | None:
    """The case if it is on this user's caseload; None for another's, or an unknown id (the
    page says "not found": a case's existence is private too)."""
    try:
        key = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except ValueError:
        return None
    found = session.get(Case, key)
    return found if found is not None and found.owner_id == user.id else None


def record_access(session: Session, case: Case, user: User | None, action: str) -> None:
    """Note who looked at or changed the case, and when: never what they saw."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown case action {action!r}")
    session.add(
        CaseAccess(case_id=case.id, user_id=user.id if user is not None else None, action=action)
    )
    session.commit()
