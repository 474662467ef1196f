"""Who may open a case, and the record of each look: the little of cases.py (branch
i14-cases) that plans and wellbeing need, kept here so this branch stands alone.

At merge: `owned_case`, `visible_case`, `record_access` and `case_worker_required` give
way to the functions of the same job in referrals/cases.py (`owned`, `supervised`,
`record_access`) and accounts/permissions.py. A case is changed by its owner only; a
manager or admin supervising caseloads sees it, read-only.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlmodel import Session

from directory.accounts.permissions import may_match
from directory.extensions import login_manager
from directory.models import Case, CaseAccess, Role, User

F = TypeVar("F", bound=Callable[..., Any])
SUPERVISORS = frozenset({Role.MANAGER, Role.ADMIN})  # see every caseload


def may_work_on_cases(user: Any) -> bool:
    """Link workers (their own cases), managers and admins (every caseload)."""
    if user is None or not getattr(user, "is_active", False):
        return False
    return may_match(user) or Role(user.role) in SUPERVISORS


def visible_case(session: Session, user: Any, case_id: uuid.UUID | str) -> Case | None:
    """The case if this user may see it: its owner, or a manager or admin. None for anyone
    else's case or an unknown id (the page says "not found": its existence is private)."""
    if not may_work_on_cases(user):
        return None
    try:
        key = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except ValueError:
        return None
    found = session.get(Case, key)
    if found is None:
        return None
    if found.owner_id == user.id or Role(user.role) in SUPERVISORS:
        return found
    return None


def owned_case(session: Session, user: Any, case_id: uuid.UUID | str) -> Case | None:
    """The case if it is on this user's own caseload (to change it); None otherwise."""
    found = visible_case(session, user, case_id)
    return found if found is not None and found.owner_id == user.id else None


ACTIONS = ("viewed", "created", "changed", "closed", "reopened", "reassigned", "exported")


def record_access(session: Session, case: Case, user: User | None, action: str) -> None:
    """Note who looked at or changed the case, and when: never what they saw."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown case action {action!r}")
    session.add(
        CaseAccess(case_id=case.id, user_id=user.id if user is not None else None, action=action)
    )
    session.commit()


def case_worker_required(view: F) -> F:
    """Case pages: the anonymous sign in; those who neither match nor supervise get a 403."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not may_work_on_cases(current_user):
            abort(403)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
