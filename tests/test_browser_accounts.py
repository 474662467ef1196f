"""In a real browser: the account and listing pages pass axe-core WCAG 2.2 AA and fit a phone,
and an editor can sign in and change a listing with the keyboard-friendly forms."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from accounts_helpers import ORG_A, PASSWORD, TEA, add_people, email_of
from conftest import CHROMIUM
from playwright.sync_api import expect
from sqlmodel import Session
from test_browser import AXE, _axe_violations

from directory import db
from directory.listings import editing
from directory.models import ListingReport, ReportKind, User
from directory.oruk import feeds

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server,
    pytest.mark.parametrize("databases", ["sqlite"], indirect=True),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)"),
]


@pytest.fixture
def live_small(small_app, live_server) -> Iterator[tuple[str, dict[str, str]]]:
    """The small catalogue with accounts, a pending revision, a report and a feed, over real
    HTTP."""
    users = add_people(small_app)
    with small_app.app_context(), Session(small_app.extensions[db.ENGINE_KEY]) as session:
        service = editing.load_service(session, TEA)
        # A word changed in the description: the review marks it (<ins>/<del>, in words too).
        description = service.description.replace("cake", "biscuits")
        values = dict(editing.snapshot(service), name="Tea & Talk", description=description)
        outcome = editing.save(session, session.get(User, users["editor"].id), service, 1, values)
        session.add(ListingReport(service_id=TEA, kind=ReportKind.OTHER, details="Moved."))
        session.commit()
        revision = str(outcome.revision.id)
        # a followed feed whose sync failed: the feeds page shows its record and problem
        feed = feeds.add_feed(session, url="http://127.0.0.1:9/api/v1", name="Leeds", trusted=False)
        feeds.sync(session, feed)
    with live_server(small_app) as url:
        yield url, {"revision": revision}


def _sign_in(page, base: str, who: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email_of(who))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/manage/")


def _check(page, base: str, paths: list[str], width: int) -> dict[str, object]:
    failures = {}
    for path in paths:
        page.goto(base + path)
        page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
        violations = _axe_violations(page)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if violations or overflow > 0:
            failures[path] = {"violations": violations, "overflow_px": overflow}
    return failures


# At phone width only: the public pages' test covers both widths, and a phone is where
# these pages overflow first.
@pytest.mark.parametrize("width", [360])
def test_account_and_listing_pages_pass_axe_and_fit_the_screen(live_small, browser, width):
    base, ids = live_small
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.add_init_script(path=str(AXE))
    failures = _check(
        page,
        base,
        ["/sign-in", "/reset-password", "/organisations/register", f"/services/{TEA}/report"],
        width,
    )
    # A form with errors: the summary and the messages by each field.
    page.goto(base + "/sign-in")
    page.get_by_role("button", name="Sign in").click()
    # the click sends the form: wait for the answer before reading or checking the page
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
    errors_page = _axe_violations(page)
    if errors_page:
        failures["sign-in errors"] = errors_page
    _sign_in(page, base, "manager")
    failures.update(
        _check(
            page,
            base,
            [
                "/manage/",
                f"/manage/organisations/{ORG_A}",
                f"/manage/services/{TEA}/edit",
                f"/manage/services/{TEA}/history",
                f"/manage/revisions/{ids['revision']}",
                "/manage/vocabulary",
                "/manage/vocabulary/needs/urgent_mental_health_crisis",
                "/manage/vocabulary/phrases/new",
                "/manage/feeds",
                "/sign-out",
            ],
            width,
        )
    )
    page.close()
    assert failures == {}


def test_an_editor_changes_capacity_in_the_browser(live_small, browser):
    base, _ = live_small
    page = browser.new_page(viewport={"width": 360, "height": 740})
    _sign_in(page, base, "editor")
    page.goto(base + f"/manage/services/{TEA}/edit")
    page.get_by_label("Waiting list", exact=True).check()
    page.get_by_label("Waiting list, in weeks").fill("3")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"**/manage/organisations/{ORG_A}")
    expect(page.locator("body")).to_contain_text("The changes are live now.")
    page.goto(base + f"/services/{TEA}")
    expect(page.locator("body")).to_contain_text("Waiting list of about 3 weeks")
    page.close()
