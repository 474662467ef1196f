"""Who may use the link workers' pages and the match API: decided here and nowhere else.

Until the accounts issue lands its access policy, the rule is the role: link workers,
managers and admins may match people to services; editors and the public may not.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from directory.models import Role

F = TypeVar("F", bound=Callable[..., Any])

MATCHING_ROLES = frozenset({Role.LINK_WORKER, Role.MANAGER, Role.ADMIN})


def may_match(user: Any) -> bool:
    """Whether this user (signed in, or the owner of an API token) may match people."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "role", None) in MATCHING_ROLES
    )


def sign_in_first() -> Any:
    """Send the anonymous to sign in and back: to the accounts' sign-in page where the
    login manager names one, else the development sign-in where it exists, else a 401."""
    manager = current_app.login_manager  # type: ignore[attr-defined]
    if not manager.login_view and "dev_login" in current_app.blueprints:
        return redirect(url_for("dev_login.sign_in", next=request.full_path.rstrip("?")))
    return manager.unauthorized()


def link_worker_required(view: F) -> F:
    """Pages for link workers: the anonymous go to sign in, other roles get a 403."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return sign_in_first()
        if not may_match(current_user):
            abort(403)
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]
