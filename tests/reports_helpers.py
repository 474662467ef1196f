"""A known set of cases, referrals, status histories, wellbeing scores and searches for the
reports' tests, written out so that each expected number can be worked out by hand.

Within CASES_PERIOD (October and November 2026):

    A  6 cases, age 19, LS6, loneliness: each referred (by the link worker, 10 October) to
       Tuesday Tea and Chat (Hyde Park Friends Network). The provider replied and accepted
       after 1, 1, 1, 2, 2 and 10 days (the last accepted on day 12); A1-A4 attended, A5 did
       not attend, A6 did not attend and then did.
    B  4 cases, age 70, LS7, money worries: each referred (self-referral, 5 November) to the
       Evening Listening Line (Chapeltown Listening Line), declined by the provider after
       3 days (first_reply_at left empty: the provider's status change is the reply);
       3 for no capacity, 1 not eligible.
    C  1 case, no age, no district, loneliness and money worries: referred (20 November) to
       the Money Worries Clinic (Hyde Park Friends Network); no reply.
    D  5 cases, age band "16-17", LS6, no needs: referred (20 November) to Armley Walks
       (Armley Walking Group); no reply.
    One more referral of A1 on 15 September: outside the period, counted nowhere.

ONS4 (life satisfaction, worthwhile, happy, anxious) at the start and follow-ups recorded in
the period for A, B and C; one case with a follow-up but no start, and one whose follow-up
falls after the period: neither counted.
Searches in the period (SEARCHES): LS6 8 (6 loneliness, 2 loneliness and money worries),
LS7 3 (money worries), LS9 5 (4 domestic abuse, 1 not understood), no place 2 (not
understood). By need: loneliness 8, money worries 5, domestic abuse 4, none 3.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accounts_helpers import LINE, MONEY, ORG_A, ORG_B, TEA, add_people
from flask import Flask
from sqlmodel import Session

from directory import db
from directory.models import (
    Case,
    Organisation,
    Referral,
    ReferralRoute,
    ReferralStatus,
    ReferralStatusChange,
    SearchLog,
    StatusSetBy,
    WellbeingRecord,
    WellbeingWhen,
)
from directory.reports.tables import Period

CASES_PERIOD = Period(date(2026, 10, 1), date(2026, 11, 30))
SEARCHES = [  # (place, how many, the needs understood)
    ("LS6", 6, ["loneliness"]),
    ("LS6", 2, ["loneliness", "money_debt"]),
    ("LS7", 3, ["money_debt"]),
    ("LS9", 4, ["domestic_abuse"]),
    ("LS9", 1, []),
    ("", 2, []),
]
S = ReferralStatus


def ons4(life: int, worthwhile: int, happy: int, anxious: int) -> dict[str, int]:
    return {"life_satisfaction": life, "worthwhile": worthwhile, "happy": happy, "anxious": anxious}


# (start, latest follow-up) for A1..A6; A6 also has an earlier follow-up
A_SCORES = [
    (ons4(4, 5, 4, 7), ons4(6, 6, 5, 5)),
    (ons4(4, 5, 4, 7), ons4(6, 6, 5, 5)),
    (ons4(4, 5, 4, 7), ons4(6, 6, 5, 5)),
    (ons4(5, 5, 4, 6), ons4(6, 6, 4, 7)),
    (ons4(5, 6, 5, 6), ons4(4, 6, 7, 6)),
    (ons4(3, 4, 4, 8), ons4(6, 5, 5, 4)),
]
B_SCORES = (ons4(5, 5, 5, 5), ons4(5, 5, 5, 5))
C_SCORES = (ons4(2, 2, 2, 9), ons4(4, 3, 3, 8))


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class _Builder:
    def __init__(self, session: Session, owner_id: object) -> None:
        self.session = session
        self.owner_id = owner_id

    def case(self, **fields: object) -> Case:
        case = Case(
            owner_id=self.owner_id,
            reference=f"R{len(self.session.new)}",
            opened_on=date(2026, 9, 1),
            **fields,
        )
        self.session.add(case)
        self.session.flush()  # no relationships say that cases go in first
        return case

    def referral(self, case: Case, sent: datetime, **fields: object) -> Referral:
        referral = Referral(case_id=case.id, created_at=sent, **fields)
        self.session.add(referral)
        self.session.flush()
        self.step(referral, S.SENT, sent, StatusSetBy.LINK_WORKER)
        return referral

    def step(
        self, referral: Referral, status: S, at: datetime, by: StatusSetBy, reason_code: str = ""
    ) -> None:
        referral.status = status
        self.session.add(
            ReferralStatusChange(
                referral_id=referral.id, status=status, set_by=by, at=at, reason_code=reason_code
            )
        )

    def wellbeing(self, case: Case, when: WellbeingWhen, on: date, scores: dict[str, int]) -> None:
        self.session.add(WellbeingRecord(case_id=case.id, when=when, recorded_on=on, scores=scores))


def add_cases(app: Flask) -> None:
    """The known set above, on the app's database (which holds the small catalogue)."""
    users = add_people(app)
    provider = StatusSetBy.PROVIDER
    start, follow_up = WellbeingWhen.START, WellbeingWhen.FOLLOW_UP
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        armley = Organisation(name="Armley Walking Group")
        session.add(armley)
        session.flush()
        make = _Builder(session, users["linkworker"].id)
        october, november = _at(date(2026, 10, 10)), _at(date(2026, 11, 5))
        reply_days = [1, 1, 1, 2, 2, 10]
        for n, (before, after) in enumerate(A_SCORES):
            case = make.case(age=19, postcode_district="LS6", needs=["loneliness"])
            tea = {
                "service_id": TEA,
                "organization_id": ORG_A,
                "service_name": "Tuesday Tea and Chat",
            }
            referral = make.referral(case, october, route=ReferralRoute.PROFESSIONAL, **tea)
            replied = october + timedelta(days=reply_days[n])
            referral.first_reply_at = replied
            make.step(referral, S.RECEIVED, replied, provider)
            accepted = october + timedelta(days=12 if n == 5 else reply_days[n])
            make.step(referral, S.ACCEPTED, accepted, provider)
            later = accepted + timedelta(days=7)
            if n >= 4:
                make.step(referral, S.DID_NOT_ATTEND, later, provider)
            if n != 4:
                make.step(referral, S.ATTENDED, later + timedelta(days=1), provider)
            make.wellbeing(case, start, date(2026, 10, 1), before)
            if n == 5:
                make.wellbeing(case, follow_up, date(2026, 10, 20), ons4(3, 4, 4, 8))
            make.wellbeing(case, follow_up, date(2026, 11, 10), after)
            if n == 0:  # before the period
                make.referral(case, _at(date(2026, 9, 15)), route=ReferralRoute.PROFESSIONAL, **tea)
        for n in range(4):
            case = make.case(age=70, postcode_district="LS7", needs=["money_debt"])
            referral = make.referral(
                case,
                november,
                route=ReferralRoute.SELF_SUPPORTED,
                service_id=LINE,
                organization_id=ORG_B,
                service_name="Evening Listening Line",
            )
            reason = "not_eligible" if n == 0 else "no_capacity"
            make.step(referral, S.DECLINED, november + timedelta(days=3), provider, reason)
            make.wellbeing(case, start, date(2026, 9, 20), B_SCORES[0])
            make.wellbeing(case, follow_up, date(2026, 11, 20), B_SCORES[1])
        late = _at(date(2026, 11, 20))
        case = make.case(needs=["loneliness", "money_debt"])
        make.referral(
            case,
            late,
            route=ReferralRoute.PROFESSIONAL,
            service_id=MONEY,
            organization_id=ORG_A,
            service_name="Money Worries Clinic",
        )
        make.wellbeing(case, start, date(2026, 10, 2), C_SCORES[0])
        make.wellbeing(case, follow_up, date(2026, 11, 25), C_SCORES[1])
        for _ in range(5):
            case = make.case(age_band="16-17", postcode_district="LS6")
            make.referral(
                case,
                late,
                route=ReferralRoute.PROFESSIONAL,
                organization_id=armley.id,
                service_name="Armley Walks",
            )
        no_start = make.case(needs=["loneliness"])
        make.wellbeing(no_start, follow_up, date(2026, 11, 1), ons4(9, 9, 9, 1))
        too_late = make.case(needs=["loneliness"])
        make.wellbeing(too_late, start, date(2026, 10, 1), ons4(1, 1, 1, 9))
        make.wellbeing(too_late, follow_up, date(2026, 12, 1), ons4(9, 9, 9, 1))
        searched = _at(date(2026, 11, 3))
        for place, n, needs in SEARCHES:
            session.add_all(
                SearchLog(searched_at=searched, place=place, results=2, needs=list(needs))
                for _ in range(n)
            )
        session.commit()
