"""Keeping listings fresh, on a frozen clock: stale flags, reminders, the emailed link, matching.

In the small catalogue, Tuesday Tea was last checked on 2026-09-14 and the Money Clinic on
2025-01-10. STALE_AFTER_DAYS is 183 and MATCHING_GRACE_DAYS 60 by default.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from accounts_helpers import (
    MONEY,
    TEA,
    add_people,
    client_for,
    mail_settings,
    smtp_server,
)
from conftest import build_index
from flask import Flask
from sqlmodel import Session, select

from directory import db, search
from directory.listings import freshness
from directory.matching import profiles, suggestions
from directory.models import (
    ListingChange,
    ListingReport,
    ListingStatus,
    Service,
    VerificationReminder,
)

# 2026-09-14 + 183 days = 2027-03-16: the last day Tuesday Tea is fresh.
LAST_FRESH = "2027-03-16 12:00 +0000"
FIRST_STALE = "2027-03-17 12:00 +0000"

# Links and addresses do not depend on the database; dates and reminders run on both.
SQLITE_ONLY = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


@pytest.fixture
def app(small_app: Flask) -> Flask:
    add_people(small_app)
    return small_app


def service(app: Flask, service_id=TEA) -> Service:
    with Session(app.extensions[db.ENGINE_KEY], expire_on_commit=False) as session:
        return session.get(Service, service_id)


def test_a_listing_goes_stale_after_the_configured_days(app):
    tea = service(app)
    with app.app_context():
        assert not freshness.is_stale(tea, date(2027, 3, 16))
        assert freshness.is_stale(tea, date(2027, 3, 17))
        assert freshness.out_of_matching_on(tea) == date(2027, 5, 15)
        app.config["STALE_AFTER_DAYS"] = 30
        assert freshness.is_stale(tea, date(2026, 10, 15))


@pytest.mark.parametrize(
    ("moment", "flagged"), [(LAST_FRESH, False), (FIRST_STALE, True)], ids=["fresh", "stale"]
)
def test_stale_listings_are_flagged_to_editors_managers_and_the_public(app, moment, flagged):
    with time_machine.travel(moment, tick=False):
        editor_page = client_for(app, "editor").get("/manage/").text
        manager_page = client_for(app, "manager").get("/manage/").text
        public_page = app.test_client().get(f"/services/{TEA}").text
    for page in (editor_page, manager_page):
        stale_list = page.split("Listings not checked")[1]
        assert ("Tuesday Tea and Chat" in stale_list) is flagged
        assert "Money Worries Clinic" in stale_list  # checked in January 2025
    assert ("details may have changed" in public_page) is flagged
    if flagged:
        assert "Last checked 6 months ago (14 September 2026)" in public_page


def test_confirming_moves_the_date_not_the_version_nor_updated_at(app):
    with app.app_context(), Session(app.extensions[db.ENGINE_KEY]) as session:
        search.rebuild(session, search.index())
    before = service(app)
    with time_machine.travel(FIRST_STALE, tick=False):
        response = client_for(app, "editor").post(f"/manage/services/{TEA}/confirm")
        assert response.status_code == 302
        after = service(app)
        assert after.last_verified == date(2027, 3, 17)
        assert not freshness_is_stale(app, after)
    assert (after.version, after.updated_at) == (before.version, before.updated_at)
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        change = session.exec(select(ListingChange)).one()
    assert change.action == "confirmed" and change.actor == "editor@example.org"
    assert change.after == {"last_verified": "2027-03-17"}
    # search knows at once: it ranks a listing past its check date lower
    with app.app_context(), search.index().open().searcher() as searcher:
        stored = searcher.document(id=str(TEA))
    assert stored is not None and str(stored["last_verified"]).startswith("2027-03-17")


def freshness_is_stale(app: Flask, item: Service) -> bool:
    with app.app_context():
        return freshness.is_stale(item)


def test_a_listing_drops_out_of_matching_after_the_grace_period_but_stays_in_search(app):
    with app.app_context(), Session(db.engine()) as session:
        profile = profiles.profile_from(age=70, postcode="LS6 1BD", needs=["loneliness"])
        on_last_day = suggestions.suggest(session, profile, today=date(2027, 5, 15))
        after = suggestions.suggest(session, profile, today=date(2027, 5, 16))
        app.config["MATCHING_GRACE_DAYS"] = 0
        shorter = suggestions.suggest(session, profile, today=date(2027, 3, 17))
    suggested = {s.service_id for s in on_last_day.suggestions}
    assert str(TEA) in suggested
    assert str(TEA) not in {s.service_id for s in after.suggestions}
    excluded = {e.service_id: e for e in after.excluded}
    assert "last checked in September 2026" in excluded[str(TEA)].reasons[0].text
    assert str(TEA) not in {s.service_id for s in shorter.suggestions}
    build_index(app)
    with time_machine.travel("2027-06-01 12:00 +0000", tick=False):
        found = app.test_client().get("/api/v1/search", query_string={"q": "tuesday tea"})
        assert "Tuesday Tea and Chat" in found.text


def _run_reminders(app: Flask, moment: str, box) -> int:
    with time_machine.travel(moment, tick=False):
        before = len(box.messages)
        result = app.test_cli_runner().invoke(args=["send-reminders"])
        assert result.exit_code == 0, result.output
    return len(box.messages) - before


@pytest.mark.live_server  # a real SMTP server on loopback
def test_up_to_three_escalating_reminders_at_the_configured_intervals(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        # Tuesday Tea: first reminder 169 days after 2026-09-14, that is 2027-03-02.
        assert _run_reminders(app, "2027-03-01 08:00 +0000", box) == 1  # the Money Clinic
        money = box.messages[-1]
        assert money["To"] == "editor@example.org" and "still right" in money["Subject"]
        assert _run_reminders(app, "2027-03-01 09:00 +0000", box) == 0  # not twice in a day
        assert _run_reminders(app, "2027-03-02 08:00 +0000", box) == 1
        assert "Tuesday Tea and Chat" in box.messages[-1]["Subject"]
        assert _run_reminders(app, "2027-03-15 08:00 +0000", box) == 1  # Money, 14 days on
        assert "Reminder" in box.messages[-1]["Subject"]
        assert _run_reminders(app, "2027-03-16 08:00 +0000", box) == 1  # Tea, second
        assert _run_reminders(app, "2027-03-29 08:00 +0000", box) == 1  # Money, third
        last = box.messages[-1]
        assert last["Subject"].startswith("Last reminder")
        # The last one reaches the managers too.
        assert {"editor@example.org", "manager@example.org", "admin@example.org"} <= {
            a.strip() for a in last["To"].split(",")
        }
        assert _run_reminders(app, "2027-04-12 08:00 +0000", box) == 1  # Tea's third only
        assert "Tuesday Tea" in box.messages[-1]["Subject"]
        # Three is the most: now only the Listening Line (checked 2026-11-01) is due.
        assert _run_reminders(app, "2027-06-01 08:00 +0000", box) == 1
        assert "Evening Listening Line" in box.messages[-1]["Subject"]
        assert _run_reminders(app, "2027-06-02 08:00 +0000", box) == 0
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        sent = session.exec(select(VerificationReminder)).all()
    assert sorted(r.number for r in sent if r.service_id == MONEY) == [1, 2, 3]


@pytest.mark.live_server  # a real SMTP server on loopback
@SQLITE_ONLY
def test_reminders_go_to_the_organisation_address_when_it_has_no_editor(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        # The listening line of Chapeltown, whose editor is other_editor; remove them.
        with Session(app.extensions[db.ENGINE_KEY]) as session:
            from directory.models import User

            for person in session.exec(select(User).where(User.organization_id.is_not(None))):
                person.active = False
                session.add(person)
            session.commit()
        with time_machine.travel("2027-06-01 08:00 +0000", tick=False):
            result = app.test_cli_runner().invoke(args=["send-reminders"])
        assert {m["To"] for m in box.messages} == {"hello@hydeparkfriends.example.org"}
    # The Listening Line's organisation has no email address and no editor.
    assert "Sent 2 reminder(s) in 2 email(s); 1 listing(s) have nobody to remind." in result.output


def _check_link(app: Flask, box) -> str:
    _run_reminders(app, "2027-03-02 08:00 +0000", box)
    tea = [m for m in box.messages if "Tuesday Tea" in m["Subject"]][0]
    link = [x for x in box.links() if "/listings/check/" in x and x in tea.get_content()]
    return "/" + link[0].split("/", 3)[3]


@pytest.mark.live_server  # a real SMTP server on loopback
@pytest.mark.parametrize("answer", ["still_right", "needs_changes", "closed"])
def test_the_emailed_link_needs_no_sign_in(app, answer):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        link = _check_link(app, box)
    client = app.test_client()
    with time_machine.travel("2027-03-03 10:00 +0000", tick=False):
        page = client.get(link)
        assert page.status_code == 200 and "Is the listing for Tuesday Tea and Chat" in page.text
        assert service(app).last_verified == date(2026, 9, 14)  # opening the link changes nothing
        bad = client.post(link, data={"answer": "maybe"})
        assert bad.status_code == 400
        assert client.post(link, data={"answer": answer}).status_code == 302
    tea = service(app)
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        reports = session.exec(select(ListingReport)).all()
    if answer == "still_right":
        assert tea.last_verified == date(2027, 3, 3)
        # Answered: the link has done its job.
        assert client.get(link).status_code == 404
    elif answer == "needs_changes":
        assert [r.kind for r in reports] == ["wrong_details"]
        assert tea.last_verified == date(2026, 9, 14)
    else:
        assert tea.status == ListingStatus.ARCHIVED
        assert app.test_client().get(f"/services/{TEA}").status_code == 404


@pytest.mark.live_server  # a real SMTP server on loopback
@SQLITE_ONLY
def test_an_expired_or_forged_check_link_does_nothing(app):
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        link = _check_link(app, box)
    with time_machine.travel("2027-04-02 08:01 +0000", tick=False):  # 31 days on
        assert app.test_client().get(link).status_code == 404
        assert app.test_client().post(link, data={"answer": "closed"}).status_code == 404
    assert app.test_client().get(link[:-4] + "AAAA").status_code == 404
    assert service(app).status == ListingStatus.PUBLISHED


def test_an_imported_date_shows_its_source_until_someone_here_checks_it(app):
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        tea = session.get(Service, TEA)
        tea.checked_source = "from Leeds Directory, updated"
        session.add(tea)
        session.commit()
    with time_machine.travel(LAST_FRESH, tick=False):
        page = app.test_client().get(f"/services/{TEA}").text
        assert "Last checked: from Leeds Directory, updated 14 September 2026" in page
    with time_machine.travel(FIRST_STALE, tick=False):
        page = app.test_client().get(f"/services/{TEA}").text
        assert "Last checked 6 months ago (from Leeds Directory, updated 14 September 2026)" in page
        client_for(app, "manager").post(f"/manage/services/{TEA}/confirm")
        after = service(app)
        assert after.checked_source == "" and after.last_verified == date(2027, 3, 17)
        assert "Last checked 17 March 2027" in app.test_client().get(f"/services/{TEA}").text
