"""In a real browser: a manager uploads a spreadsheet, reads the report and confirms; the
upload, report (good and bad) and done pages pass axe-core WCAG 2.2 AA and fit a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from accounts_helpers import add_people
from conftest import CHROMIUM
from playwright.sync_api import expect
from test_browser import AXE, _axe_violations
from test_browser_accounts import _sign_in

from directory.oruk import spreadsheet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server,
    pytest.mark.parametrize("databases", ["sqlite"], indirect=True),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)"),
]
WIDTH = 360


@pytest.fixture
def live(small_search, live_server) -> Iterator[str]:
    add_people(small_search)
    with live_server(small_search) as url:
        yield url


def _problems(page) -> dict[str, object]:
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
    violations = _axe_violations(page)
    overflow = page.evaluate("document.documentElement.scrollWidth") - WIDTH
    return {"violations": violations, "overflow_px": overflow} if violations or overflow > 0 else {}


def test_a_manager_imports_a_spreadsheet_and_every_step_passes_axe(live, browser, tmp_path):
    good = tmp_path / "services.xlsx"
    spreadsheet.write_template(good)
    bad = tmp_path / "broken.csv"
    bad.write_text("organisation_name,service_name\nOrg,\n")
    page = browser.new_page(viewport={"width": WIDTH, "height": 800})
    page.add_init_script(path=str(AXE))
    _sign_in(page, live, "manager")
    failures = {}
    # Each click below sends a form or follows a link: wait for the page it leads to (its
    # address or words only it has) before checking it, or axe may read the page being left.
    page.get_by_role("link", name="Import listings").click()
    expect(page).to_have_url(re.compile(r"/manage/imports$"))
    failures["upload"] = _problems(page)
    # Nothing chosen: the form's error summary.
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    failures["upload errors"] = _problems(page)
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("body")).to_contain_text("Missing column(s): description")
    failures["bad report"] = _problems(page)
    page.goto(live + "/manage/imports")
    page.set_input_files("input[type=file]", str(good))
    page.get_by_label("Publish the listings at once, without review").check()
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("body")).to_contain_text("It will add 1 new listing")
    failures["report"] = _problems(page)
    page.get_by_role("button", name="Import 1 service").click()
    expect(page.locator("body")).to_contain_text("1 new, 0 updated")
    failures["done"] = _problems(page)
    page.goto(live + "/search?q=Armley+walking")
    expect(page.locator("body")).to_contain_text("Armley Walking Group")
    page.close()
    assert {k: v for k, v in failures.items() if v} == {}
