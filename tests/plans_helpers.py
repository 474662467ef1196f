"""Builders for the tests of wellbeing, plans, the GP summary and the purge: people, a case
with referrals and a shortlist on the small catalogue, signing in through the development
sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from accounts_helpers import LINE, MONEY, TEA
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from directory import db
from directory.models import (
    Case,
    CaseStatus,
    Referral,
    ReferralRoute,
    ReferralStatus,
    ReferralStatusChange,
    Role,
    Shortlist,
    ShortlistItem,
    StatusSetBy,
    User,
)


@dataclass
class World:
    worker: User  # owns `case` and `other_case`
    colleague: User  # another link worker, with a case of their own
    manager: User
    editor: User
    case: Case
    other_case: Case  # the worker's other case
    colleagues_case: Case


def session_of(app: Flask) -> Session:
    return Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False)


def add_user(session: Session, email: str, role: Role, **more: object) -> User:
    user = User(email=email, password_hash="not-a-password-hash", role=role, **more)
    session.add(user)
    session.flush()
    return user


def add_case(session: Session, owner: User, reference: str, **more: object) -> Case:
    case = Case(owner_id=owner.id, reference=reference, **more)
    session.add(case)
    session.flush()
    return case


def refer(
    session: Session,
    case: Case,
    service_id,
    name: str,
    status: ReferralStatus = ReferralStatus.SENT,
    route: ReferralRoute = ReferralRoute.PROFESSIONAL,
    reason_code: str = "",
    reason: str = "",
    note: str = "",
) -> Referral:
    referral = Referral(
        case_id=case.id,
        service_id=service_id,
        service_name=name,
        route=route,
        status=status,
        note=note,
        shared=["age", "needs"] if note else [],
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralStatusChange(
            referral_id=referral.id,
            status=status,
            set_by=StatusSetBy.PROVIDER,
            reason_code=reason_code,
            reason=reason,
        )
    )
    return referral


def build(app: Flask) -> World:
    """A link worker (Alex) with two cases, a colleague with one, a manager, an editor. The
    first case has a referral to Tuesday Tea (accepted), one declined (Money Worries
    Clinic) and the Listening Line on its shortlist; the other cases have a referral each."""
    with session_of(app) as session:
        worker = add_user(
            session,
            "alex@example.org",
            Role.LINK_WORKER,
            display_name="Alex Rivers",
            work_phone="0113 496 0999",
        )
        colleague = add_user(session, "sam@example.org", Role.LINK_WORKER, display_name="Sam")
        manager = add_user(session, "manager@example.org", Role.MANAGER)
        editor = add_user(session, "editor@example.org", Role.EDITOR)
        case = add_case(
            session,
            worker,
            "REF-ONE",
            age=72,
            needs=["loneliness"],
            what_matters="Getting out of the house on Tuesdays",
            consent_to_share=True,
            consent_on=date(2026, 11, 2),
        )
        other = add_case(session, worker, "REF-OTHER", age=30, needs=["money_debt"])
        theirs = add_case(session, colleague, "REF-THEIRS", age=40, needs=["low_mood"])
        refer(session, case, TEA, "Tuesday Tea and Chat", ReferralStatus.ACCEPTED, note="Hi")
        refer(
            session,
            case,
            MONEY,
            "Money Worries Clinic",
            ReferralStatus.DECLINED,
            reason_code="no_capacity",
        )
        refer(session, other, MONEY, "Money Worries Clinic")
        refer(session, theirs, LINE, "Evening Listening Line")
        shortlist = Shortlist(owner_id=worker.id, label="REF-ONE", case_id=case.id)
        session.add(shortlist)
        session.flush()
        session.add(ShortlistItem(shortlist_id=shortlist.id, service_id=LINE))
        session.add(ShortlistItem(shortlist_id=shortlist.id, service_id=TEA))
        session.commit()
        return World(worker, colleague, manager, editor, case, other, theirs)


def client_as(app: Flask, user: User | None) -> FlaskClient:
    client = app.test_client()
    if user is not None:
        response = client.post("/dev/sign-in", data={"user": str(user.id)})
        assert response.status_code == 302, response.text
    return client


def close(app: Flask, case: Case, on: date) -> None:
    with session_of(app) as session:
        found = session.get(Case, case.id)
        found.status = CaseStatus.CLOSED
        found.closed_on = on
        found.closed_reason = "finished"
        session.add(found)
        session.commit()
