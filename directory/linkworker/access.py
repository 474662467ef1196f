"""Who may use the link workers' pages and the match API, in the words of the one policy
(directory/permissions.py): matching is the `match` action, and the feedback that flags
listings for review is seen by those who match and those who moderate."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from directory.extensions import login_manager
from directory.permissions import Action, can, require_permission

F = TypeVar("F", bound=Callable[..., Any])


def may_match(user: Any) -> bool:
    """Whether this user (signed in, or the owner of an API token) may match people."""
    return bool(user is not None and getattr(user, "is_active", False) and can(user, Action.MATCH))


def may_see_feedback(user: Any) -> bool:
    """Link workers' feedback on services: for those who match and those who moderate."""
    return may_match(user) or can(user, Action.MODERATE)


# Pages for link workers: the anonymous go to sign in, other roles get a 403.
link_worker_required: Callable[[F], F] = require_permission(Action.MATCH)


def feedback_required(view: F) -> F:
    """Pages of feedback on services: the anonymous sign in; those who neither match nor
    moderate get a 403."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not may_see_feedback(current_user):
            abort(403)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
