"""In Chromium at phone width, with axe: a link worker refers from a case, and a provider
with no account answers through the emailed signed link.

Chromium and axe-core as in tests/test_browser.py; these tests skip the same way.
"""

from __future__ import annotations

from accounts_helpers import TEA, add_people
from playwright.sync_api import expect
from referrals_helpers import engine, make_case, refer
from sqlmodel import Session, select
from test_browser import AXE, _axe_violations
from test_browser import pytestmark as browser_marks

from directory.models import Referral, ReferralStatus, Role, User
from directory.referrals import referring

pytestmark = browser_marks

PHONE = {"width": 360, "height": 740}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_link_worker_refers_from_a_case_on_a_phone(small_app, live_server, browser):
    people = add_people(small_app)
    case = make_case(small_app, people["linkworker"])
    with live_server(small_app) as url:
        page = browser.new_page(viewport=PHONE)
        page.add_init_script(path=str(AXE))
        page.goto(url + "/dev/sign-in")
        page.get_by_role("button", name="Sign in").click()  # the demo link worker
        page.wait_for_url("**/link-worker/**")
        page.goto(f"{url}/link-worker/cases/{case.id}/referrals")
        expect(page.get_by_text("No referrals yet.")).to_be_visible()
        assert _axe_violations(page) == []
        assert fits(page)
        page.get_by_label("Service", exact=True).select_option(label="Tuesday Tea and Chat")
        page.get_by_label("The link worker refers them").check()
        page.get_by_label("A note for the provider (optional)").fill("Mornings suit them.")
        page.get_by_role("button", name="Refer", exact=True).click()
        expect(page.get_by_text("Referred to Tuesday Tea and Chat.")).to_be_visible()
        expect(page.get_by_text("Sent: Link worker")).to_be_visible()
        assert _axe_violations(page) == []
        assert fits(page)
        page.close()
    with Session(engine(small_app)) as session:
        (referral,) = session.exec(select(Referral)).all()
        assert referral.note == "Mornings suit them." and referral.service_id == TEA


def test_a_provider_declines_through_the_signed_link_on_a_phone(small_app, live_server, browser):
    with Session(engine(small_app), expire_on_commit=False) as session:
        worker = User(email="sam.lw@pcn.example.org", password_hash="x", role=Role.LINK_WORKER)
        session.add(worker)
        session.commit()
    referral = refer(small_app, make_case(small_app, worker), worker, TEA)
    with small_app.test_request_context():
        path = f"/referrals/{referral.id}/answer/{referring.link_token(referral)}"
    with live_server(small_app) as url:
        page = browser.new_page(viewport=PHONE)
        page.add_init_script(path=str(AXE))
        page.goto(url + path)
        expect(
            page.get_by_role("heading", name="A referral to Tuesday Tea and Chat")
        ).to_be_visible()
        expect(page.get_by_text("sam.lw@pcn.example.org")).to_be_visible()
        assert _axe_violations(page) == []
        assert fits(page)
        page.get_by_label("Your answer").select_option(label="Declined")
        page.get_by_label("If you decline, why").select_option(label="No capacity")
        page.get_by_role("button", name="Send your answer").click()
        expect(page.get_by_text("the referral is marked declined")).to_be_visible()
        expect(page.get_by_text("Nothing more to answer here.")).to_be_visible()
        assert _axe_violations(page) == []
        page.close()
    with Session(engine(small_app)) as session:
        assert session.get(Referral, referral.id).status is ReferralStatus.DECLINED
