"""The person's plan and its private link: what the plan says (what, when, where with a map
only on a tap, cost, tap-to-call, what happens next, the link worker's first name and work
contact); a link that works without sign-in until it expires or is stopped, shows nothing
but the plan and leaks nothing; an emailed link whose address is kept nowhere. Also the
summary for the GP with its SNOMED CT codes, and purge-expired."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from accounts_helpers import mail_settings, smtp_server
from plans_helpers import build, client_as, close, refer, session_of
from sqlmodel import select

from directory import clock, db
from directory.models import Case, CaseAccess, PlanLink, Referral, ReferralStatus, utcnow
from directory.referrals import gp_summary, plans

TODAY = date(2026, 12, 7)


@pytest.fixture
def world(small_app, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return small_app, build(small_app)


def make_link(app, client, case, **data) -> tuple[str, object]:
    response = client.post(f"/link-worker/cases/{case.id}/plan/links", data=data)
    assert response.status_code == 200, response.text
    [url] = re.findall(r'id="plan-url" type="text" readonly value="([^"]+)"', response.text)
    return url.replace("http://localhost", ""), response


def test_the_plan_says_what_when_where_cost_contact_and_next_for_each_service(world):
    app, w = world
    page = client_as(app, w.worker).get(f"/link-worker/cases/{w.case.id}/plan")
    assert page.status_code == 200
    text = page.text
    # the accepted referral, then the shortlisted service not referred to; not the declined
    assert text.index("Tuesday Tea and Chat") < text.index("Evening Listening Line")
    assert "Money Worries Clinic" not in text
    assert text.count(">Tuesday Tea and Chat</h2>") == 1  # shortlisted too, shown once
    assert "A relaxed weekly drop-in for a cuppa and a chat." in text  # what it is
    assert "Tuesday" in text and "10am" in text.replace(":00", "")  # when
    assert "Brudenell Community Rooms, 12 Brudenell Road, Leeds" in text  # the full address
    assert "Free" in text  # cost
    assert 'href="tel:+441134960124"' in text  # tap to call the contact
    assert "Hyde Park Friends Network can see you" in text  # what happens next: accepted
    assert "You can contact them yourself" in text  # the shortlisted self-referral service
    # the link worker: first name and work contact, never the surname
    assert "Alex, your link worker" in text and "Rivers" not in text
    assert 'href="tel:+441134960999"' in text and "alex@example.org" in text


def test_the_map_is_a_plain_link_and_nothing_is_loaded_from_another_site(world):
    app, w = world
    text = client_as(app, w.worker).get(f"/link-worker/cases/{w.case.id}/plan").text
    [href] = re.findall(r'href="(https://www\.openstreetmap\.org/[^"]+)"', text)
    assert "mlat=" in href or "query=" in href
    for tag in re.findall(r"<(?:script|img|iframe|link)\b[^>]*>", text):
        source = re.search(r'(?:src|href)="([^"]+)"', tag)
        assert source is None or source.group(1).startswith("/"), tag


def test_large_type_is_an_option(world):
    app, w = world
    client = client_as(app, w.worker)
    assert "signpost-plan-large" not in client.get(f"/link-worker/cases/{w.case.id}/plan").text
    large = client.get(f"/link-worker/cases/{w.case.id}/plan?size=large").text
    assert 'class="signpost-plan-large"' in large


def test_a_private_link_opens_the_plan_without_sign_in_and_nothing_else(world):
    app, w = world
    url, made = make_link(app, client_as(app, w.worker), w.case)
    assert made.headers["Cache-Control"] == "no-store"
    assert made.headers["Referrer-Policy"] == "no-referrer"
    page = app.test_client().get(url)  # nobody signed in
    assert page.status_code == 200
    assert "Tuesday Tea and Chat" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    # no way from the plan to anything else on the site: only calls, emails, the map,
    # the services' own sites and the large-type switch
    for href in re.findall(r'href="([^"]+)"', page.text):
        allowed = ("tel:", "mailto:", "https://www.openstreetmap.org/", "https://", "?", "#")
        assert href.startswith(allowed) or href.startswith("/static/"), href
    assert "/link-worker" not in page.text and "/manage" not in page.text
    # nothing of this or another case beyond the plan: no reference, no what-matters,
    # not the worker's other case nor a colleague's
    for private in ("REF-ONE", "REF-OTHER", "REF-THEIRS", "Getting out of the house", "72"):
        assert private not in page.text, private
    with session_of(app) as session:
        looked = session.exec(select(CaseAccess).where(CaseAccess.case_id == w.case.id)).all()
    # the person's look is logged as a view by nobody signed in: who (no one) and when
    assert ("viewed", None) in {(a.action, a.user_id) for a in looked}


def test_only_a_hash_of_the_links_secret_is_kept(world):
    app, w = world
    url, _ = make_link(app, client_as(app, w.worker), w.case)
    secret = url.rsplit("/", 1)[1]
    with session_of(app) as session:
        [link] = session.exec(select(PlanLink)).all()
    assert link.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in dump(app)


def test_a_link_expires_after_the_days_set(world):
    app, w = world
    app.config["PLAN_LINK_DAYS"] = 3
    url, _ = make_link(app, client_as(app, w.worker), w.case)
    with session_of(app) as session:
        [link] = session.exec(select(PlanLink)).all()
        assert abs(
            link.expires_at.replace(tzinfo=None)
            - (utcnow() + timedelta(days=3)).replace(tzinfo=None)
        ) < timedelta(minutes=1)
        link.expires_at = utcnow() - timedelta(seconds=1)
        session.add(link)
        session.commit()
    gone = app.test_client().get(url)
    assert gone.status_code == 404
    assert "does not work any more" in gone.text and "Tuesday Tea" not in gone.text


def test_a_stopped_link_opens_nothing_and_only_the_cases_worker_can_stop_it(world):
    app, w = world
    client = client_as(app, w.worker)
    url, _ = make_link(app, client, w.case)
    with session_of(app) as session:
        [link] = session.exec(select(PlanLink)).all()
    # a colleague cannot stop it (nor learn that the case exists)
    revoke = f"/link-worker/cases/{w.case.id}/plan/links/{link.id}/revoke"
    assert client_as(app, w.colleague).post(revoke).status_code == 404
    assert app.test_client().get(url).status_code == 200
    # ... nor stop it through a case of their own
    theirs = f"/link-worker/cases/{w.colleagues_case.id}/plan/links/{link.id}/revoke"
    assert client_as(app, w.colleague).post(theirs).status_code == 404
    assert client.post(revoke).status_code == 302
    assert app.test_client().get(url).status_code == 404


def test_a_made_up_or_overlong_secret_finds_nothing(world):
    app, _ = world
    client = app.test_client()
    assert client.get("/plan/not-a-real-secret").status_code == 404
    assert client.get("/plan/" + "a" * 500).status_code == 404


def ours(caplog) -> str:
    """What the app logged (not the test's own SMTP server, aiosmtpd's mail.log)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))


@pytest.mark.live_server
def test_an_emailed_link_arrives_and_the_address_is_kept_nowhere(world, caplog):
    app, w = world
    address = "person.private@example.net"
    caplog.set_level(logging.DEBUG)
    with smtp_server() as box:
        app.config.update(mail_settings(box))
        url, made = make_link(app, client_as(app, w.worker), w.case, email=address)
    assert "The link was emailed. The address was not kept." in made.text
    [message] = box.messages
    assert message["To"] == address
    assert url in message.get_content()
    assert address not in dump(app)  # not in any table
    assert address not in ours(caplog)  # not in a log
    assert address not in made.text  # not even echoed back


def test_without_a_mail_server_the_log_holds_neither_the_address_nor_the_link(world, caplog):
    app, w = world
    caplog.set_level(logging.DEBUG)
    url, _ = make_link(app, client_as(app, w.worker), w.case, email="someone@example.net")
    assert "someone@example.net" not in caplog.text
    assert url.rsplit("/", 1)[1] not in caplog.text


def test_a_bad_address_makes_no_link(world):
    app, w = world
    response = client_as(app, w.worker).post(
        f"/link-worker/cases/{w.case.id}/plan/links", data={"email": "not an address"}
    )
    assert response.status_code == 400
    assert "That is not an email address" in response.text
    with session_of(app) as session:
        assert session.exec(select(PlanLink)).all() == []


def test_someone_elses_case_has_no_plan_for_them(world):
    app, w = world
    for path in ("plan", "gp-summary"):
        url = f"/link-worker/cases/{w.colleagues_case.id}/{path}"
        assert client_as(app, w.worker).get(url).status_code == 404
        assert client_as(app, w.manager).get(url).status_code == 403
        assert client_as(app, w.editor).get(url).status_code == 403
        assert client_as(app, None).get(url).status_code == 302
    made = client_as(app, w.worker).post(f"/link-worker/cases/{w.colleagues_case.id}/plan/links")
    assert made.status_code == 404
    with session_of(app) as session:
        assert session.exec(select(PlanLink)).all() == []


def test_the_case_page_partial_shows_the_plan_links_and_the_codes(world):
    app, w = world
    client = client_as(app, w.worker)
    make_link(app, client, w.case)
    with app.test_request_context(), session_of(app) as session:
        from flask import render_template
        from flask_login import login_user

        from directory.models import User

        login_user(session.get(User, w.worker.id))
        html = render_template("linkworker/_case_plan.html", case=session.get(Case, w.case.id))
    assert "Tuesday Tea and Chat (accepted)" in html
    assert "Evening Listening Line (suggested)" in html
    assert "Stop this link" in html
    assert "871731000000106" in html and "Referral to social prescribing service" in html
    assert "871711000000103" in html and "Social prescribing declined" in html
    # a manager supervising (the cases branch's read-only page): the plan and the codes,
    # no form, no link to the owner's pages
    with app.test_request_context(), session_of(app) as session:
        from flask import render_template

        found = session.get(Case, w.case.id)
        html = render_template("linkworker/_case_plan.html", case=found, read_only=True)
    assert "Tuesday Tea and Chat (accepted)" in html and "871731000000106" in html
    assert "<form" not in html and "/link-worker/" not in html


def dump(app) -> str:
    """Every text value in every table of the app's database, as one string."""
    engine = app.extensions[db.ENGINE_KEY]
    found = []
    with engine.connect() as connection:
        for table in sa.inspect(engine).get_table_names():
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                found.extend(str(value) for value in row)
    return "\n".join(found)


# --- telling the GP ----------------------------------------------------------------------


def test_the_codes_and_their_sources_are_kept_together():
    record = gp_summary.gp_record()
    assert record["codes"]["referred"]["code"] == "871731000000106"
    assert record["codes"]["declined"]["code"] == "871711000000103"
    assert record["codes"]["sources"] and record["codes"]["checked"]
    assert record["summary"]["sources"][0]["url"].startswith("https://theprsb.org/")


def test_the_summary_for_the_gp_follows_the_message_back(world):
    app, w = world
    client = client_as(app, w.worker)
    url = f"/link-worker/cases/{w.case.id}/wellbeing"
    scores = {"life_satisfaction": 4, "worthwhile": 5, "happy": 4, "anxious": 8}
    client.post(url, data={"when": "start", "recorded_on": "2026-10-01", **scores})
    client.post(url, data={"when": "follow_up", **scores, "anxious": "3", "happy": "6"})
    page = client.get(f"/link-worker/cases/{w.case.id}/gp-summary")
    assert page.status_code == 200
    text = page.text
    headings = re.findall(r"<h2>([^<]+)</h2>", text)
    assert headings[:1] == ["About the person"]
    for heading in (
        "Reason for referral (needs and concerns)",
        "What matters to the person",
        "Support offered",
        "Referrals and their outcomes",
        "Outcomes (wellbeing)",
    ):
        assert heading in headings
    assert "Loneliness" in text or "loneliness" in text  # the reason, in the vocabulary's words
    assert "Getting out of the house on Tuesdays" in text
    assert "Accepted" in text and "Declined: No capacity" in text
    assert "Anxiety: 8 to 3, down 5 (improved: lower is better)" in text
    assert "871731000000106" in text
    assert "REF-OTHER" not in text and "REF-THEIRS" not in text


# --- purge-expired ------------------------------------------------------------------------


def test_purge_clears_closed_cases_after_the_retention_period_and_keeps_counts(world):
    app, w = world
    client = client_as(app, w.worker)
    make_link(app, client, w.case)
    client.get(f"/link-worker/cases/{w.case.id}/plan")  # an access log entry
    close(app, w.case, TODAY - timedelta(days=2 * 365 + 30))  # closed 25 months ago
    close(app, w.other_case, TODAY - timedelta(days=700))  # 23 months: kept
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["purge-expired", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "closed cases: would clear the personal fields of 1" in dry.output
    with session_of(app) as session:
        assert session.get(Case, w.case.id).reference == "REF-ONE"

    done = runner.invoke(args=["purge-expired"])
    assert done.exit_code == 0, done.output
    assert "cleared the personal fields of 1" in done.output
    with session_of(app) as session:
        cleared = session.get(Case, w.case.id)
        assert cleared.reference == "cleared" and cleared.personal_cleared_at is not None
        assert cleared.age is None and cleared.age_band == "65-74"  # the band is kept
        assert cleared.what_matters == "" and cleared.consent_on is None
        assert cleared.needs == ["loneliness"] and cleared.status.value == "closed"
        referrals = session.exec(select(Referral).where(Referral.case_id == w.case.id)).all()
        assert len(referrals) == 2  # counted in reports still
        assert {r.status for r in referrals} == {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}
        assert all(r.note == "" and r.shared == [] for r in referrals)
        assert session.exec(select(PlanLink).where(PlanLink.case_id == w.case.id)).all() == []
        # who looked and when is kept
        assert session.exec(select(CaseAccess).where(CaseAccess.case_id == w.case.id)).all()
        kept = session.get(Case, w.other_case.id)
        assert kept.reference == "REF-OTHER" and kept.personal_cleared_at is None
        assert session.get(Case, w.colleagues_case.id).reference == "REF-THEIRS"  # open

    again = runner.invoke(args=["purge-expired"])
    assert "cleared the personal fields of 0" in again.output


def test_the_retention_period_is_a_setting(world):
    app, w = world
    close(app, w.other_case, TODAY - timedelta(days=700))
    app.config["CASE_RETENTION_MONTHS"] = 12
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert "cleared the personal fields of 1" in result.output
    assert "12 months ago" in result.output


def test_a_cleared_case_has_no_plan_through_an_old_link(world):
    app, w = world
    url, _ = make_link(app, client_as(app, w.worker), w.case)
    with session_of(app) as session:
        refer(session, session.get(Case, w.case.id), None, "Somewhere")
        session.commit()
    close(app, w.case, TODAY - timedelta(days=800))
    app.test_cli_runner().invoke(args=["purge-expired"])
    assert app.test_client().get(url).status_code == 404


def test_other_features_can_add_a_purge_step(world):
    app, _ = world
    from directory import privacy

    seen = []
    privacy.add_purge_step(
        app, "the search log", lambda s, c, today, dry: (seen.append(dry) or 0, "nothing")
    )
    result = app.test_cli_runner().invoke(args=["purge-expired", "--dry-run"])
    assert "the search log: nothing" in result.output and seen == [True]
    assert plans.LEFT_OUT  # the plan's rule for what it leaves out is one set
