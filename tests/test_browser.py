"""In a real browser: public pages pass axe-core WCAG 2.2 AA rules and fit a phone.

Chromium comes from Debian (`make test` installs it where it can) and axe-core
from npm (`package.json`); where either is missing these tests skip and say why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM
from playwright.sync_api import expect
from sqlmodel import select

from directory.models import ListingStatus, Service, stable_id

AXE = Path(__file__).parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server,
    pytest.mark.parametrize("databases", ["sqlite"], indirect=True),
    # the browser drops connections for files it no longer wants, and werkzeug's
    # development server leaves those files to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)"),
]


@pytest.fixture
def live_url(demo_app, live_server) -> Iterator[str]:
    """The demo app served over real HTTP on a free loopback port."""
    with live_server(demo_app) as url:
        yield url


def _pages(demo_app, session_for) -> list[str]:
    session = session_for(demo_app)
    published = select(Service).where(Service.status == ListingStatus.PUBLISHED)
    busiest = max(session.exec(published).all(), key=lambda s: len(s.schedules) + len(s.locations))
    return [
        "/",
        "/needs",
        "/needs/loneliness",
        "/needs/urgent_mental_health_crisis",
        f"/services/{busiest.id}",
        f"/organisations/{busiest.organization_id}",
        f"/services/{stable_id('service', 'no-such-service')}",
        "/accessibility",
        "/privacy",
    ]


@pytest.mark.parametrize("width", [360, 1280])
def test_public_pages_pass_axe_wcag_22_aa_and_fit_the_screen(
    live_url, browser, demo_app, session_for, width
):
    page = browser.new_page(viewport={"width": width, "height": 800})
    # an init script runs outside the page's Content Security Policy, which would block axe
    page.add_init_script(path=str(AXE))
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    failures = {}
    for path in _pages(demo_app, session_for):
        page.goto(live_url + path)
        # NHS.UK frontend's module script ran under our Content Security Policy
        page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
        violations = page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations.map(v => `${v.id}: ${v.nodes[0].html.slice(0, 120)}`);
            }""",
            WCAG_22_AA,
        )
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if violations or overflow > 0:
            failures[path] = {"violations": violations, "overflow_px": overflow}
    page.close()
    assert failures == {}
    # the only console errors allowed are the 404 page's own status
    assert [e for e in console_errors if "404" not in e] == []


def test_the_skip_link_is_the_first_thing_a_keyboard_reaches(live_url, browser):
    page = browser.new_page()
    page.goto(live_url + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    # the browser follows the link a moment after the key: wait for it, don't read at once
    expect(page).to_have_url(re.compile(r"#maincontent$"))
    page.close()


@pytest.mark.parametrize("how", ["click", "shift three times"])
def test_quick_exit_leaves_at_once_and_out_of_the_back_button(live_url, browser, how):
    page = browser.new_page()
    # stand in for the neutral site: this machine may not reach it
    page.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(body="<p>Weather</p>"))
    page.goto(live_url + "/")
    page.goto(live_url + "/needs/domestic_abuse")
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
    if how == "click":
        page.click("[data-quick-exit]")
    else:
        for _ in range(3):
            page.keyboard.press("Shift")
    page.wait_for_url("https://www.bbc.co.uk/**")
    page.go_back()
    # the page they left was replaced, so Back leads to the page before it
    expect(page).to_have_url(live_url + "/")
    page.close()


# --- search -------------------------------------------------------------------

SEARCH_PAGES = {
    "results": "/search?q=lonely&postcode=LS6+1BD",
    "no results": "/search?q=boxing&postcode=LS6+1BD&distance=1",
    "crisis": "/search?q=kill+myself&age=15",
    "online band": "/search?q=lonely&band=online",
    "bad input": "/search?q=lonely&age=500&postcode=LS6+!!",
    "empty": "/search",
}


def _axe_violations(page) -> list[str]:
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => `${v.id}: ${v.nodes[0].html.slice(0, 120)}`);
        }""",
        WCAG_22_AA,
    )


def test_a_young_person_searches_from_the_home_page_on_a_phone(live_url, browser, demo_search):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(live_url + "/")
    page.fill("#q", "feel lonley")
    page.fill("#postcode", "LS6 1BD")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/search?**")
    expect(page.locator("h1")).to_have_text("Search results for “feel lonley”")
    expect(page.get_by_role("heading", name="Near LS6 1BD")).to_be_visible()
    expect(page.locator(".signpost-distance")).to_have_count(10)
    distances = page.locator(".signpost-distance").all_inner_texts()
    assert all(d.endswith("miles away") or d == "1 mile away" for d in distances)
    expect(page.get_by_role("heading", name="Online and by phone")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_search_pages_pass_axe_wcag_22_aa_and_fit_the_screen(live_url, browser, demo_search, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.add_init_script(path=str(AXE))
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    failures = {}
    for name, path in SEARCH_PAGES.items():
        page.goto(live_url + path)
        page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
        violations = _axe_violations(page)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if violations or overflow > 0:
            failures[name] = {"violations": violations, "overflow_px": overflow}
    page.close()
    assert failures == {}
    # the only console error allowed is the bad-input page's own status
    assert [e for e in console_errors if "400" not in e] == []


def test_the_filters_work_without_javascript(live_url, browser, demo_search):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(live_url + "/search?q=lonely&postcode=LS6+1BD")
    page.click("summary:has-text('Filter results')")
    page.check("#free")
    page.check("input[name=distance][value='3']")
    page.select_option("#need", "loneliness")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**free=1**")
    assert "distance=3" in page.url and "need=loneliness" in page.url and "q=lonely" in page.url
    expect(page.locator("summary")).to_contain_text("Filter results (3 chosen)")
    cards = page.locator(".signpost-service-card").all_inner_texts()
    assert cards and all("Cost: Free" in card for card in cards)
    for text in page.locator(".signpost-distance").all_inner_texts():
        miles = 0.0 if text.startswith("Less than") else float(text.split()[0])
        assert miles <= 3
    context.close()
