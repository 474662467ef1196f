"""Keeping only what is needed: a closed case's personal fields are cleared once the
retention period (CASE_RETENTION_MONTHS after it closed) is over.

Cleared: the local reference, the age (its band is kept), what matters to the person, the
consent date, the specialist team they are known to (name, listing, duty contact), each
referral's note for the provider, what was shared and a step-up's reason, and every plan
link. Kept, for the counts reports need: the case's status and dates, needs, age band and
postcode district, the referrals' services and status histories, the wellbeing scores;
and the access log's who and when. The case's `personal_cleared_at` says when.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlmodel import Session, col, select

from directory.models import (
    Case,
    CaseStatus,
    PlanLink,
    Referral,
    ReferralStatusChange,
    Shortlist,
    utcnow,
)
from directory.referrals import cases

CLEARED_REFERENCE = "cleared"


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has fewer days)."""
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def expired(session: Session, today: date, months: int) -> list[Case]:
    """Closed cases past the retention period whose personal fields are still there."""
    cutoff = months_before(today, months)
    statement = select(Case).where(
        Case.status == CaseStatus.CLOSED,
        col(Case.closed_on) < cutoff,
        col(Case.personal_cleared_at).is_(None),
    )
    return list(session.exec(statement).all())


def clear(session: Session, case: Case) -> None:
    """Clear one case's personal fields (not committed)."""
    if case.age is not None:
        case.age_band = case.age_band or cases.age_band(case.age)
    case.age = None
    case.reference = CLEARED_REFERENCE
    case.what_matters = ""
    case.closed_reason = ""  # may hold the link worker's own words ("other")
    case.consent_on = None
    case.known_team = ""  # with the duty contact, it says which service knows them
    case.known_team_contact = ""
    case.known_team_service_id = None
    case.personal_cleared_at = utcnow()
    session.add(case)
    referrals = session.exec(select(Referral).where(Referral.case_id == case.id)).all()
    for referral in referrals:
        referral.note = ""
        referral.reason = ""  # a step-up's reason, in the link worker's words
        referral.shared = []
        session.add(referral)
    # a status change's reason may be words typed by someone; its code stays for reports
    changes = select(ReferralStatusChange).where(
        col(ReferralStatusChange.referral_id).in_([r.id for r in referrals])
    )
    for change in session.exec(changes).all():
        change.reason = ""
        session.add(change)
    for shortlist in session.exec(select(Shortlist).where(Shortlist.case_id == case.id)).all():
        shortlist.label = CLEARED_REFERENCE  # made from the case, it may carry its reference
        session.add(shortlist)
    for link in session.exec(select(PlanLink).where(PlanLink.case_id == case.id)).all():
        session.delete(link)


def purge_step(
    session: Session, config: Mapping[str, object], today: date, dry_run: bool
) -> tuple[int, str]:
    """purge-expired's step for cases (directory/privacy.py)."""
    months = int(str(config["CASE_RETENTION_MONTHS"]))
    found = expired(session, today, months)
    cutoff = months_before(today, months)
    when = f"closed before {cutoff.day} {cutoff:%B %Y}, {months} months ago"
    if dry_run:
        return len(found), f"would clear the personal fields of {len(found)} ({when})"
    for case in found:
        clear(session, case)
    session.commit()
    return len(found), f"cleared the personal fields of {len(found)} ({when})"
