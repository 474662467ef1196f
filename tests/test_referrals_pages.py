"""The link worker's referral pages for a case: refer (from the case's shortlist or any
listed service), record a status change for the provider or the person, move the follow-up
date; another link worker's case is not found; every view and change is in the access log."""

from __future__ import annotations

import re

import pytest
from accounts_helpers import LINE, TEA, add_people, client_for
from referrals_helpers import engine, make_case
from sqlmodel import Session, select

from directory.models import (
    CaseAccess,
    Referral,
    ReferralStatus,
    Role,
    Shortlist,
    ShortlistItem,
    User,
)

S = ReferralStatus


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def world(small_app):
    people = add_people(small_app)
    case = make_case(small_app, people["linkworker"])
    with Session(engine(small_app)) as session:
        shortlist = Shortlist(owner_id=people["linkworker"].id, label="LW-0042", case_id=case.id)
        session.add(shortlist)
        session.flush()
        session.add(ShortlistItem(shortlist_id=shortlist.id, service_id=LINE))
        session.commit()
    return small_app, people, case, client_for(small_app, "linkworker")


def referrals_of(app, case) -> list[Referral]:
    with Session(engine(app), expire_on_commit=False) as session:
        return list(session.exec(select(Referral).where(Referral.case_id == case.id)).all())


def test_the_page_offers_the_cases_shortlist_first(world):
    app, _, case, client = world
    page = text_of(client.get(f"/link-worker/cases/{case.id}/referrals"))
    assert "No referrals yet." in page
    shortlisted = page.split('<optgroup label="On the shortlist">')[1].split("</optgroup>")[0]
    assert "Evening Listening Line" in shortlisted and "Tuesday Tea" not in shortlisted
    assert 'value="what_matters"' in page  # they agreed: what to share is offered


def test_refer_then_record_the_providers_answer_then_move_the_follow_up(world):
    app, _, case, client = world
    response = client.post(
        f"/link-worker/cases/{case.id}/referrals",
        data={
            "service_id": str(TEA),
            "route": "self_supported",
            "shared": ["needs"],
            "note": "Mornings are best.",
        },
    )
    assert response.status_code == 302
    (referral,) = referrals_of(app, case)
    assert referral.shared == ["needs", "note"] and referral.status is S.SENT
    page = text_of(client.get(response.headers["Location"]))
    assert "Referred to Tuesday Tea and Chat." in page
    assert "Sent: Link worker" in page
    client.post(
        f"/link-worker/cases/{case.id}/referrals/{referral.id}/status",
        data={"status": "received", "by": "provider", "version": "1"},
    )
    (referral,) = referrals_of(app, case)
    assert referral.status is S.RECEIVED and referral.first_reply_at is not None
    page = text_of(client.get(f"/link-worker/cases/{case.id}/referrals"))
    assert "Received: Provider" in page
    refused = client.post(
        f"/link-worker/cases/{case.id}/referrals/{referral.id}/status",
        data={"status": "completed", "by": "person", "version": "2"},
    )
    assert refused.status_code == 302
    assert "Nothing was changed: A referral that is received cannot become completed" in text_of(
        client.get(f"/link-worker/cases/{case.id}/referrals")
    )
    client.post(
        f"/link-worker/cases/{case.id}/referrals/{referral.id}/follow-up",
        data={"follow_up_on": "soon"},
    )
    assert referrals_of(app, case)[0].follow_up_on == referral.follow_up_on
    new_date = referral.follow_up_on.isoformat()[:8] + "28"  # after the day it was made
    client.post(
        f"/link-worker/cases/{case.id}/referrals/{referral.id}/follow-up",
        data={"follow_up_on": new_date},
    )
    assert referrals_of(app, case)[0].follow_up_on.isoformat() == new_date
    with Session(engine(app)) as session:
        actions = [a.action for a in session.exec(select(CaseAccess)).all()]
    assert "viewed" in actions and actions.count("changed") == 3


def test_bad_details_show_what_to_fix_and_refer_nobody(world):
    app, _, case, client = world
    response = client.post(
        f"/link-worker/cases/{case.id}/referrals", data={"service_id": "", "route": ""}
    )
    assert response.status_code == 400
    page = text_of(response)
    assert (
        "There is a problem" in page and "Choose a service" in page and "Choose the route" in page
    )
    assert referrals_of(app, case) == []


def test_without_consent_nothing_is_offered_to_share_and_nothing_is_shared(small_app):
    people = add_people(small_app)
    case = make_case(small_app, people["linkworker"], consent=False)
    client = client_for(small_app, "linkworker")
    page = text_of(client.get(f"/link-worker/cases/{case.id}/referrals"))
    assert 'name="shared"' not in page and "have not agreed" in page
    client.post(
        f"/link-worker/cases/{case.id}/referrals",
        data={"service_id": str(TEA), "route": "professional", "shared": ["what_matters"]},
    )
    (referral,) = referrals_of(small_app, case)
    assert referral.shared == []


def test_another_link_workers_case_is_not_found(world):
    app, _, case, _ = world
    with Session(engine(app), expire_on_commit=False) as session:
        other = User(email="lw3@example.org", password_hash="x", role=Role.LINK_WORKER)
        session.add(other)
        session.commit()
    client = app.test_client()
    client.post("/dev/sign-in", data={"user": str(other.id)})
    assert client.get(f"/link-worker/cases/{case.id}/referrals").status_code == 404
    response = client.post(
        f"/link-worker/cases/{case.id}/referrals",
        data={"service_id": str(TEA), "route": "professional"},
    )
    assert response.status_code == 404 and "LW-0042" not in response.text
    assert referrals_of(app, case) == []
