"""Stepping a person up, in the same loop as every referral: from a case, the link worker
records a referral back to the GP practice or the PCN's mental health practitioner (no
listing needed: who it goes to is named), or to a specialist pathway service whose listing
has a self or professional route, with a reason and an urgency.

Signpost records the link worker's judgement; it never triages. The urgency is theirs, and
an urgent step-up puts the urgent-help words on the case page, not a decision. A step-up
walks the status flow of every referral (status.py), shows on the case and the caseload
(urgent ones first) and in the summary for the GP.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlmodel import Session

from directory import clock
from directory.catalogue import published
from directory.models import (
    Case,
    CaseStatus,
    Referral,
    ReferralKind,
    ReferralRoute,
    Service,
    User,
    id_or_none,
)
from directory.referrals import cases, referring
from directory.referrals.referring import ReferralError
from matcher import opening

# Who a step-up goes to when it is not a listed service: code -> words.
TARGETS: dict[str, str] = {
    "gp": "GP practice",
    "mhp": "Mental health practitioner",
}
SERVICE = "service"  # the target of a step-up to a listed pathway service
URGENCIES: dict[str, str] = {
    "routine": "Routine",
    "urgent": "Urgent",
}
MAX_REASON = 500


def next_working_day(day: date) -> date:
    """The working day after `day`: an urgent step-up is followed up then (not a weekend
    or a bank holiday in England and Wales)."""
    holidays = opening.bank_holidays()
    following = day + timedelta(days=1)
    while following.weekday() >= 5 or following in holidays:
        following += timedelta(days=1)
    return following


def pathway_services(session: Session) -> list[Service]:
    """The specialist pathway listings a case may be stepped up to: those a known team may
    be (cases.specialist_teams) with a route in that a link worker can use."""
    return [s for s in cases.specialist_teams(session) if referable(s)]


def referable(service: Service) -> bool:
    """A route in that a link worker can use: self-referral (with their help) or theirs."""
    return bool(service.self_referral or service.professional_referral)


def _pathway_service(session: Session, service_id: Any) -> Service | None:
    key = id_or_none(service_id)
    found = None if key is None else published.published_service(session, key, paths=())
    if found is None or not found.pathway or not referable(found):
        return None
    return found


def from_request(session: Session, case: Case, user: User, data: Mapping[str, Any]) -> Referral:
    """A referral of the kind a request asks for (`kind`: community, the default, or
    step_up) from its fields; ReferralError, changing nothing, for bad input."""
    kind = data.get("kind", ReferralKind.COMMUNITY.value)
    if not isinstance(kind, str) or kind not in {k.value for k in ReferralKind}:
        kinds = ", ".join(k.value for k in ReferralKind)
        raise ReferralError({"kind": f"kind is one of: {kinds}."})
    if kind == ReferralKind.STEP_UP:
        return step_up(
            session,
            case,
            user,
            target=data.get("target"),
            service_id=data.get("service_id"),
            reason=data.get("reason"),
            urgency=data.get("urgency"),
        )
    return referring.refer(
        session,
        case,
        user,
        service_id=data.get("service_id"),
        route=data.get("route"),
        note=data.get("note") or "",
        shared=data.get("shared"),
    )


def step_up(
    session: Session,
    case: Case,
    user: User,
    *,
    target: Any,
    reason: Any,
    urgency: Any,
    service_id: Any = None,
    today: date | None = None,
) -> Referral:
    """Record a step-up referral, `sent`: to "gp" or "mhp" (named, no listing), or to
    "service" (a pathway listing with a self or professional route, `service_id`).
    ReferralError naming each problem; nothing changes then."""
    problems: dict[str, str] = {}
    target = str(target or "")
    service = None
    if target == SERVICE:
        service = _pathway_service(session, service_id)
        if service is None:
            problems["service_id"] = (
                "Choose a specialist service from the list: one you or they can refer to."
            )
    elif target not in TARGETS:
        problems["target"] = (
            "Choose who to step them up to: the GP practice, the mental health practitioner "
            "or a specialist service."
        )
    if not isinstance(urgency, str) or urgency not in URGENCIES:
        problems["urgency"] = "Say how urgent it is: routine or urgent."
    words = " ".join(str(reason or "").split())
    if not words:
        problems["reason"] = "Say why you are stepping them up."
    elif len(words) > MAX_REASON:
        problems["reason"] = f"Keep the reason to {MAX_REASON} characters or fewer."
    elif cases.identifying(words):
        problems["reason"] = (
            f"The reason {cases.identifying(words)}: leave out anything that identifies them."
        )
    if case.status is not CaseStatus.OPEN:
        problems["case"] = "This case is closed: reopen it before stepping them up."
    if problems:
        raise ReferralError(problems)
    today = today or clock.today()
    follow_up_on = (
        next_working_day(today)
        if urgency == "urgent"
        else today + timedelta(days=current_app.config["REFERRAL_FOLLOW_UP_DAYS"])
    )
    referral = Referral(
        case_id=case.id,
        kind=ReferralKind.STEP_UP,
        urgency=str(urgency),
        reason=words,
        step_up_to="" if service is not None else target,
        service_id=service.id if service is not None else None,
        organization_id=service.organization_id if service is not None else None,
        service_name=service.name if service is not None else TARGETS[target],
        # to the GP or MHP the link worker refers; to a listing, as its routes allow
        route=ReferralRoute.SELF_SUPPORTED
        if service is not None and not service.professional_referral
        else ReferralRoute.PROFESSIONAL,
        follow_up_on=follow_up_on,
    )
    return referring.send(session, referral, user)


def urgent_open(referrals: list[Referral]) -> list[Referral]:
    """The urgent step-ups among these that have not ended."""
    return [
        r
        for r in referrals
        if r.kind is ReferralKind.STEP_UP and r.urgency == "urgent" and r.status not in cases.ENDED
    ]
