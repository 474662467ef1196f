"""The link workers' daily digest, sent by `flask send-reminders` beside the listings'
reminders: what is due (follow-ups, referrals with no reply after N days, wellbeing checks),
on open cases only, to each link worker once a day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from accounts_helpers import LINE, ORG_A, TEA, add_people, mail_settings, smtp_server
from referrals_helpers import engine, make_case, referral_at
from sqlmodel import Session, select

from directory import clock
from directory.models import CaseStatus, LinkWorkerDigest, ReferralStatus, User
from directory.referrals import reminders

S = ReferralStatus
TODAY = date(2027, 3, 10)
NOON = datetime(2027, 3, 10, 12, 0, tzinfo=clock.LONDON)


@pytest.fixture
def due_world(small_app):
    """A link worker's cases with one thing of each kind due, and things not due."""
    people = add_people(small_app)
    worker = people["linkworker"]
    case = make_case(small_app, worker, wellbeing_due_on=TODAY - timedelta(days=1))
    later = make_case(
        small_app, worker, reference="LW-LATER", wellbeing_due_on=TODAY + timedelta(days=3)
    )
    closed = make_case(
        small_app,
        worker,
        reference="LW-SHUT",
        status=CaseStatus.CLOSED,
        wellbeing_due_on=TODAY - timedelta(days=9),
    )
    with Session(engine(small_app)) as session:
        follow = referral_at(session, case, TEA, S.ACCEPTED, ORG_A)
        follow.follow_up_on, follow.service_name = TODAY, "Tuesday Tea and Chat"
        quiet = referral_at(session, case, LINE, S.SENT)
        quiet.created_at = datetime(2027, 3, 2, 9, 0, tzinfo=clock.LONDON)  # 8 days before
        quiet.follow_up_on, quiet.service_name = TODAY + timedelta(days=6), "Evening Listening Line"
        recent = referral_at(session, later, TEA, S.SENT, ORG_A)
        recent.created_at = datetime(2027, 3, 8, 9, 0, tzinfo=clock.LONDON)  # 2 days before
        recent.follow_up_on = TODAY + timedelta(days=12)
        ended = referral_at(session, later, TEA, S.DECLINED, ORG_A)
        ended.follow_up_on = TODAY - timedelta(days=1)  # declined: nothing to follow up
        shut = referral_at(session, closed, TEA, S.ACCEPTED, ORG_A)
        shut.follow_up_on = TODAY - timedelta(days=1)  # a closed case: nothing due
        session.add_all([follow, quiet, recent, ended, shut])
        session.commit()
    return small_app, people


def test_what_is_due_is_follow_ups_quiet_referrals_and_wellbeing_checks(due_world):
    app, people = due_world
    with app.app_context(), Session(engine(app)) as session:
        due = reminders.due_for(session, session.get(User, people["linkworker"].id), TODAY)
        assert [r.service_name for _, r in due.follow_ups] == ["Tuesday Tea and Chat"]
        assert [r.service_name for _, r in due.no_reply] == ["Evening Listening Line"]
        assert [c.reference for c in due.wellbeing] == ["LW-0042"]
        app.config["REFERRAL_NO_REPLY_DAYS"] = 9  # configurable: 8 days is not yet quiet
        due = reminders.due_for(session, session.get(User, people["linkworker"].id), TODAY)
        assert due.no_reply == []
        nobody = reminders.due_for(session, session.get(User, people["admin"].id), TODAY)
        assert len(nobody) == 0


@pytest.mark.live_server
def test_send_reminders_emails_each_link_worker_a_digest_once_a_day(due_world):
    app, people = due_world
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        runner = app.test_cli_runner()
        with time_machine.travel(NOON, tick=False):
            first = runner.invoke(args=["send-reminders"])
            again = runner.invoke(args=["send-reminders"])
        with time_machine.travel(NOON + timedelta(days=1), tick=False):
            next_day = runner.invoke(args=["send-reminders"])
    for result in (first, again, next_day):
        assert result.exit_code == 0, result.output
    assert "Sent 1 link worker digest(s); 0 had theirs today already." in first.output
    assert "Sent 0 link worker digest(s); 1 had theirs today already." in again.output
    assert "Sent 1 link worker digest(s)" in next_day.output
    digests = [m for m in box.messages if m["To"] == "linkworker@example.org"]
    assert len(digests) == 2
    text = digests[0].get_content().replace("\r\n", "\n")
    assert digests[0]["Subject"] == "3 things due on your cases today"
    assert "Follow-ups due:\n- LW-0042: Tuesday Tea and Chat" in text
    assert "Referrals with no reply after 7 days:\n- LW-0042: Evening Listening Line" in text
    assert "Wellbeing checks due:\n- LW-0042: due 9 March: http" in text
    assert "on 10 March 2027" in text
    assert "LW-LATER" not in text and "LW-SHUT" not in text
    assert "Gardening" not in text  # case references and services, nothing personal
    assert "/link-worker/cases/" in text
    with Session(engine(app)) as session:
        sent = session.exec(select(LinkWorkerDigest)).all()
    assert sorted(d.sent_on for d in sent) == [TODAY, TODAY + timedelta(days=1)]


def test_a_digest_that_fails_to_send_is_tried_again_the_same_day(due_world):
    app, _ = due_world

    def broken(*_args):
        raise OSError("mail server down")

    with app.test_request_context(), Session(engine(app)) as session:
        failing = reminders.send_digests(session, broken, TODAY)
        assert (failing.sent, failing.failed) == (0, 1)  # counted, and the run went on
        sent: list[str] = []
        run = reminders.send_digests(session, lambda to, *_: sent.extend(to), TODAY)
    assert run.sent == 1 and sent == ["linkworker@example.org"]
