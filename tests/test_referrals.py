"""Referring a case and changing a referral's status: what a referral starts as, what it
refuses, every step allowed and refused for each who, reasons, the provider's first reply,
two answers at once, the follow-up date and the case API's referrals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from accounts_helpers import DRAFT, LINE, ORG_A, TEA, add_people
from referrals_helpers import engine, make_case, refer, referral_at
from sqlmodel import Session, select

from directory import clock
from directory.models import (
    Case,
    CaseStatus,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    StatusSetBy,
    User,
)
from directory.referrals import referring
from directory.referrals.status import TransitionError

S = ReferralStatus

# The flow, written out here and not read from status.py, so that a change to the
# table that breaks the flow fails these tests.
FLOW: dict[S, set[S]] = {
    S.SENT: {S.RECEIVED, S.ACCEPTED, S.DECLINED, S.CANCELLED},
    S.RECEIVED: {S.ACCEPTED, S.DECLINED, S.CANCELLED},
    S.ACCEPTED: {S.ATTENDED, S.DID_NOT_ATTEND, S.CANCELLED},
    S.DID_NOT_ATTEND: {S.ATTENDED, S.CANCELLED},
    S.ATTENDED: {S.COMPLETED, S.CANCELLED},
    S.DECLINED: set(),
    S.COMPLETED: set(),
    S.CANCELLED: set(),
}
PROVIDER_ANSWERS = {S.RECEIVED, S.ACCEPTED, S.DECLINED, S.ATTENDED, S.DID_NOT_ATTEND}
GOOD_REASON = {
    S.DECLINED: {"reason_code": "no_capacity"},
    S.CANCELLED: {"reason": "They moved away."},
}


@pytest.fixture
def people(small_app):
    return add_people(small_app)


@pytest.fixture
def case(small_app, people):
    return make_case(small_app, people["linkworker"])


def count(session, model) -> int:
    return len(session.exec(select(model)).all())


# --- making a referral ------------------------------------------------------------------


def test_a_referral_starts_sent_with_its_history_and_a_follow_up_in_14_days(
    small_app, people, case, session_for
):
    made = refer(small_app, case, people["linkworker"], TEA, note="Likes mornings.")
    session = session_for(small_app)
    referral = session.get(Referral, made.id)
    assert referral.status is S.SENT
    assert referral.organization_id == ORG_A
    assert referral.service_name == "Tuesday Tea and Chat"
    assert referral.shared == ["age", "postcode_district", "needs", "note"]
    assert referral.follow_up_on == clock.today() + timedelta(days=14)
    (first,) = session.exec(select(ReferralStatusChange)).all()
    assert (first.status, first.set_by, first.user_id) == (
        S.SENT,
        StatusSetBy.LINK_WORKER,
        people["linkworker"].id,
    )


def test_the_follow_up_default_is_configurable(small_app, people, case):
    small_app.config["REFERRAL_FOLLOW_UP_DAYS"] = 7
    made = refer(small_app, case, people["linkworker"], TEA)
    assert made.follow_up_on == clock.today() + timedelta(days=7)


def test_without_consent_only_the_referral_and_its_route_are_shared(small_app, people):
    case = make_case(small_app, people["linkworker"], consent=False)
    made = refer(small_app, case, people["linkworker"], TEA, route="self_supported")
    assert made.shared == []
    with Session(engine(small_app)) as session:
        (shown,) = referring.for_provider(session, [session.get(Referral, made.id)])
    assert shown.shared == []
    assert shown.route.startswith("They refer themselves")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"service_id": "not-an-id"}, "service_id"),
        ({"service_id": str(DRAFT)}, "service_id"),  # not published
        ({"route": "carrier pigeon"}, "route"),
        ({"note": "x" * 1001}, "note"),
        ({"shared": ["nhs_number"]}, "shared"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    small_app, people, case, session_for, changes, field
):
    values = {"service_id": str(TEA), "route": "professional", **changes}
    with pytest.raises(referring.ReferralError) as refused:
        refer(small_app, case, people["linkworker"], **values)
    assert field in refused.value.problems
    assert count(session_for(small_app), Referral) == 0


def test_nothing_is_shared_or_noted_for_the_provider_without_consent(
    small_app, people, session_for
):
    case = make_case(small_app, people["linkworker"], consent=False)
    for extra in ({"shared": ["age"]}, {"note": "Call after 5."}):
        with pytest.raises(referring.ReferralError) as refused:
            refer(small_app, case, people["linkworker"], TEA, **extra)
        assert "not agreed" in str(refused.value)
    assert count(session_for(small_app), Referral) == 0


def test_a_closed_case_cannot_refer(small_app, people):
    case = make_case(small_app, people["linkworker"], status=CaseStatus.CLOSED)
    with pytest.raises(referring.ReferralError, match="closed"):
        refer(small_app, case, people["linkworker"], TEA)


def test_what_matters_is_shared_only_when_chosen(small_app, people):
    default = refer(
        small_app, make_case(small_app, people["linkworker"]), people["linkworker"], TEA
    )
    chosen = refer(
        small_app,
        make_case(small_app, people["linkworker"], reference="LW-2"),
        people["linkworker"],
        TEA,
        shared=["needs", "what_matters"],
    )
    with Session(engine(small_app)) as session:
        a, b = referring.for_provider(
            session, [session.get(Referral, default.id), session.get(Referral, chosen.id)]
        )
    assert ("What matters to them", "Gardening with others") not in a.shared
    assert b.shared == [("Needs", "loneliness"), ("What matters to them", "Gardening with others")]


# --- every step, for each who ------------------------------------------------------------


@pytest.mark.parametrize("by", list(StatusSetBy))
def test_every_step_is_allowed_or_refused_as_the_flow_says(small_app, people, case, by):
    problems = []
    with Session(engine(small_app)) as session:
        for current in S:
            for wanted in S:
                if wanted is S.SENT and current is S.SENT:
                    continue
                referral = referral_at(session, case, TEA, current, ORG_A)
                allowed = wanted in FLOW[current] and (
                    by is not StatusSetBy.PROVIDER or wanted in PROVIDER_ANSWERS
                )
                try:
                    referring.set_status(
                        session, referral, wanted, by=by, user=None, **GOOD_REASON.get(wanted, {})
                    )
                except TransitionError as refused:
                    happened = False
                    assert str(refused), (current, wanted)
                else:
                    happened = True
                session.refresh(referral)
                if happened != allowed:
                    problems.append(f"{current} -> {wanted} by {by}: {happened}, want {allowed}")
                history = session.exec(
                    select(ReferralStatusChange).where(
                        ReferralStatusChange.referral_id == referral.id
                    )
                ).all()
                assert referral.status is (wanted if allowed else current)
                assert len(history) == (2 if allowed else 1)
    assert problems == []


def test_a_refused_step_says_what_it_can_become(small_app, people, case):
    with Session(engine(small_app)) as session:
        referral = referral_at(session, case, TEA, S.SENT, ORG_A)
        with pytest.raises(TransitionError) as refused:
            referring.set_status(
                session, referral, S.COMPLETED, by=StatusSetBy.LINK_WORKER, user=None
            )
        assert "sent cannot become completed" in str(refused.value)
        assert "received, accepted, declined, cancelled" in str(refused.value)
        with pytest.raises(TransitionError, match="Only the link worker"):
            referral = referral_at(session, case, TEA, S.ATTENDED, ORG_A)
            referring.set_status(session, referral, S.COMPLETED, by=StatusSetBy.PROVIDER, user=None)
        with pytest.raises(TransitionError, match="not a status"):
            referring.set_status(session, referral, "lost", by=StatusSetBy.PROVIDER, user=None)


@pytest.mark.parametrize(
    ("wanted", "reason", "ok"),
    [
        (S.DECLINED, {}, False),
        (S.DECLINED, {"reason_code": "too_busy"}, False),
        (S.DECLINED, {"reason_code": "other"}, False),
        (S.DECLINED, {"reason_code": "other", "reason": "   "}, False),
        (S.DECLINED, {"reason_code": "other", "reason": "Group is full until March."}, True),
        (S.DECLINED, {"reason_code": "not_eligible"}, True),
        (S.CANCELLED, {}, False),
        (S.CANCELLED, {"reason": "They found a job."}, True),
        (S.CANCELLED, {"reason": "x" * 501}, False),
    ],
)
def test_declining_and_cancelling_need_their_reasons(small_app, people, case, wanted, reason, ok):
    with Session(engine(small_app)) as session:
        referral = referral_at(session, case, TEA, S.RECEIVED, ORG_A)
        by = StatusSetBy.PROVIDER if wanted is S.DECLINED else StatusSetBy.LINK_WORKER
        if not ok:
            with pytest.raises(TransitionError):
                referring.set_status(session, referral, wanted, by=by, user=None, **reason)
            session.refresh(referral)
            assert referral.status is S.RECEIVED
            return
        referring.set_status(session, referral, wanted, by=by, user=None, **reason)
        last = session.exec(
            select(ReferralStatusChange)
            .where(ReferralStatusChange.referral_id == referral.id)
            .order_by(ReferralStatusChange.at.desc())
        ).first()
        assert last.status is wanted
        assert last.reason_code == reason.get("reason_code", "")
        assert last.reason == " ".join(reason.get("reason", "").split())


def test_the_first_reply_is_the_providers_first_answer(small_app, people, case):
    with Session(engine(small_app)) as session:
        referral = referral_at(session, case, TEA, S.SENT, ORG_A)
        editor = session.get(User, people["editor"].id)
        # the link worker's own record is no reply from the provider
        referring.set_status(session, referral, S.RECEIVED, by=StatusSetBy.LINK_WORKER, user=None)
        assert referral.first_reply_at is None
        referring.set_status(session, referral, S.ACCEPTED, by=StatusSetBy.PROVIDER, user=editor)
        first = referral.first_reply_at
        assert first is not None
        referring.set_status(session, referral, S.ATTENDED, by=StatusSetBy.PROVIDER, user=editor)
        assert referral.first_reply_at == first
        who = [c.user_id for c in referring.histories(session, [referral])[referral.id]]
        assert who[-2:] == [editor.id, editor.id]


def test_two_answers_at_once_lose_nothing_and_the_second_is_told(small_app, people, case):
    with Session(engine(small_app)) as setup:
        made_id = referral_at(setup, case, TEA, S.SENT, ORG_A).id
    first, second = Session(engine(small_app)), Session(engine(small_app))
    try:
        mine, theirs = first.get(Referral, made_id), second.get(Referral, made_id)
        assert mine.version == theirs.version == 1  # both read it before either answered
        referring.set_status(first, mine, S.ACCEPTED, by=StatusSetBy.PROVIDER, user=None)
        with pytest.raises(referring.AnsweredMeanwhile) as told:
            referring.set_status(
                second,
                theirs,
                S.DECLINED,
                by=StatusSetBy.PROVIDER,
                user=None,
                reason_code="no_capacity",
            )
        assert "it is now accepted" in str(told.value)
        # the form's version, sent back, is refused the same way
        with pytest.raises(referring.AnsweredMeanwhile):
            referring.set_status(
                second, theirs, S.ATTENDED, by=StatusSetBy.PROVIDER, user=None, version=1
            )
    finally:
        first.close()
        second.close()
    with Session(engine(small_app)) as session:
        referral = session.get(Referral, made_id)
        assert referral.status is S.ACCEPTED and referral.version == 2
        history = referring.histories(session, [referral])[referral.id]
        assert [c.status for c in history] == [S.SENT, S.ACCEPTED]


# --- follow-up and the case API ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "says"),
    [("next week", "Enter the follow-up date"), ("2000-01-01", "before"), ("2099-01-01", "year")],
)
def test_a_bad_follow_up_date_is_refused(small_app, people, case, typed, says):
    made = refer(small_app, case, people["linkworker"], TEA)
    with Session(engine(small_app)) as session:
        referral = session.get(Referral, made.id)
        with pytest.raises(referring.ReferralError, match=says):
            referring.set_follow_up(session, referral, typed)
        session.refresh(referral)
        assert referral.follow_up_on == made.follow_up_on


def test_the_follow_up_date_can_be_moved(small_app, people, case):
    made = refer(small_app, case, people["linkworker"], TEA)
    later = made.follow_up_on + timedelta(days=10)
    with Session(engine(small_app)) as session:
        referring.set_follow_up(session, session.get(Referral, made.id), later.isoformat())
        assert session.get(Referral, made.id).follow_up_on == later


def test_referrals_json_lists_each_referral_with_its_history(small_app, people, case):
    made = refer(small_app, case, people["linkworker"], TEA)
    refer(small_app, case, people["linkworker"], LINE, route="self_supported")
    with Session(engine(small_app)) as session:
        referral = session.get(Referral, made.id)
        referring.set_status(
            session,
            referral,
            S.DECLINED,
            by=StatusSetBy.PROVIDER,
            user=None,
            reason_code="no_capacity",
        )
        found = referring.referrals_json(session, session.get(Case, case.id))
    assert [r["service_id"] for r in found] == [str(TEA), str(LINE)]
    assert found[0]["status"] == "declined"
    assert found[0]["history"][0] == {
        "status": "sent",
        "by": "link_worker",
        "at": found[0]["history"][0]["at"],
    }
    assert found[0]["history"][1]["by"] == "provider"
    assert found[0]["history"][1]["reason"] == "No capacity"
    assert found[1]["route"] == "self_supported"
