"""How quickly a service answers referrals, shown to link workers on its page and in match
results: the median days to the first reply and the share accepted over six months, hidden
under five referrals ("not enough referrals yet"), the organisation's when the service alone
has too few."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from accounts_helpers import ORG_A, TEA, add_people, client_for
from referrals_helpers import engine, make_case, referral_at
from sqlmodel import Session

from directory.models import (
    ReferralStatus,
    ReferralStatusChange,
    StatusSetBy,
    stable_id,
    utcnow,
)
from directory.referrals import responsiveness

S = ReferralStatus
MONEY = stable_id("service", "hyde-park-money-clinic")  # also of ORG_A
OLDER = {"age": "72", "postcode": "LS6 1BD", "needs": ["loneliness"]}


def add_referrals(
    app,
    case,
    service_id,
    replies: list[float | None],
    accepted: int,
    *,
    days_ago: int = 20,
    status: S = S.SENT,
) -> None:
    """Referrals made days_ago, replied to after each of `replies` days (None: no reply);
    the first `accepted` of them accepted."""
    made = utcnow() - timedelta(days=days_ago)
    with Session(engine(app)) as session:
        for n, wait in enumerate(replies):
            referral = referral_at(session, case, service_id, status, ORG_A)
            referral.created_at = made
            if wait is not None:
                referral.first_reply_at = made + timedelta(days=wait)
            session.add(referral)
            if n < accepted:
                session.add(
                    ReferralStatusChange(
                        referral_id=referral.id,
                        status=S.ACCEPTED,
                        set_by=StatusSetBy.PROVIDER,
                    )
                )
            session.commit()


@pytest.fixture
def world(small_app):
    people = add_people(small_app)
    return small_app, people, make_case(small_app, people["linkworker"])


def figures(app):
    with Session(engine(app)) as session:
        return responsiveness.shown_for(session, TEA, ORG_A)


def test_four_referrals_are_not_enough_and_five_are(world):
    app, _, case = world
    add_referrals(app, case, TEA, [1, 2, 3, None], accepted=2)
    assert figures(app) is None
    add_referrals(app, case, TEA, [10], accepted=1)
    shown = figures(app)
    assert shown.about == "service"
    assert (shown.referrals, shown.replied, shown.accepted) == (5, 4, 3)
    assert shown.median_days == 2.5  # of 1, 2, 3 and 10
    assert shown.accepted_share == pytest.approx(0.6)


def test_only_the_last_six_months_count_and_withdrawn_referrals_do_not(world):
    app, _, case = world
    add_referrals(app, case, TEA, [1, 1, 1, 1], accepted=4)
    add_referrals(app, case, TEA, [1, 1], accepted=2, days_ago=200)  # too old
    add_referrals(app, case, TEA, [None, None], accepted=0, status=S.CANCELLED)  # withdrawn
    assert figures(app) is None


def test_a_service_with_too_few_shows_its_organisations_figures(world):
    app, _, case = world
    add_referrals(app, case, TEA, [4, 4], accepted=0)
    add_referrals(app, case, MONEY, [1, 1, 1], accepted=3)
    shown = figures(app)
    assert shown.about == "organisation" and shown.referrals == 5
    assert shown.median_days == 1.0 and shown.accepted == 3


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_link_workers_see_it_on_the_service_page_and_nobody_else_does(world):
    app, _, case = world
    add_referrals(app, case, TEA, [1, 2, 3, None], accepted=2)
    page = text_of(client_for(app, "linkworker").get(f"/services/{TEA}"))
    assert "not enough referrals yet" in page
    add_referrals(app, case, TEA, [10], accepted=1)
    page = text_of(client_for(app, "linkworker").get(f"/services/{TEA}"))
    assert "first reply in 2.5 days (median); 60% accepted (3 of 5)" in page
    for who in (None, "editor", "manager"):
        assert "signpost-responsiveness" not in client_for(app, who).get(f"/services/{TEA}").text


def test_link_workers_see_it_in_the_match_results(world):
    app, _, case = world
    add_referrals(app, case, TEA, [1, 1, 1, 1, 1], accepted=5)
    response = client_for(app, "linkworker").post("/link-worker/match", data=OLDER)
    assert response.status_code == 200
    suggested = text_of(response).partition('id="excluded"')[0]
    assert "Tuesday Tea and Chat" in suggested
    assert "first reply in 1.0 days (median); 100% accepted (5 of 5)" in suggested
