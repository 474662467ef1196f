"""In a real browser at phone width: a link worker opens a case (after fixing what the form
refused), sees it on the caseload and finds services from it; every page passes axe-core's
WCAG 2.2 AA rules and none scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from directory import db
from directory.catalogue import seeding
from directory.models import Role
from tests.conftest import SMALL_CATALOGUE, dispose, make_app
from tests.test_browser import AXE, pytestmark  # noqa: F401 (browser, live_server)
from tests.test_linkworker_browser import axe_violations
from tests.test_match_api import add_user

PHONE = {"width": 360, "height": 800}


@pytest.fixture
def live(databases, tmp_path, live_server) -> Iterator[str]:
    app = make_app(databases.new_migrated(), tmp_path / "instance")
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
    add_user(app, "boss@example.org", Role.MANAGER)
    with live_server(app) as base:
        yield base
    dispose(app)


def fits_a_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_link_worker_opens_a_case_and_finds_services_from_it_on_a_phone(live, browser):
    page = browser.new_page(viewport=PHONE)
    page.add_init_script(path=str(AXE))
    page.goto(live + "/dev/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live + "/link-worker/cases")  # the link worker's home
    assert axe_violations(page) == [] and fits_a_phone(page)

    page.get_by_role("button", name="Open a new case").click()
    page.get_by_label("Your reference for this case").fill("943 476 5919")
    page.get_by_label("Age (optional)").fill("72")
    page.get_by_label("Postcode district (optional)").fill("LS6 1BD")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("looks like an NHS number")
    assert axe_violations(page) == [] and fits_a_phone(page)

    page.get_by_label("Your reference for this case").fill("LW-0042")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LW-0042")
    expect(page.locator(".nhsuk-summary-list").first).to_contain_text("LS6")
    assert axe_violations(page) == [] and fits_a_phone(page)

    page.get_by_role("button", name="Find services").click()
    expect(page.get_by_role("textbox", name="Age", exact=True)).to_have_value("72")
    page.get_by_role("button", name="Find services").click()
    expect(page.get_by_role("heading", name="Suggestions")).to_be_visible()
    assert axe_violations(page) == []

    page.goto(live + "/link-worker/cases")
    expect(page.locator("table")).to_contain_text("LW-0042")
    assert axe_violations(page) == [] and fits_a_phone(page)

    # a manager lands on the manage pages, sees the caseload and reads the case
    page.goto(live + "/dev/sign-in")
    page.get_by_label("boss@example.org (manager)").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live + "/manage/")
    page.get_by_role("link", name="Caseloads").click()
    expect(page.locator("table")).to_contain_text("LW-0042")
    assert axe_violations(page) == [] and fits_a_phone(page)
    page.get_by_role("link", name="LW-0042").click()
    expect(page.get_by_text("Case, read-only")).to_be_visible()
    assert axe_violations(page) == [] and fits_a_phone(page)
