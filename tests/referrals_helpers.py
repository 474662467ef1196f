"""Builders for the referrals tests: a case, a referral at any status, the people."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlmodel import Session

from directory import db
from directory.models import (
    Case,
    Referral,
    ReferralRoute,
    ReferralStatus,
    ReferralStatusChange,
    StatusSetBy,
    User,
)
from directory.referrals import referring


def engine(app: Flask) -> Any:
    return app.extensions[db.ENGINE_KEY]


def make_case(app: Flask, owner: User, *, consent: bool = True, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "reference": "LW-0042",
        "age": 34,
        "postcode_district": "LS6",
        "needs": ["loneliness"],
        "what_matters": "Gardening with others",
        "consent_to_share": consent,
        "consent_on": date(2026, 12, 1) if consent else None,
        **fields,
    }
    with Session(engine(app), expire_on_commit=False) as session:
        case = Case(owner_id=owner.id, **values)
        session.add(case)
        session.commit()
        return case


def refer(app: Flask, case: Case, user: User, service_id: Any, **kwargs: Any) -> Referral:
    kwargs.setdefault("route", "professional")
    with app.test_request_context(), Session(engine(app), expire_on_commit=False) as session:
        return referring.refer(
            session,
            session.get(Case, case.id),
            session.get(User, user.id),
            service_id=service_id,
            **kwargs,
        )


def referral_at(
    session: Session,
    case: Case,
    service_id: Any,
    status: ReferralStatus,
    organisation_id: Any = None,
) -> Referral:
    """A referral put straight at `status` (its history says so), for the transition table."""
    referral = Referral(
        case_id=case.id,
        service_id=service_id,
        organization_id=organisation_id,
        service_name="A service",
        route=ReferralRoute.PROFESSIONAL,
        status=status,
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralStatusChange(referral_id=referral.id, status=status, set_by=StatusSetBy.LINK_WORKER)
    )
    session.commit()
    return referral
