"""How a service, and its organisation, answer referrals: the median days to the first reply
and the share of referrals accepted, over the last six months. Shown to link workers only,
and only from MINIMUM referrals up: fewer say more about chance than about the provider."""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from directory.models import Referral, ReferralStatus, ReferralStatusChange, utcnow

WINDOW_DAYS = 183  # six months
MINIMUM = 5


@dataclass(frozen=True)
class Responsiveness:
    about: str  # "service" or "organisation"
    referrals: int  # made in the window
    replied: int
    median_days: float | None  # to the first reply, of those replied to
    accepted: int

    @property
    def enough(self) -> bool:
        return self.referrals >= MINIMUM

    @property
    def accepted_share(self) -> float:
        return self.accepted / self.referrals if self.referrals else 0.0


def _figures(
    about: str, rows: list[tuple[uuid.UUID, datetime, datetime | None]], accepted: set[uuid.UUID]
) -> Responsiveness:
    waits = [(reply - made).total_seconds() / 86400 for _, made, reply in rows if reply]
    return Responsiveness(
        about=about,
        referrals=len(rows),
        replied=len(waits),
        median_days=round(statistics.median(waits), 1) if waits else None,
        accepted=sum(1 for rid, _, _ in rows if rid in accepted),
    )


def of_service(
    session: Session, service_id: uuid.UUID, organisation_id: uuid.UUID, now: datetime | None = None
) -> tuple[Responsiveness, Responsiveness]:
    """The service's figures and its organisation's, over the last WINDOW_DAYS."""
    start = (now or utcnow()) - timedelta(days=WINDOW_DAYS)
    statement = select(
        Referral.id, Referral.service_id, Referral.created_at, Referral.first_reply_at
    ).where(
        Referral.organization_id == organisation_id,
        Referral.created_at >= start,
        # a referral the link worker withdrew before any reply says nothing of the provider
        ~(
            (col(Referral.status) == ReferralStatus.CANCELLED)
            & col(Referral.first_reply_at).is_(None)
        ),
    )
    rows = session.exec(statement).all()
    ids = [row[0] for row in rows]
    accepted: set[uuid.UUID] = set()
    if ids:
        accepted = set(
            session.exec(
                select(ReferralStatusChange.referral_id).where(
                    col(ReferralStatusChange.referral_id).in_(ids),
                    ReferralStatusChange.status == ReferralStatus.ACCEPTED,
                )
            ).all()
        )
    everything = [(rid, made, reply) for rid, _, made, reply in rows]
    theirs = [(rid, made, reply) for rid, sid, made, reply in rows if sid == service_id]
    return _figures("service", theirs, accepted), _figures("organisation", everything, accepted)


def shown_for(
    session: Session, service_id: uuid.UUID, organisation_id: uuid.UUID, now: datetime | None = None
) -> Responsiveness | None:
    """The figures to show: the service's when it has enough referrals, else its
    organisation's when that has, else None ("not enough referrals yet")."""
    service, organisation = of_service(session, service_id, organisation_id, now)
    if service.enough:
        return service
    if organisation.enough:
        return organisation
    return None
