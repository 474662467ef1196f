"""In a real browser: every report page, with its charts, tables and error summary, passes
axe-core WCAG 2.2 AA rules and fits the screen, on a phone and on a desktop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import CHROMIUM
from reports_helpers import add_cases
from test_browser import AXE, _axe_violations
from test_browser_accounts import _sign_in

from directory.reports import queries

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server,
    pytest.mark.parametrize("databases", ["sqlite"], indirect=True),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)"),
]
PERIOD = "from=2026-10-01&to=2026-11-30"  # tests/reports_helpers.py's cases and searches


@pytest.fixture
def live(small_app, live_server) -> Iterator[str]:
    add_cases(small_app)
    with live_server(small_app) as url:
        yield url


@pytest.mark.parametrize("width", [360, 1280])
def test_every_report_page_passes_axe_and_fits_the_screen(live, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.add_init_script(path=str(AXE))
    _sign_in(page, live, "manager")
    paths = [
        "/manage/reports/",
        *[f"/manage/reports/{name}?{PERIOD}" for name in queries.REPORTS],
        "/manage/reports/referrals?from=2026-02-30",  # the error summary
    ]
    failures = {}
    charts = 0
    for path in paths:
        page.goto(live + path)
        page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
        charts += page.locator("svg.signpost-chart").count()
        violations = _axe_violations(page)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if violations or overflow > 0:
            failures[path] = {"violations": violations, "overflow_px": overflow}
    page.close()
    assert failures == {}
    assert charts >= len(queries.REPORTS)  # each report drew at least one chart
