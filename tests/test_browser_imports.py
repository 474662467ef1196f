"""In a real browser: a manager uploads a spreadsheet, reads the report and confirms; the
upload, report (good and bad) and done pages pass axe-core WCAG 2.2 AA and fit a phone."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from accounts_helpers import add_people
from test_browser import AXE, CHROMIUM, _axe_violations, browser  # noqa: F401
from test_browser_accounts import _sign_in
from werkzeug.serving import make_server

from directory.oruk import spreadsheet

pytestmark = [
    pytest.mark.parametrize("databases", ["sqlite"], indirect=True),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)"),
]
WIDTH = 360


@pytest.fixture
def live(small_search) -> Iterator[str]:
    add_people(small_search)
    server = make_server("127.0.0.1", 0, small_search, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    gc.collect()


def _problems(page) -> dict[str, object]:
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached", timeout=5000)
    violations = _axe_violations(page)
    overflow = page.evaluate("document.documentElement.scrollWidth") - WIDTH
    return {"violations": violations, "overflow_px": overflow} if violations or overflow > 0 else {}


def test_a_manager_imports_a_spreadsheet_and_every_step_passes_axe(live, browser, tmp_path):  # noqa: F811
    good = tmp_path / "services.xlsx"
    spreadsheet.write_template(good)
    bad = tmp_path / "broken.csv"
    bad.write_text("organisation_name,service_name\nOrg,\n")
    page = browser.new_page(viewport={"width": WIDTH, "height": 800})
    page.add_init_script(path=str(AXE))
    _sign_in(page, live, "manager")
    failures = {}
    page.get_by_role("link", name="Import listings").click()
    failures["upload"] = _problems(page)
    # Nothing chosen: the form's error summary.
    page.get_by_role("button", name="Check the file").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    failures["upload errors"] = _problems(page)
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Check the file").click()
    assert "Missing column(s): description" in page.content()
    failures["bad report"] = _problems(page)
    page.goto(live + "/manage/imports")
    page.set_input_files("input[type=file]", str(good))
    page.get_by_label("Publish the listings at once, without review").check()
    page.get_by_role("button", name="Check the file").click()
    assert "It will add 1 new listing" in page.content()
    failures["report"] = _problems(page)
    page.get_by_role("button", name="Import 1 service").click()
    assert "1 new, 0 updated" in page.content()
    failures["done"] = _problems(page)
    page.goto(live + "/search?q=Armley+walking")
    assert "Armley Walking Group" in page.content()
    page.close()
    assert {k: v for k, v in failures.items() if v} == {}
