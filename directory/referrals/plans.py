"""The person's plan: what they take away (each chosen service: what it is, when, where,
cost, how to get in touch, what happens next; and their link worker's first name and work
contact), and the private link to it.

A plan link works without sign-in until it expires (PLAN_LINK_DAYS) or is revoked. Only a
hash of its secret is kept, so a copy of the database opens no plan. An address the link
is emailed to is used for that one message and kept nowhere: not in the database, not in
a log.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from directory import mail
from directory.accounts import users
from directory.catalogue import published
from directory.models import (
    Case,
    Contact,
    PlanLink,
    Referral,
    ReferralKind,
    ReferralRoute,
    ReferralStatus,
    Service,
    Shortlist,
    ShortlistItem,
    User,
    utcnow,
)

LEFT_OUT = frozenset({ReferralStatus.DECLINED, ReferralStatus.CANCELLED})
MAX_SECRET = 100


class PlanError(ValueError):
    """Something about a plan link that cannot be done; `str(error)` says what to do."""


@dataclass(frozen=True)
class LinkWorker:
    first_name: str
    phone: str
    email: str


@dataclass(frozen=True)
class PlanItem:
    service: Service | None  # None when the service is no longer listed
    name: str
    referral: Referral | None
    next_step: str


@dataclass(frozen=True)
class Plan:
    case: Case
    items: list[PlanItem]
    link_worker: LinkWorker


def link_worker_of(user: User | None) -> LinkWorker:
    """The first name and work contact the plan gives: the first word of the display name."""
    if user is None:
        return LinkWorker("", "", "")
    first = (user.display_name or "").split()
    return LinkWorker(first[0] if first else "", user.work_phone or "", user.email)


# A step-up with no listing, as the person's plan names who it went to.
STEP_UP_WHO = {"gp": "your GP practice", "mhp": "the mental health practitioner at your practice"}


def next_step(service: Service | None, referral: Referral | None) -> str:
    """What happens next, in words for the person: by the referral's route and status, or
    for a service only suggested, by how to get in."""
    name = service.organisation.name if service is not None else "The service"
    if referral is None:
        if service is not None and service.self_referral:
            return "You can contact them yourself, using the details here, when you are ready."
        return "Your link worker can refer you: tell them if you would like to go."
    status = referral.status
    if referral.kind is ReferralKind.STEP_UP and service is None:
        name = STEP_UP_WHO.get(referral.step_up_to, referral.service_name)
    if status is ReferralStatus.SENT and referral.kind is ReferralKind.STEP_UP:
        if referral.route is ReferralRoute.SELF_SUPPORTED:  # a service they refer themselves to
            when = " today" if referral.urgency == "urgent" else ""
            return (
                f"Contact {name} yourself{when}, using the details here. Your link worker can help."
            )
        if referral.urgency == "urgent":
            return (
                f"Your link worker has asked {name} to contact you soon. If you have not heard "
                "by the next working day, contact them yourself."
            )
        return (
            f"Your link worker has asked {name} to contact you. If you have not heard within "
            "two weeks, tell your link worker."
        )
    if status is ReferralStatus.SENT:
        if referral.route is ReferralRoute.SELF_SUPPORTED:
            return "Contact them yourself, using the details here. Your link worker can help."
        return (
            f"Your link worker has referred you. {name} should contact you: if you have not "
            "heard from them within two weeks, tell your link worker."
        )
    steps = {
        ReferralStatus.RECEIVED: f"{name} has your referral and will contact you.",
        ReferralStatus.ACCEPTED: (
            f"{name} can see you. They will tell you when to start; if you have not heard, "
            "call them."
        ),
        ReferralStatus.ATTENDED: "You have started. Tell your link worker how it is going.",
        ReferralStatus.DID_NOT_ATTEND: "You missed a session: call them to arrange another.",
        ReferralStatus.COMPLETED: "You have finished. Tell your link worker how it went.",
    }
    return steps.get(status, "")


def _load_services(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Service]:
    if not ids:
        return {}
    statement = (
        select(Service)
        .where(col(Service.id).in_(ids), published.is_published())
        .options(
            selectinload(Service.organisation),  # type: ignore[arg-type]
            selectinload(Service.contacts).selectinload(Contact.phones),  # type: ignore[arg-type]
            selectinload(Service.cost_options),  # type: ignore[arg-type]
            selectinload(Service.schedules),  # type: ignore[arg-type]
            selectinload(Service.location_links),  # type: ignore[arg-type]
        )
    )
    return {s.id: s for s in session.exec(statement).all()}


def plan_for(session: Session, case: Case) -> Plan:
    """The case's plan: its referrals (but declined or cancelled ones) in the order made,
    then the services on its shortlists not referred to."""
    referrals = session.exec(
        select(Referral)
        .where(Referral.case_id == case.id, col(Referral.status).not_in(LEFT_OUT))
        .order_by(col(Referral.created_at))
    ).all()
    shortlisted = session.exec(
        select(ShortlistItem.service_id)
        .join(Shortlist, col(Shortlist.id) == col(ShortlistItem.shortlist_id))
        .where(Shortlist.case_id == case.id)
        .order_by(col(ShortlistItem.added_at))
    ).all()
    referred = [r.service_id for r in referrals if r.service_id is not None]
    services = _load_services(session, [*referred, *shortlisted])
    items = [
        PlanItem(
            services.get(r.service_id) if r.service_id else None,
            r.service_name or (services[r.service_id].name if r.service_id in services else ""),
            r,
            next_step(services.get(r.service_id) if r.service_id else None, r),
        )
        for r in referrals
    ]
    for key in dict.fromkeys(shortlisted):
        if key in referred or key not in services:
            continue
        items.append(
            PlanItem(services[key], services[key].name, None, next_step(services[key], None))
        )
    owner = session.get(User, case.owner_id)
    return Plan(case, items, link_worker_of(owner))


# --- the private link -----------------------------------------------------------------------


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_link(session: Session, case: Case, user: User | None) -> tuple[PlanLink, str]:
    """A new link to the case's plan and its secret: the only time the secret can be read."""
    secret = secrets.token_urlsafe(32)
    days = int(current_app.config["PLAN_LINK_DAYS"])
    link = PlanLink(
        case_id=case.id,
        token_hash=secret_hash(secret),
        created_by_id=user.id if user is not None else None,
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(link)
    session.commit()
    return link, secret


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes for what was stored as UTC
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def is_live(link: PlanLink, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return link.revoked_at is None and _aware(link.expires_at) > now


def case_for_secret(session: Session, secret: str) -> tuple[PlanLink, Case] | None:
    """The link and its case for a live secret; None for an unknown, expired or revoked one
    (or a case whose personal fields were cleared)."""
    if not secret or len(secret) > MAX_SECRET:
        return None
    link = session.exec(select(PlanLink).where(PlanLink.token_hash == secret_hash(secret))).first()
    if link is None or not is_live(link):
        return None
    case = session.get(Case, link.case_id)
    if case is None or case.personal_cleared_at is not None:
        return None
    return link, case


def links_of(session: Session, case: Case) -> list[PlanLink]:
    """The case's links still working, the newest first."""
    found = session.exec(
        select(PlanLink)
        .where(PlanLink.case_id == case.id, col(PlanLink.revoked_at).is_(None))
        .order_by(col(PlanLink.created_at).desc())
    ).all()
    return [link for link in found if is_live(link)]


def revoke(session: Session, case: Case, link_id: uuid.UUID | str) -> PlanLink:
    """Stop a link of this case working at once; PlanError if it is not one of its links."""
    try:
        key = link_id if isinstance(link_id, uuid.UUID) else uuid.UUID(str(link_id))
    except ValueError:
        raise PlanError("Choose a link of this case to stop.") from None
    link = session.get(PlanLink, key)
    if link is None or link.case_id != case.id:
        raise PlanError("Choose a link of this case to stop.")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        session.add(link)
        session.commit()
    return link


def check_address(address: str) -> str:
    """The address, tidied; PlanError if it is not one an email can go to."""
    address = (address or "").strip()
    if not address:
        raise PlanError("Type the email address to send the link to.")
    if users.validate_email(address):
        raise PlanError("That is not an email address: check it and try again.")
    return address


def email_link(address: str, url: str, link: PlanLink, link_worker: LinkWorker) -> None:
    """Send the link to an address typed in now: used for this message and kept nowhere."""
    who = link_worker.first_name or "your link worker"
    ends = _aware(link.expires_at)
    until = f"{ends.day} {ends:%B %Y}"
    body = (
        f"Hello,\n\nHere is the plan you made with {who}:\n\n{url}\n\n"
        f"The link works until {until}. Please do not forward it: anyone with the link can "
        "read the plan.\n"
    )
    mail.send(address, "Your plan", body, private=True)


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan's services as data (for tests and any client that wants it)."""
    return {
        "services": [
            {
                "name": item.name,
                "service_id": str(item.service.id) if item.service else None,
                "status": item.referral.status.value if item.referral else None,
                "next_step": item.next_step,
            }
            for item in plan.items
        ],
        "link_worker": {
            "first_name": plan.link_worker.first_name,
            "phone": plan.link_worker.phone,
            "email": plan.link_worker.email,
        },
    }
