"""The link worker's whole path in a real browser at phone width, each page checked with
axe-core (WCAG 2.2 AA) and for sideways scrolling: open a case, refer the person from it,
then open the plan they take away, which lists the service referred to. (The provider's
answer through the signed link: tests/test_referrals_browser.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from directory import db
from directory.catalogue import seeding
from tests.conftest import SMALL_CATALOGUE, dispose, make_app
from tests.test_browser import AXE, WCAG_22_AA, pytestmark  # noqa: F401 (browser, live_server)
from tests.test_linkworker_browser import AXE_RUN, axe_violations

PHONE = {"width": 360, "height": 800}


@pytest.fixture
def live(databases, tmp_path, live_server) -> Iterator[str]:
    app = make_app(databases.new_migrated(), tmp_path / "instance")
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    with live_server(app) as base:
        yield base
    dispose(app)


def checked(page, *, site_header: bool = True) -> None:
    # the plan is the person's page: it stands alone, without the site's header
    assert (axe_violations(page) if site_header else page.evaluate(AXE_RUN, WCAG_22_AA)) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_link_worker_goes_from_a_case_to_a_referral_to_the_plan_on_a_phone(live, browser):
    page = browser.new_page(viewport=PHONE)
    page.add_init_script(path=str(AXE))
    page.goto(live + "/dev/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live + "/link-worker/cases")
    checked(page)

    page.get_by_role("button", name="Open a new case").click()
    page.get_by_label("Your reference for this case").fill("LW-0077")
    page.get_by_label("Age (optional)").fill("68")
    page.get_by_label("Postcode district (optional)").fill("LS6")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LW-0077")
    checked(page)
    case_page = page.url

    page.goto(case_page + "/referrals")
    page.get_by_label("Service", exact=True).select_option(label="Tuesday Tea and Chat")
    page.get_by_label("The link worker refers them").check()
    page.get_by_role("button", name="Refer", exact=True).click()
    expect(page.get_by_text("Referred to Tuesday Tea and Chat.")).to_be_visible()
    checked(page)

    page.goto(case_page)
    expect(page.locator("main")).to_contain_text("Tuesday Tea and Chat")
    checked(page)

    page.goto(case_page + "/plan")
    expect(page.locator("h1")).to_have_text("Your plan")
    expect(page.get_by_role("heading", name="Tuesday Tea and Chat")).to_be_visible()
    checked(page, site_header=False)
    page.close()
