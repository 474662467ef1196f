"""Who may do what: the one place that decides.

Each role has a set of actions (POLICY). An editor may act only on the organisation
they belong to and its services: `can(user, action, target)` checks that too. Views
use the decorators; a view that loads a listing by an id from the URL or a form calls
`authorise(action, target)`, which answers 404 for someone else's listing, so that an
editor who changes an id learns nothing, not even that it exists.
"""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from directory.accounts.users import TEAM_ROLES
from directory.extensions import login_manager
from directory.models import (
    ListingReport,
    ListingRevision,
    Organisation,
    OrganisationRequest,
    Referral,
    Role,
    Service,
)

F = TypeVar("F", bound=Callable[..., Any])


class Action(enum.StrEnum):
    EDIT_LISTING = "edit_listing"  # organisation and service details, capacity
    CONFIRM_LISTING = "confirm_listing"  # "it is still right"
    INVITE_EDITOR = "invite_editor"  # a colleague joins the organisation
    SEE_TASKS = "see_tasks"  # reports of problems, stale listings, own revisions
    MODERATE = "moderate"  # approve or return revisions, organisations, claims
    SEE_HISTORY = "see_history"  # the audit trail of a listing
    PUBLISH_DIRECTLY = "publish_directly"  # an edit goes live without review
    MANAGE_CATALOGUE = "manage_catalogue"  # taxonomy, synonyms, imports, exports, reports
    MATCH = "match"  # matching, shortlists, referrals, one's own caseload
    SUPERVISE_CASES = "supervise_cases"  # every caseload, a case read-only, reassign
    MANAGE_USERS = "manage_users"
    ANSWER_REFERRALS = "answer_referrals"  # a provider's answers to referrals to it
    # professionals' shared notes on services (what worked, waiting times): never public
    SEE_SERVICE_NOTES = "see_service_notes"
    WRITE_SERVICE_NOTES = "write_service_notes"  # and change or delete one's own


POLICY: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.MANAGER: frozenset(
        {
            Action.EDIT_LISTING,
            Action.CONFIRM_LISTING,
            Action.INVITE_EDITOR,
            Action.SEE_TASKS,
            Action.MODERATE,
            Action.SEE_HISTORY,
            Action.PUBLISH_DIRECTLY,
            Action.MANAGE_CATALOGUE,
            Action.SUPERVISE_CASES,
            Action.SEE_SERVICE_NOTES,
        }
    ),
    Role.LINK_WORKER: frozenset(
        {Action.MATCH, Action.SEE_SERVICE_NOTES, Action.WRITE_SERVICE_NOTES}
    ),
    # the PCN's mental health practitioner: a link worker's rights over cases, matching and
    # referrals, and the shared notes on services
    Role.MHP: frozenset({Action.MATCH, Action.SEE_SERVICE_NOTES, Action.WRITE_SERVICE_NOTES}),
    Role.EDITOR: frozenset(
        {
            Action.EDIT_LISTING,
            Action.CONFIRM_LISTING,
            Action.INVITE_EDITOR,
            Action.SEE_TASKS,
            Action.ANSWER_REFERRALS,
        }
    ),
}
# Roles whose actions reach only the listings of their own organisation.
OWN_ORGANISATION_ONLY = frozenset({Role.EDITOR})
# Roles that hold a caseload of their own: a manager hands cases between them; an admin
# invites them to the team (users.TEAM_ROLES, the same roles in the order a form lists them).
CASEWORKER_ROLES = frozenset(TEAM_ROLES)


def organisation_of(target: object) -> uuid.UUID | None:
    """The organisation a listing, revision, report or request belongs to."""
    if isinstance(target, Organisation):
        return target.id
    if isinstance(target, Service | ListingRevision | OrganisationRequest | Referral):
        return target.organization_id
    if isinstance(target, ListingReport):
        return target.service.organization_id
    raise TypeError(f"No organisation for {type(target).__name__}")


def can(user: Any, action: Action, target: object | None = None) -> bool:
    """Whether user may take action (on target, when the action is about one listing)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    role = Role(user.role)
    if action not in POLICY[role]:
        return False
    if target is not None and role in OWN_ORGANISATION_ONLY:
        return user.organization_id is not None and organisation_of(target) == user.organization_id
    return True


def authorise(action: Action, target: object | None) -> Any:
    """The target, if the current user may act on it; 404 otherwise (missing or not theirs)."""
    if target is None or not can(current_user, action, target):
        abort(404)
    return target


def require_permission(action: Action) -> Callable[[F], F]:
    """A view for people whose role allows action: others sign in, or get 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def require_role(*roles: Role) -> Callable[[F], F]:
    """A view for people with one of these roles: others sign in, or get 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if Role(current_user.role) not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def require_sign_in(view: F) -> F:
    """A view for anyone signed in."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


# --- matching: the link workers' pages and the match API -------------------------------
# Matching is the `match` action; the feedback that flags listings for review is seen by
# those who match and those who moderate.


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


# --- cases: a link worker's own; managers and admins supervise every caseload ------------

supervisor_required: Callable[[F], F] = require_permission(Action.SUPERVISE_CASES)


def home_endpoint(user: Any) -> str:
    """Where a role lands after signing in: link workers and mental health practitioners on
    their caseload, editors on their dashboard, managers and admins on the manage pages."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if signed_in and Role(user.role) in CASEWORKER_ROLES:
        return "linkworker.cases"
    return "manage.dashboard"


# --- shared notes on services: link workers, mental health practitioners, managers -------


def may_see_service_notes(user: Any) -> bool:
    return can(user, Action.SEE_SERVICE_NOTES)


def may_write_service_notes(user: Any) -> bool:
    return can(user, Action.WRITE_SERVICE_NOTES)


service_notes_required: Callable[[F], F] = require_permission(Action.SEE_SERVICE_NOTES)
service_note_writers_required: Callable[[F], F] = require_permission(Action.WRITE_SERVICE_NOTES)


# --- referrals: the provider's side -------------------------------------------------------


def may_answer_referral(user: Any, referral: Referral | None) -> bool:
    """Whether user answers for the organisation a referral was made to: its own editors
    only (an admin, who belongs to no organisation, answers nothing for a provider)."""
    return bool(
        referral is not None
        and can(user, Action.ANSWER_REFERRALS, referral)
        and user.organization_id is not None
        and user.organization_id == referral.organization_id
    )
