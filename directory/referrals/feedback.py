"""Feedback that closes the loop: what happened when a link worker suggested a service.

Used, unsuitable (with a reason) or no reply: counted per service, shown to link workers
and managers (never the public), and patterns flag a listing for review. Nothing about the
person is kept: the note is short, optional, and the form asks for no names.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, select

from directory.models import FeedbackOutcome, MatchFeedback, Service, User, utcnow

OUTCOMES = {
    FeedbackOutcome.USED: "Used: the person went or is going",
    FeedbackOutcome.UNSUITABLE: "Unsuitable",
    FeedbackOutcome.NO_REPLY: "No reply from the service",
}
UNSUITABLE_REASONS = {
    "not_eligible": "Not eligible after all",
    "too_far": "Too far or hard to get to",
    "wrong_times": "The times did not suit",
    "full": "Full, or the wait was too long",
    "not_as_listed": "Not as the listing describes",
    "closed": "No longer running",
    "declined": "The person did not want it",
    "other": "Another reason",
}
MAX_NOTE = 500

# When a listing is flagged for review (the one place these thresholds live):
# - REVIEW_UNSUITABLE or more "unsuitable" in the last REVIEW_WINDOW_DAYS, for any reason
#   but the person's own choice ("declined" says nothing about the listing); or
# - "no reply" in at least REVIEW_NO_REPLY_SHARE of its feedback in the window, once it has
#   at least REVIEW_NO_REPLY_MIN feedback there (two unanswered calls out of two is chance).
REVIEW_WINDOW_DAYS = 90
REVIEW_UNSUITABLE = 3
REVIEW_NO_REPLY_SHARE = 0.5
REVIEW_NO_REPLY_MIN = 4
NOT_ABOUT_THE_LISTING = frozenset({"declined"})


class FeedbackError(ValueError):
    """Feedback that cannot be recorded: `problems` maps each field to what to do."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def record(
    session: Session,
    user: User,
    service_id: str,
    outcome: str,
    reason: str = "",
    note: str = "",
) -> MatchFeedback:
    """Record what happened with a suggested service; FeedbackError for bad input."""
    problems: dict[str, str] = {}
    service = None
    with contextlib.suppress(ValueError):
        service = session.get(Service, uuid.UUID(service_id))
    if service is None:
        problems["service_id"] = "Choose a service from the list."
    if outcome not in OUTCOMES:
        problems["outcome"] = "Choose what happened: used, unsuitable or no reply."
    reason = reason.strip()
    if outcome == FeedbackOutcome.UNSUITABLE and reason not in UNSUITABLE_REASONS:
        problems["reason"] = "Choose why it was unsuitable."
    if outcome != FeedbackOutcome.UNSUITABLE:
        reason = ""
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        problems["note"] = f"Keep the note to {MAX_NOTE} characters or fewer ({len(note)} now)."
    if problems:
        raise FeedbackError(problems)
    feedback = MatchFeedback(
        service_id=service.id,  # type: ignore[union-attr]
        user_id=user.id,
        outcome=FeedbackOutcome(outcome),
        reason=reason,
        note=note,
    )
    session.add(feedback)
    session.commit()
    return feedback


@dataclass
class Counts:
    """A service's feedback, all time and in the review window."""

    total: Counter[str] = field(default_factory=Counter)
    recent: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)  # unsuitable, in the window

    @property
    def any(self) -> bool:
        return bool(self.total)

    @property
    def flagged(self) -> list[str]:
        """Why these counts flag the listing for review; empty when they don't."""
        return review_reasons(self)


def counts(session: Session, service_id: uuid.UUID, now: datetime | None = None) -> Counts:
    """How link workers' suggestions of this service turned out."""
    return counts_by_service(session, [service_id], now).get(service_id, Counts())


def counts_by_service(
    session: Session, service_ids: list[uuid.UUID] | None = None, now: datetime | None = None
) -> dict[uuid.UUID, Counts]:
    """Counts for the services given (every service with feedback when None)."""
    since = (now or utcnow()) - timedelta(days=REVIEW_WINDOW_DAYS)
    recent = col(MatchFeedback.created_at) >= since
    columns = (
        col(MatchFeedback.service_id),
        col(MatchFeedback.outcome),
        col(MatchFeedback.reason),
        recent,
    )
    # call-overload: sqlmodel's select() is typed for at most four columns; this has five.
    statement = select(*columns, func.count()).group_by(*columns)  # type: ignore[call-overload]
    if service_ids is not None:
        statement = statement.where(col(MatchFeedback.service_id).in_(service_ids))
    found: dict[uuid.UUID, Counts] = {}
    for service_id, outcome, reason, is_recent, count in session.exec(statement).all():
        these = found.setdefault(service_id, Counts())
        these.total[outcome] += count
        if is_recent:
            these.recent[outcome] += count
            if outcome == FeedbackOutcome.UNSUITABLE:
                these.reasons[reason] += count
    return found


@dataclass(frozen=True)
class Flag:
    service: Service
    counts: Counts
    why: list[str]


def review_reasons(found: Counts) -> list[str]:
    """Why these counts call for a review of the listing, in words; empty when they don't."""
    why = []
    unsuitable = sum(
        n for reason, n in found.reasons.items() if reason not in NOT_ABOUT_THE_LISTING
    )
    if unsuitable >= REVIEW_UNSUITABLE:
        why.append(f"{unsuitable} link workers found it unsuitable in {REVIEW_WINDOW_DAYS} days")
    in_window = sum(found.recent.values())
    no_reply = found.recent[FeedbackOutcome.NO_REPLY]
    if in_window >= REVIEW_NO_REPLY_MIN and no_reply / in_window >= REVIEW_NO_REPLY_SHARE:
        why.append(f"no reply {no_reply} times out of {in_window} in {REVIEW_WINDOW_DAYS} days")
    return why


def listings_flagged_for_review(session: Session, now: datetime | None = None) -> list[Flag]:
    """Services whose recent feedback suggests the listing needs checking, worst first."""
    flagged = {
        service_id: (found, why)
        for service_id, found in counts_by_service(session, None, now).items()
        if (why := review_reasons(found))
    }
    if not flagged:
        return []
    services = session.exec(
        select(Service)
        .where(col(Service.id).in_(list(flagged)))
        .options(selectinload(Service.organisation))  # type: ignore[arg-type]
    ).all()
    flags = [Flag(s, *flagged[s.id]) for s in services]
    return sorted(flags, key=lambda f: (-sum(f.counts.recent.values()), f.service.name))
