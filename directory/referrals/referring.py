"""Referring a case to a service and following the referral: its status, history and
follow-up date, and what its provider may see.

A referral is made from a case to a published service, by one of two routes (the person refers
themselves with the link worker's help, or the link worker refers). What goes to the provider
is the fact of the referral and its route; the case's details and the note only with the
person's consent (the case's `consent_to_share`), and only the fields listed in `shared`.

Each status change is checked against the one table of steps (status.py), kept in an
append-only history, and made with a version check: when two people answer at once, the
second is told what happened and changes nothing.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, col, select

from directory import clock, security, tokens
from directory.accounts import users
from directory.catalogue import published
from directory.models import (
    Case,
    CaseStatus,
    Organisation,
    Referral,
    ReferralKind,
    ReferralRoute,
    ReferralStatus,
    ReferralStatusChange,
    Service,
    StatusSetBy,
    User,
    id_or_none,
    utcnow,
)
from directory.referrals import cases
from directory.referrals import status as steps
from directory.referrals.status import TransitionError

__all__ = ["TransitionError"]

MAX_NOTE = 1000
MAX_REASON = 500
ROUTES: dict[str, str] = {
    ReferralRoute.SELF_SUPPORTED: "They refer themselves, with the link worker's help",
    ReferralRoute.PROFESSIONAL: "The link worker refers them",
}
SET_BY: dict[str, str] = {
    StatusSetBy.LINK_WORKER: "Link worker",
    StatusSetBy.PROVIDER: "Provider",
    StatusSetBy.PERSON: "The person (recorded by the link worker)",
}
# What a case may share with the provider, with consent: field -> label. "What matters to
# them" is sensitive, so it is shared only when chosen; the rest is shared by default.
SHAREABLE: dict[str, str] = {
    "age": "Age",
    "postcode_district": "Postcode district",
    "needs": "Needs",
    "what_matters": "What matters to them",
    "note": "Note from the link worker",
}
SHARED_BY_DEFAULT = ("age", "postcode_district", "needs", "note")
LINK_PURPOSE = "referral-answer"


class ReferralError(ValueError):
    """Bad input for a referral: `problems` maps each field to what to fix; nothing changed."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class AnsweredMeanwhile(ValueError):
    """Someone else changed the referral since it was read: nothing was changed."""


# --- making a referral ------------------------------------------------------------------


def route_open(service: Service, route: ReferralRoute) -> bool:
    """Whether an NHS pathway listing takes this route in (a community listing is referred
    as the link worker judges: its routes are often not stated)."""
    if route is ReferralRoute.SELF_SUPPORTED:
        return service.self_referral
    return service.professional_referral


def refer(
    session: Session,
    case: Case,
    user: User,
    *,
    service_id: Any,
    route: Any,
    note: Any = "",
    shared: Iterable[Any] | None = None,
    today: date | None = None,
) -> Referral:
    """Refer the case to a published service: the referral, `sent`, with its first history
    entry and a follow-up date; ReferralError (changing nothing) for bad input."""
    problems: dict[str, str] = {}
    service = None
    with contextlib.suppress(ValueError):
        service = published.published_service(session, uuid.UUID(str(service_id)), paths=())
    if service is None:
        problems["service_id"] = "Choose a service that is listed in the directory."
    if not isinstance(route, str) or route not in {r.value for r in ReferralRoute}:
        problems["route"] = "Choose the route: they refer themselves with your help, or you refer."
    elif service is not None and service.pathway and not route_open(service, ReferralRoute(route)):
        problems["route"] = (
            "This NHS service does not take that route in. To go through the GP practice or "
            "its mental health practitioner, record a step-up from the case instead."
        )
    note = " ".join(str(note or "").split())
    if len(note) > MAX_NOTE:
        problems["note"] = f"Keep the note to {MAX_NOTE} characters or fewer ({len(note)} now)."
    chosen = _shared(case, shared, bool(note), problems)
    if case.status is not CaseStatus.OPEN:
        problems["case"] = "This case is closed: reopen it before referring."
    if problems:
        raise ReferralError(problems)
    assert service is not None
    today = today or clock.today()
    referral = Referral(
        case_id=case.id,
        service_id=service.id,
        organization_id=service.organization_id,
        service_name=service.name,
        route=ReferralRoute(route),
        note=note,
        shared=chosen,
        follow_up_on=today + timedelta(days=current_app.config["REFERRAL_FOLLOW_UP_DAYS"]),
    )
    return send(session, referral, user)


def send(session: Session, referral: Referral, user: User) -> Referral:
    """Record a new referral as `sent`, with the first entry of its history (committed)."""
    referral.status = ReferralStatus.SENT
    referral.created_by_id = user.id
    session.add(referral)
    session.flush()
    session.add(
        ReferralStatusChange(
            referral_id=referral.id,
            status=ReferralStatus.SENT,
            set_by=StatusSetBy.LINK_WORKER,
            user_id=user.id,
        )
    )
    session.commit()
    return referral


def _shared(
    case: Case, shared: Iterable[Any] | None, has_note: bool, problems: dict[str, str]
) -> list[str]:
    if shared is None:  # the default: what there is to share, if they agreed
        if not case.consent_to_share:
            if has_note:
                problems["note"] = (
                    "They have not agreed to share anything with the provider: leave the note "
                    "empty, or record their consent on the case first."
                )
            return []
        return [name for name in SHARED_BY_DEFAULT if name != "note" or has_note]
    if isinstance(shared, str):
        shared = [shared]
    chosen = [str(name) for name in shared]
    unknown = [name for name in chosen if name not in SHAREABLE]
    if unknown:
        problems["shared"] = (
            f"{', '.join(unknown)} cannot be shared; choose from: {', '.join(SHAREABLE)}."
        )
    elif chosen and not case.consent_to_share:
        problems["shared"] = (
            "They have not agreed to share their details with the provider: only the referral "
            "and its route go to the provider. Record their consent on the case first."
        )
    if has_note and "note" not in chosen and not problems.get("shared"):
        if case.consent_to_share:
            chosen.append("note")
        else:
            problems["note"] = (
                "They have not agreed to share anything with the provider: leave the note "
                "empty, or record their consent on the case first."
            )
    return [name for name in SHAREABLE if name in chosen]


# --- the provider is told ---------------------------------------------------------------


def made(
    session: Session,
    case: Case,
    user: User,
    referral: Referral,
    send: Callable[[list[str], str, str], Any],
) -> str:
    """What follows every new referral, from the case page, the step-up form or the API:
    the provider told (notify_provider: what it returns) and the change to the case logged."""
    told = notify_provider(session, referral, send)
    cases.record_access(session, case, user, "changed")
    return told


def notify_provider(
    session: Session, referral: Referral, send: Callable[[list[str], str, str], Any]
) -> str:
    """Tell the provider of a new referral: its editors, to sign in and answer; an
    organisation without editors, by email with a signed link. "editors", "email" or "none"
    (nobody to tell: the link worker gets in touch some other way). Needs a request context."""
    if referral.organization_id is None:
        return "none"
    editors = users.editors_of(session, referral.organization_id)
    service = referral.service_name
    if editors:
        send(
            [editor.email for editor in editors],
            f"A new referral to {service}",
            f"Hello,\n\nA link worker has referred someone to {service}.\n\n"
            f"Sign in to see it and answer: {security.public_url('manage.dashboard')}\n",
        )
        return "editors"
    organisation = session.get(Organisation, referral.organization_id)
    address = organisation.email if organisation else None
    if not address:
        return "none"
    days = current_app.config["REFERRAL_LINK_DAYS"]
    link = security.public_url(
        "manage.answer_referral_by_link", referral_id=referral.id, token=link_token(referral)
    )
    send(
        [address],
        f"A new referral to {service}",
        f"Hello,\n\nA social prescribing link worker has referred someone to {service}.\n\n"
        "Open this link to see what they shared and to accept the referral, decline it "
        f"(with a reason) or say they attended. You do not need to sign in.\n\n{link}\n\n"
        f"The link works for {days} days and only for this referral.\n",
    )
    referral.provider_emailed_at = utcnow()
    session.add(referral)
    session.commit()
    return "email"


def link_token(referral: Referral) -> str:
    """The signed token of the provider's link to this one referral."""
    return tokens.make(LINK_PURPOSE, {"r": str(referral.id), "o": str(referral.organization_id)})


@dataclass(frozen=True)
class LinkCheck:
    referral: Referral | None
    problem: str  # "" when the link is good


LINK_BAD = (
    "This link has expired or is not a whole link. Ask the link worker who referred to you "
    "for a new one."
)
LINK_OTHER = "This link is for another referral. Open the link from the email about this one."


def referral_for_link(session: Session, referral_id: uuid.UUID, token: str) -> LinkCheck:
    """The referral a provider's signed link opens, or why it opens nothing."""
    days = current_app.config["REFERRAL_LINK_DAYS"]
    data = tokens.read(LINK_PURPOSE, token, days * 86400)
    if data is None:
        return LinkCheck(None, LINK_BAD)
    if data.get("r") != str(referral_id):
        return LinkCheck(None, LINK_OTHER)
    referral = tokens.row(session, Referral, data, "r")
    if referral is None or str(referral.organization_id) != data.get("o"):
        return LinkCheck(None, LINK_BAD)
    return LinkCheck(referral, "")


# --- changing the status ----------------------------------------------------------------


def parse_status(value: Any) -> ReferralStatus:
    """A status from its code; TransitionError naming the codes for anything else."""
    try:
        return ReferralStatus(str(value))
    except ValueError:
        codes = ", ".join(s.value for s in ReferralStatus)
        raise TransitionError(f"“{value}” is not a status. Use one of: {codes}.") from None


def set_status(
    session: Session,
    referral: Referral,
    wanted: ReferralStatus | str,
    *,
    by: StatusSetBy,
    user: User | None,
    version: int | None = None,
    reason_code: str = "",
    reason: str = "",
    signed_link: bool = False,
) -> Referral:
    """Move the referral to `wanted`, recorded in its history with who, when and why.

    `version` is the version the person saw (None: as read now); if someone else changed the
    referral since, AnsweredMeanwhile. TransitionError for a step that may not follow, that
    this person may not take, or that lacks its reason. Either way nothing changes."""
    status = parse_status(wanted)
    reason_code = str(reason_code or "").strip()
    reason = " ".join(str(reason or "").split())
    if len(reason) > MAX_REASON:
        raise TransitionError(f"Keep the reason to {MAX_REASON} characters or fewer.")
    if signed_link and not steps.STEPS[status].by_signed_link:
        allowed = [s.label.lower() for s in steps.STEPS.values() if s.by_signed_link]
        raise TransitionError(f"From this link you can only {', '.join(allowed)}.")
    steps.check(referral.status, status, by, reason_code, reason)
    if status is not ReferralStatus.DECLINED:
        reason_code = ""
    seen = referral.version if version is None else version
    now = utcnow()
    values: dict[str, Any] = {"status": status, "version": seen + 1, "updated_at": now}
    first_reply = by is StatusSetBy.PROVIDER and referral.first_reply_at is None
    if first_reply:
        values["first_reply_at"] = now
    result = session.exec(
        sa.update(Referral)
        .where(Referral.id == referral.id, Referral.version == seen)  # type: ignore[arg-type]
        .values(**values)
    )
    if result.rowcount != 1:
        session.rollback()
        session.refresh(referral)
        label = steps.STEPS[referral.status].label.lower()
        raise AnsweredMeanwhile(
            f"Someone else changed this referral just now: it is now {label}. Nothing was "
            "changed; look at it again and answer if you still need to."
        )
    session.add(
        ReferralStatusChange(
            referral_id=referral.id,
            status=status,
            set_by=by,
            user_id=user.id if user is not None else None,
            at=now,
            reason_code=reason_code,
            reason=reason,
        )
    )
    session.commit()
    session.refresh(referral)
    return referral


def set_follow_up(session: Session, referral: Referral, when: Any) -> Referral:
    """Change the follow-up date (a date or YYYY-MM-DD); ReferralError for a bad one."""
    made_on = referral.created_at.astimezone(clock.LONDON).date()
    try:
        day = when if isinstance(when, date) else date.fromisoformat(str(when).strip())
    except ValueError:
        raise ReferralError(
            {"follow_up_on": "Enter the follow-up date, such as 2027-01-31."}
        ) from None
    if day < made_on:
        raise ReferralError(
            {"follow_up_on": f"The follow-up date cannot be before the referral ({made_on})."}
        )
    if day > made_on + timedelta(days=366):
        raise ReferralError({"follow_up_on": "Choose a follow-up date within a year."})
    referral.follow_up_on = day
    session.add(referral)
    session.commit()
    return referral


# --- reading ----------------------------------------------------------------------------


def referrals_of(session: Session, case: Case) -> list[Referral]:
    """The case's referrals, oldest first."""
    statement = (
        select(Referral).where(Referral.case_id == case.id).order_by(col(Referral.created_at))
    )
    return list(session.exec(statement).all())


def of_case(session: Session, case: Case, referral_id: Any) -> Referral | None:
    """One of the case's referrals by id, or None."""
    key = id_or_none(referral_id)
    found = None if key is None else session.get(Referral, key)
    return found if found is not None and found.case_id == case.id else None


def histories(
    session: Session, referrals: Sequence[Referral]
) -> dict[uuid.UUID, list[ReferralStatusChange]]:
    """Each referral's status history, oldest first, in one query."""
    found: dict[uuid.UUID, list[ReferralStatusChange]] = {r.id: [] for r in referrals}
    if not found:
        return found
    statement = (
        select(ReferralStatusChange)
        .where(col(ReferralStatusChange.referral_id).in_(list(found)))
        .order_by(col(ReferralStatusChange.at), col(ReferralStatusChange.id))
    )
    for change in session.exec(statement):
        found[change.referral_id].append(change)
    return found


def history_json(change: ReferralStatusChange) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "status": change.status.value,
        "by": change.set_by.value,
        "at": change.at.isoformat(),
    }
    if change.reason_code:
        entry["reason_code"] = change.reason_code
    if change.reason or change.reason_code:
        entry["reason"] = change.reason or steps.DECLINE_REASONS.get(change.reason_code, "")
    return entry


def referral_json(referral: Referral, history: Sequence[ReferralStatusChange]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": str(referral.id),
        "service_id": str(referral.service_id) if referral.service_id else None,
        "service_name": referral.service_name,
        "route": referral.route.value,
        "kind": referral.kind.value,
        "status": referral.status.value,
        "version": referral.version,
        "shared": list(referral.shared),
        "follow_up_on": referral.follow_up_on.isoformat() if referral.follow_up_on else None,
        "first_reply_at": referral.first_reply_at.isoformat() if referral.first_reply_at else None,
        "history": [history_json(change) for change in history],
    }
    if referral.kind is ReferralKind.STEP_UP:
        found["step_up"] = {
            "target": referral.step_up_to or "service",
            "urgency": referral.urgency,
            "reason": referral.reason,
        }
    return found


def referrals_json(session: Session, case: Case) -> list[dict[str, Any]]:
    """The case's referrals for the case API: `[{id, service_id, status, history}, ...]`."""
    found = referrals_of(session, case)
    history = histories(session, found)
    return [referral_json(r, history[r.id]) for r in found]


# --- what the provider sees -------------------------------------------------------------


@dataclass(frozen=True)
class ForProvider:
    """A referral as its provider sees it: only what was shared with consent."""

    referral: Referral
    route: str
    shared: list[tuple[str, str]]  # (label, value)
    contact: str  # the link worker's work email
    history: list[ReferralStatusChange]
    can_become: list[ReferralStatus]


def shared_with_provider(case: Case | None, referral: Referral) -> list[tuple[str, str]]:
    """The case's details the provider may see: those chosen, while consent stands."""
    if case is None or not case.consent_to_share or case.personal_cleared_at is not None:
        return []
    values = {
        "age": str(case.age) if case.age is not None else (case.age_band or ""),
        "postcode_district": case.postcode_district or "",
        "needs": ", ".join(case.needs),
        "what_matters": case.what_matters,
        "note": referral.note,
    }
    return [(SHAREABLE[name], values[name]) for name in referral.shared if values.get(name)]


def for_provider(
    session: Session, referrals: Sequence[Referral], *, signed_link: bool = False
) -> list[ForProvider]:
    history = histories(session, referrals)
    shown = []
    for referral in referrals:
        case = session.get(Case, referral.case_id)
        worker = session.get(User, referral.created_by_id) if referral.created_by_id else None
        if worker is None and case is not None:
            worker = session.get(User, case.owner_id)
        next_steps = steps.next_steps(referral.status, StatusSetBy.PROVIDER)
        if signed_link:
            next_steps = [s for s in next_steps if steps.STEPS[s].by_signed_link]
        shown.append(
            ForProvider(
                referral=referral,
                route=ROUTES[referral.route],
                shared=shared_with_provider(case, referral),
                contact=worker.email if worker else "",
                history=history[referral.id],
                can_become=next_steps,
            )
        )
    return shown


def to_organisation(session: Session, organisation_id: uuid.UUID) -> list[Referral]:
    """The referrals to one organisation: those waiting for an answer first, newest first."""
    statement = (
        select(Referral)
        .where(Referral.organization_id == organisation_id)
        .order_by(col(Referral.created_at).desc())
    )
    found = list(session.exec(statement).all())
    return sorted(found, key=lambda r: r.status in steps.ENDS)
