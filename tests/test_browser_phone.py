"""On a phone (360 px wide): the search box and the way to urgent help are above the fold,
and a service found by a search says how far it is, leads back to the results, and offers a
map without asking a map site for anything until the link is tapped.

Chromium and axe-core as in tests/test_browser.py; these tests skip the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from test_browser import AXE, _axe_violations
from test_browser import pytestmark as browser_marks

pytestmark = browser_marks

PHONE = {"width": 360, "height": 640}  # a small phone's screen, less the browser's own bars
SEARCH = "/search?q=feel+lonley&postcode=LS6+1BD"


@pytest.fixture
def live_url(demo_search, live_server) -> Iterator[str]:
    """The demo app, with its search index, served over real HTTP."""
    with live_server(demo_search) as url:
        yield url


def _box(page, selector: str) -> dict[str, int]:
    """Where an element is on the page, in CSS pixels from the top of the document."""
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return {top: Math.round(box.top + scrollY), bottom: Math.round(box.bottom + scrollY)};
        }""",
        selector,
    )


def test_the_search_box_its_button_and_urgent_help_are_above_the_fold(live_url, browser):
    page = browser.new_page(viewport=PHONE)
    page.goto(live_url + "/")
    found = {
        "urgent help link": _box(page, "a[href='#urgent-help']"),
        "search box": _box(page, "#q"),
        "postcode box": _box(page, "#postcode"),
        "search button": _box(page, "form[role=search] button"),
        "urgent help panel": _box(page, "#urgent-help"),
    }
    print(f"home page at {PHONE['width']}x{PHONE['height']}: {found}")  # the report's figures
    fold = PHONE["height"]
    for name in ("urgent help link", "search box", "postcode box", "search button"):
        assert found[name]["bottom"] <= fold, (name, found[name])
    # the link is first: a keyboard reaches it straight after the skip link and quick exit
    assert found["urgent help link"]["top"] < found["search box"]["top"]

    page.get_by_role("link", name="Need help now? Urgent help numbers").click()
    expect(page).to_have_url(live_url + "/#urgent-help")
    panel = page.locator("#urgent-help")
    expect(panel).to_be_in_viewport()
    expect(panel).to_contain_text("999")
    # the panel's heading is clear of the quick-exit bar, which stays stuck to the top
    bar = page.locator(".signpost-quick-exit").bounding_box()
    heading = panel.locator("h2").bounding_box()
    assert bar is not None and heading is not None
    assert heading["y"] >= bar["y"] + bar["height"]
    page.close()


def test_a_service_found_on_a_phone_says_how_far_and_leads_back_to_the_results(live_url, browser):
    page = browser.new_page(viewport=PHONE)
    page.goto(live_url + SEARCH)
    first = page.locator("#local-heading ~ .signpost-service-card").first
    distance = first.locator(".signpost-distance").inner_text()  # "0.4 miles away"
    first.locator("a.nhsuk-card__link").click()
    page.wait_for_url("**/services/**")
    asked = parse_qs(urlsplit(page.url).query)
    assert asked["from"] == ["LS6 1BD"]

    # the nearest venue is as far from LS6 1BD as the card said, in the same words
    miles = distance.removesuffix(" away")
    expect(page.locator(".signpost-distance").first).to_have_text(f"{miles} from LS6 1BD")
    # a map per venue, as a plain link
    maps = page.get_by_role("link", name="on a map (OpenStreetMap)")
    assert maps.count() >= 1
    for href in maps.evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith("https://www.openstreetmap.org/?mlat=")

    page.get_by_role("link", name="Back to results").click()
    page.wait_for_url("**/search?**")
    assert parse_qs(urlsplit(page.url).query) == parse_qs(urlsplit(SEARCH).query)
    page.close()


def test_a_service_page_asks_nothing_of_any_other_site_until_a_link_is_tapped(live_url, browser):
    page = browser.new_page(viewport=PHONE)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(live_url + SEARCH)
    page.locator(".signpost-service-card a.nhsuk-card__link").first.click()
    page.wait_for_url("**/services/**")
    page.wait_for_load_state("networkidle")
    assert asked and all(url.startswith(live_url) for url in asked)
    page.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_service_page_from_a_search_passes_axe_and_fits_the_screen(live_url, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.add_init_script(path=str(AXE))
    page.goto(live_url + SEARCH)
    page.locator(".signpost-service-card a.nhsuk-card__link").first.click()
    page.wait_for_url("**/services/**")
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
    expect(page.get_by_role("link", name="Back to results")).to_be_visible()
    assert _axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()
