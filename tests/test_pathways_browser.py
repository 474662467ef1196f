"""More support on a phone (360 px wide), with axe (WCAG 2.2 AA): the link worker's match
page, and the public search's panel, over the small catalogue with NHS pathway listings.

Chromium and axe-core as in tests/test_browser.py; these tests skip the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from test_browser import AXE
from test_browser import pytestmark as browser_marks
from test_linkworker_browser import axe_violations

from tests.test_match_pathways import nhs_app, nhs_search  # noqa: F401 (fixtures)

pytestmark = browser_marks
PHONE = {"width": 360, "height": 800}


@pytest.fixture
def live_url(nhs_search, live_server) -> Iterator[str]:  # noqa: F811
    with live_server(nhs_search) as url:
        yield url


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_match_page_shows_more_support_on_a_phone(live_url, browser):
    page = browser.new_page(viewport=PHONE)
    page.add_init_script(path=str(AXE))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_url + "/dev/sign-in?next=/link-worker/match")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_url + "/link-worker/match")
    page.get_by_label("Age", exact=True).fill("16")
    page.get_by_label("Postcode", exact=True).fill("LS6 1BD")
    page.get_by_label("Low mood and mental wellbeing").check()
    page.get_by_label("Stress and anxiety").check()
    page.get_by_role("button", name="Find services").click()
    section = page.locator("#more-support")
    expect(section.get_by_role("heading", name="More support")).to_be_visible()
    cards = section.locator(".signpost-pathway h3")
    # for a 16-year-old: the young people's options first, none for adults only
    expect(cards).to_have_text(["Young minds Leeds (test)", "Youth wellbeing drop-in (test)"])
    expect(section).to_contain_text("For young people")
    expect(section).to_contain_text("Signpost does not decide")
    assert axe_violations(page) == []
    no_sideways_scroll(page)

    # a pathway option goes on a shortlist like any suggestion
    page.get_by_label("Add Young minds Leeds (test) to a shortlist").check()
    page.get_by_label("Label for a new shortlist").fill("Case 7")
    page.get_by_role("button", name="Add to shortlist").click()
    page.wait_for_url("**/link-worker/shortlists/*")
    expect(page.locator("main")).to_contain_text("Young minds Leeds (test)")
    assert errors == []
    page.close()


def test_the_search_panel_on_a_phone(live_url, browser):
    page = browser.new_page(viewport=PHONE)
    page.add_init_script(path=str(AXE))
    page.goto(live_url + "/search?q=feeling+low&age=19")
    section = page.locator("#more-support")
    expect(section.locator(".signpost-pathway h3")).to_have_text(
        ["Youth wellbeing drop-in (test)", "Leeds NHS Talking Therapies (test)"]
    )
    how = section.locator(".signpost-pathway__how").nth(1)
    expect(how).to_contain_text("You can refer yourself to Leeds NHS Talking Therapies (test)")
    expect(how.get_by_role("link", name="0113 496 0101")).to_have_attribute(
        "href", "tel:+441134960101"
    )
    expect(page.locator("#online-heading")).to_be_attached()  # the results, still there
    assert axe_violations(page) == []
    no_sideways_scroll(page)
    page.close()
