"""In a real browser: the matching form and its results pass axe-core WCAG 2.2 AA rules, and
the need filter narrows the checkboxes as you type (under the Content Security Policy)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.conftest import dispose, make_app
from tests.test_browser import AXE, WCAG_22_AA, pytestmark  # noqa: F401 (browser, live_server)

AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map(v => `${v.id}: ${v.nodes[0].html.slice(0, 120)}`);
}"""


@pytest.fixture
def live_copy(demo_app, databases, tmp_path, live_server) -> Iterator[str]:
    """A copy of the demo catalogue (signing in adds a user), served over real HTTP."""
    url = databases.new()
    source = sa.make_url(demo_app.config["DATABASE_URL"]).database
    with (
        closing(sqlite3.connect(source)) as src,
        closing(sqlite3.connect(sa.make_url(url).database)) as dst,
    ):
        src.backup(dst)  # a consistent copy, write-ahead log included
    app = make_app(url, tmp_path / "instance")
    with live_server(app) as base:
        yield base
    dispose(app)


def axe_violations(page) -> list[str]:
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
    return page.evaluate(AXE_RUN, WCAG_22_AA)


def test_the_link_worker_pages_pass_axe_and_the_filter_works(live_copy, browser):
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.add_init_script(path=str(AXE))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_copy + "/link-worker/match")
    expect(page).to_have_url(re.compile("/sign-in"))  # the anonymous are sent to sign in
    page.goto(live_copy + "/dev/sign-in?next=/link-worker/match")
    page.get_by_role("button", name="Sign in").click()
    # exactly: "**/link-worker/match" also matches the sign-in page's own ?next=/link-worker/match
    expect(page).to_have_url(live_copy + "/link-worker/match")
    assert axe_violations(page) == []

    # the filter appears with scripts, and finds a need by a word it stands for
    page.get_by_label("Find a need").fill("skint")
    expect(page.get_by_label("Money worries and debt")).to_be_visible()
    expect(page.get_by_label("Loneliness and isolation")).to_be_hidden()
    expect(page.locator("[data-need-filter-status]")).to_contain_text("1 need shown")
    page.get_by_label("Find a need").fill("")
    expect(page.get_by_label("Loneliness and isolation")).to_be_visible()

    page.goto(live_copy + "/link-worker/match?persona=lonely-older-person")
    page.get_by_role("button", name="Find services").click()
    page.wait_for_selector("#results")
    expect(page.locator(".signpost-suggestion").first).to_be_visible()
    assert axe_violations(page) == []
    overflow = page.evaluate("document.documentElement.scrollWidth") - 360
    assert overflow <= 0

    # keep one on a shortlist: the list passes too, and prints as a plain plan
    page.locator("input[name=service]").first.check()
    page.get_by_label("Label for a new shortlist").fill("Case 42")
    page.get_by_role("button", name="Add to shortlist").click()
    page.wait_for_url("**/link-worker/shortlists/*")
    assert axe_violations(page) == []
    expect(page.get_by_role("button", name="Print this list")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Delete this shortlist")).to_be_hidden()
    expect(page.locator(".signpost-shortlist-service").first).to_be_visible()
    page.emulate_media(media="screen")
    page.goto(live_copy + "/link-worker/flags")
    assert axe_violations(page) == []
    page.close()
    assert errors == []
