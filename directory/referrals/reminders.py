"""The link workers' daily digest of what is due on their open cases: follow-ups, referrals
with no reply after REFERRAL_NO_REPLY_DAYS, wellbeing checks. Sent by `send-reminders`, at
most once a day to each link worker (a row in link_worker_digest says it went)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from directory import clock, security
from directory.models import (
    Case,
    CaseStatus,
    LinkWorkerDigest,
    Referral,
    ReferralStatus,
    User,
)
from directory.referrals import status as steps

log = logging.getLogger(__name__)


@dataclass
class Due:
    """What is due on one link worker's open cases."""

    follow_ups: list[tuple[Case, Referral]] = field(default_factory=list)
    no_reply: list[tuple[Case, Referral]] = field(default_factory=list)
    wellbeing: list[Case] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.follow_ups) + len(self.no_reply) + len(self.wellbeing)


@dataclass(frozen=True)
class DigestRun:
    sent: int
    already_sent: int
    failed: int = 0  # could not be sent: the next run today tries them again


def due_for(session: Session, user: User, today: date) -> Due:
    """What is due today or earlier on the user's open cases."""
    cases = {
        case.id: case
        for case in session.exec(
            select(Case).where(Case.owner_id == user.id, Case.status == CaseStatus.OPEN)
        )
    }
    due = Due()
    if not cases:
        return due
    quiet_since = datetime.combine(
        today - timedelta(days=current_app.config["REFERRAL_NO_REPLY_DAYS"]),
        time(23, 59, 59),
        tzinfo=clock.LONDON,
    )
    referrals = session.exec(
        select(Referral)
        .where(
            col(Referral.case_id).in_(list(cases)),
            col(Referral.status).not_in(list(steps.ENDS)),
        )
        .order_by(col(Referral.follow_up_on), col(Referral.created_at))
    ).all()
    for referral in referrals:
        case = cases[referral.case_id]
        if referral.follow_up_on is not None and referral.follow_up_on <= today:
            due.follow_ups.append((case, referral))
        if (
            referral.status is ReferralStatus.SENT
            and referral.first_reply_at is None
            and referral.created_at <= quiet_since
        ):
            due.no_reply.append((case, referral))
    due.wellbeing = sorted(
        (c for c in cases.values() if c.wellbeing_due_on and c.wellbeing_due_on <= today),
        key=lambda c: (c.wellbeing_due_on, c.reference),
    )
    return due


def day(when: date | None) -> str:
    """'9 March'."""
    return f"{when.day} {when:%B}" if when else ""


def digest_email(due: Due, today: date) -> tuple[str, str]:
    """The subject and text of a digest: case references and services, never more."""

    def link(case: Case) -> str:
        return security.public_url("linkworker.case_referrals", case_id=case.id)

    lines = [f"Hello,\n\nThis is what is due on your cases on {day(today)} {today.year}.\n"]
    if due.follow_ups:
        lines.append("Follow-ups due:")
        lines += [
            f"- {case.reference}: {r.service_name}, follow up by {day(r.follow_up_on)}: "
            f"{link(case)}"
            for case, r in due.follow_ups
        ]
        lines.append("")
    if due.no_reply:
        days = current_app.config["REFERRAL_NO_REPLY_DAYS"]
        lines.append(f"Referrals with no reply after {days} days:")
        lines += [
            f"- {case.reference}: {r.service_name}, sent "
            f"{day(r.created_at.astimezone(clock.LONDON).date())}: {link(case)}"
            for case, r in due.no_reply
        ]
        lines.append("")
    if due.wellbeing:
        lines.append("Wellbeing checks due:")
        lines += [
            f"- {case.reference}: due {day(case.wellbeing_due_on)}: {link(case)}"
            for case in due.wellbeing
        ]
        lines.append("")
    count = len(due)
    subject = f"{count} thing{'s' if count != 1 else ''} due on your cases today"
    return subject, "\n".join(lines)


def link_workers_with_open_cases(session: Session) -> list[User]:
    owners = select(Case.owner_id).where(Case.status == CaseStatus.OPEN).distinct()
    statement = (
        select(User)
        .where(col(User.id).in_(owners), User.active == True)  # noqa: E712
        .order_by(col(User.email))
    )
    return list(session.exec(statement).all())


def send_digests(
    session: Session, send: Callable[[list[str], str, str], Any], today: date | None = None
) -> DigestRun:
    """Email each link worker with something due a digest of it, once a day. Needs a request
    context for the links (the command makes one)."""
    today = today or clock.today()
    sent = already = failed = 0
    for user in link_workers_with_open_cases(session):
        due = due_for(session, user, today)
        if not due:
            continue
        done = session.exec(
            select(LinkWorkerDigest).where(
                LinkWorkerDigest.user_id == user.id, LinkWorkerDigest.sent_on == today
            )
        ).first()
        if done is not None:
            already += 1
            continue
        # Claimed before it is sent: two runs at once send it once (the unique key).
        session.add(LinkWorkerDigest(user_id=user.id, sent_on=today, items=len(due)))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            already += 1
            continue
        subject, body = digest_email(due, today)
        try:
            send([user.email], subject, body)
        except Exception:
            # not sent: let the next run try again today
            claim = session.exec(
                select(LinkWorkerDigest).where(
                    LinkWorkerDigest.user_id == user.id, LinkWorkerDigest.sent_on == today
                )
            ).one()
            session.delete(claim)
            session.commit()
            # the others still get theirs; the message may hold the address: not logged
            log.exception("A link worker's digest could not be sent")
            failed += 1
            continue
        sent += 1
    return DigestRun(sent, already, failed)
