"""In a real browser: the matching form and its results pass axe-core WCAG 2.2 AA rules, and
the need filter narrows the checkboxes as you type (under the Content Security Policy)."""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.conftest import dispose, make_app
from tests.test_browser import AXE, WCAG_22_AA, browser, pytestmark  # noqa: F401

AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map(v => `${v.id}: ${v.nodes[0].html.slice(0, 120)}`);
}"""


@pytest.fixture
def live_copy(demo_app, databases, tmp_path) -> Iterator[str]:
    """A copy of the demo catalogue (signing in adds a user), served over real HTTP."""
    url = databases.new()
    source = sa.make_url(demo_app.config["DATABASE_URL"]).database
    with (
        closing(sqlite3.connect(source)) as src,
        closing(sqlite3.connect(sa.make_url(url).database)) as dst,
    ):
        src.backup(dst)  # a consistent copy, write-ahead log included
    app = make_app(url, tmp_path / "instance")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    dispose(app)
    gc.collect()


def axe_violations(page) -> list[str]:
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached", timeout=5000)
    return page.evaluate(AXE_RUN, WCAG_22_AA)


def test_the_link_worker_pages_pass_axe_and_the_filter_works(live_copy, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.add_init_script(path=str(AXE))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_copy + "/link-worker/match")
    assert "/sign-in" in page.url  # the anonymous are sent to sign in
    page.goto(live_copy + "/dev/sign-in?next=/link-worker/match")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/link-worker/match")
    assert axe_violations(page) == []

    # the filter appears with scripts, and finds a need by a word it stands for
    page.get_by_label("Find a need").fill("skint")
    assert page.get_by_label("Money worries and debt").is_visible()
    assert not page.get_by_label("Loneliness and isolation").is_visible()
    assert "1 need shown" in page.locator("[data-need-filter-status]").inner_text()
    page.get_by_label("Find a need").fill("")
    assert page.get_by_label("Loneliness and isolation").is_visible()

    page.goto(live_copy + "/link-worker/match?persona=lonely-older-person")
    page.get_by_role("button", name="Find services").click()
    page.wait_for_selector("#results")
    assert page.locator(".signpost-suggestion").count() >= 1
    assert axe_violations(page) == []
    overflow = page.evaluate("document.documentElement.scrollWidth") - 360
    assert overflow <= 0

    # keep one on a shortlist: the list passes too, and prints as a plain plan
    page.locator("input[name=service]").first.check()
    page.get_by_label("Label for a new shortlist").fill("Case 42")
    page.get_by_role("button", name="Add to shortlist").click()
    page.wait_for_url("**/link-worker/shortlists/*")
    assert axe_violations(page) == []
    assert page.get_by_role("button", name="Print this list").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.nhsuk-header").is_visible()
    assert not page.get_by_role("button", name="Delete this shortlist").is_visible()
    assert page.locator(".signpost-shortlist-service").first.is_visible()
    page.emulate_media(media="screen")
    page.goto(live_copy + "/link-worker/flags")
    assert axe_violations(page) == []
    page.close()
    assert errors == []
