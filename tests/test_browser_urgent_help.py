"""In a real browser, on a phone's width: a search that may mean someone is in danger shows
the urgent help of its kind first, with numbers a thumb can tap, passing axe-core's WCAG 2.2
AA rules; and the quick exit leaves such a page at once (the button, or Shift three times).

Chromium and axe-core as tests/test_browser.py finds them; where either is missing these
tests skip and say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from directory import safety
from tests.test_browser import AXE, _axe_violations
from tests.test_browser import pytestmark as browser_marks

pytestmark = browser_marks  # browser, live_server, SQLite, skipped without Chromium or axe

PHONE = {"width": 360, "height": 740}
SEARCHES = {
    "self": ("i wanna kms", ["tel:999", "tel:116123", "sms:85258"]),
    "abuse": ("my boyfriend hits me", ["tel:999", "tel:08082000247"]),
}


@pytest.fixture
def live_url(demo_search, live_server) -> Iterator[str]:
    """The demo app, with its search index, served over real HTTP."""
    with live_server(demo_search) as url:
        yield url


def _search(page, live_url: str, words: str) -> None:
    page.goto(f"{live_url}/search?{urlencode({'q': words})}")
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")


@pytest.mark.parametrize("kind", list(SEARCHES))
def test_a_danger_search_shows_its_urgent_help_first_with_tappable_numbers_on_a_phone(
    live_url, browser, kind
):
    words, links = SEARCHES[kind]
    page = browser.new_page(viewport=PHONE)
    page.add_init_script(path=str(AXE))
    _search(page, live_url, words)
    panel = page.locator("#urgent-help")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", level=2)).to_contain_text(safety.panel(kind).heading)
    # first: above the search form and every result, and starting on the first screen
    top = panel.bounding_box()["y"]
    assert top < page.locator("form.signpost-search").bounding_box()["y"]
    cards = page.locator(".signpost-service-card")
    if cards.count():
        assert top < cards.first.bounding_box()["y"]
    assert top < PHONE["height"]
    for link in links:
        number = panel.locator(f'a[href="{link}"]')
        expect(number).to_be_visible()
        box = number.bounding_box()
        # a thumb can reach it: on the page, not off its edge, and not a sliver
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 16
    assert _axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.close()


@pytest.mark.parametrize("how", ["click", "shift three times"])
def test_quick_exit_leaves_an_abuse_search_at_once(live_url, browser, how):
    page = browser.new_page(viewport=PHONE)
    # stand in for the neutral site: this machine may not reach it
    page.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(body="<p>Weather</p>"))
    page.goto(live_url + "/")
    _search(page, live_url, "scared of my partner")
    expect(page.locator("#urgent-help")).to_be_visible()
    if how == "click":
        page.get_by_role("link", name="Leave this site quickly").click()
    else:
        page.locator("body").click(position={"x": 5, "y": 400})  # the page has the keyboard
        for _ in range(3):
            page.keyboard.press("Shift")
    page.wait_for_url("https://www.bbc.co.uk/**")
    page.go_back()
    # the search was replaced, so Back leads to the page before it, not to the search
    expect(page).to_have_url(live_url + "/")
    page.close()
