"""Keeping listings fresh: confirming they are still right, reminders, and stale listings.

A listing's last_verified date is when its organisation (or a manager) last said it is
right; updated_at is when it last changed. Listings not confirmed within STALE_AFTER_DAYS
are stale: flagged to editors and managers and shown to the public as "last checked N
months ago"; MATCHING_GRACE_DAYS after that they drop out of matching, not out of search.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, col, select

from directory import clock, security, tokens
from directory.accounts import users
from directory.catalogue import published
from directory.listings import editing
from directory.models import (
    ListingReport,
    ListingStatus,
    Organisation,
    ReportKind,
    Service,
    User,
    VerificationReminder,
)

ANSWERS = {
    "still_right": "It is still right",
    "needs_changes": "It needs changes",
    "closed": "The service has closed",
}


def is_stale(service: Service, today: date | None = None) -> bool:
    """Whether the listing has gone unconfirmed for longer than STALE_AFTER_DAYS."""
    today = today or clock.today()
    return service.last_verified is None or service.last_verified < clock.stale_before(today)


def out_of_matching_on(service: Service) -> date | None:
    """The day a listing left unconfirmed drops out of matching (None if never confirmed)."""
    if service.last_verified is None:
        return None
    config = current_app.config
    return service.last_verified + timedelta(
        days=config["STALE_AFTER_DAYS"] + config["MATCHING_GRACE_DAYS"]
    )


def stale_services(
    session: Session, today: date | None = None, organisation_id: uuid.UUID | None = None
) -> list[Service]:
    """Published services not confirmed within the period, oldest first."""
    limit = clock.stale_before(today or clock.today())
    statement = select(Service).where(
        Service.status == ListingStatus.PUBLISHED,
        sa.or_(col(Service.last_verified).is_(None), col(Service.last_verified) < limit),
    )
    if organisation_id is not None:
        statement = statement.where(Service.organization_id == organisation_id)
    statement = statement.order_by(col(Service.last_verified).nulls_first(), col(Service.name))
    return list(session.exec(statement).all())


def confirm(
    session: Session, service: Service, *, user: User | None, actor: str, today: date | None = None
) -> None:
    """Record that the listing is still right today (its version and updated_at stay)."""
    editing.mark_checked(session, service, user=user, actor=actor, today=today)
    session.commit()
    session.refresh(service)
    # search ranks a listing past its check date lower: it is fresh again now
    editing.refresh_search(session, service)


# --- the emailed link ------------------------------------------------------------------


def check_token(service: Service) -> str:
    """A signed link token to answer "is this listing still right?" without signing in."""
    return tokens.make("check", {"s": str(service.id), "v": _checked_on(service)})


def service_for_check(session: Session, token: str) -> Service | None:
    """The service a check link is for, or None if the link is bad, expired or answered."""
    days = current_app.config["CHECK_LINK_DAYS"]
    data = tokens.read("check", token, days * 86400)
    if data is None:
        return None
    service = tokens.row(session, Service, data, "s")
    if service is None or service.status != ListingStatus.PUBLISHED:
        return None
    # Once answered (the date moved on), the link has done its job.
    return service if data.get("v") == _checked_on(service) else None


def _checked_on(service: Service) -> str:
    return service.last_verified.isoformat() if service.last_verified else ""


def report_problem(
    session: Session, service: Service, kind: ReportKind, details: str
) -> ListingReport:
    """Record a problem with a listing, a task for its editors and the managers."""
    report = ListingReport(service_id=service.id, kind=kind, details=details)
    session.add(report)
    session.commit()
    return report


def answer_check(session: Session, service: Service, answer: str) -> None:
    """Act on an answer from the emailed link: confirm, raise a task, or close the listing."""
    actor = "the organisation, by the emailed link"
    if answer == "still_right":
        confirm(session, service, user=None, actor=actor)
    elif answer == "needs_changes":
        report_problem(
            session,
            service,
            ReportKind.WRONG_DETAILS,
            "The organisation says this listing needs changes (answered by email).",
        )
    elif answer == "closed":
        editing.set_status(session, service, ListingStatus.ARCHIVED, user=None, actor=actor)
    else:
        raise ValueError(f"Not an answer: {answer!r}")


# --- reminders -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRun:
    sent: int
    emails: int
    skipped_no_address: int


def reminders_since_checked(session: Session, service: Service) -> list[VerificationReminder]:
    """The reminders sent since the listing was last confirmed, oldest first."""
    statement = select(VerificationReminder).where(VerificationReminder.service_id == service.id)
    if service.last_verified is not None:
        start = datetime.combine(service.last_verified + timedelta(days=1), datetime.min.time())
        statement = statement.where(
            VerificationReminder.sent_at >= start.replace(tzinfo=clock.LONDON)
        )
    return list(session.exec(statement.order_by(VerificationReminder.sent_at)).all())  # type: ignore[arg-type]


def reminder_due(service: Service, sent: list[VerificationReminder], today: date) -> int | None:
    """The number (1-3) of the reminder due today, or None."""
    config = current_app.config
    if len(sent) >= config["REMINDER_LIMIT"]:
        return None
    if sent:
        last = sent[-1].sent_at.astimezone(clock.LONDON).date()
        due = last + timedelta(days=config["REMINDER_INTERVAL_DAYS"])
    elif service.last_verified is None:
        due = today
    else:
        due = service.last_verified + timedelta(days=config["REMINDER_AFTER_DAYS"])
    return len(sent) + 1 if today >= due else None


def send_reminders(
    session: Session, send: Callable[[list[str], str, str], Any], now: datetime | None = None
) -> ReminderRun:
    """Email the reminders due now to each listing's editors (managers too, the last time)."""
    now = now or clock.now()
    today = now.date()
    sent = emails = skipped = 0
    public_organisations = published.published_organisation_ids()
    services = session.exec(
        select(Service)
        .where(
            Service.status == ListingStatus.PUBLISHED,
            col(Service.organization_id).in_(public_organisations),
        )
        .order_by(col(Service.id))
    ).all()
    for service in services:
        number = reminder_due(service, reminders_since_checked(session, service), today)
        if number is None:
            continue
        to = _recipients(session, service, number)
        if not to:
            skipped += 1
            continue
        subject, body = reminder_email(service, number)
        send(to, subject, body)
        session.add(
            VerificationReminder(
                service_id=service.id, number=number, sent_at=now, recipients=len(to)
            )
        )
        session.commit()
        sent += 1
        emails += len(to)
    return ReminderRun(sent, emails, skipped)


def _recipients(session: Session, service: Service, number: int) -> list[str]:
    to = [u.email for u in users.editors_of(session, service.organization_id)]
    if not to:
        organisation = session.get(Organisation, service.organization_id)
        if organisation and organisation.email:
            to = [organisation.email]
    if number >= current_app.config["REMINDER_LIMIT"]:
        to += [u.email for u in users.managers(session) if u.email not in to]
    return to


def reminder_email(service: Service, number: int) -> tuple[str, str]:
    """The subject and text of reminder number 1, 2 or 3: each firmer than the last."""
    link = security.public_url("manage.check_listing", token=check_token(service))
    days = current_app.config["CHECK_LINK_DAYS"]
    checked = (
        f"It was last checked on {service.last_verified:%d %B %Y}."
        if service.last_verified
        else "It has never been checked."
    )
    subjects = {
        1: f"Is “{service.name}” still right?",
        2: f"Reminder: please check “{service.name}”",
        3: f"Last reminder: “{service.name}” will stop being suggested",
    }
    warning = ""
    if number >= 2:
        warning = (
            "Listings that are not checked are shown to the public as out of date, and after "
            "a while link workers stop being offered them.\n\n"
        )
    body = (
        f"Hello,\n\nPlease check the listing for {service.name}. {checked}\n\n"
        f"{warning}Open this link and choose one answer: it is still right, it needs changes, "
        f"or the service has closed. You do not need to sign in.\n\n{link}\n\n"
        f"The link works for {days} days.\n"
    )
    return subjects.get(number, subjects[3]), body
