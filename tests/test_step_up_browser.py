"""In a real browser at phone width: a link worker notes the specialist team a person is
known to, steps them up urgently to the GP practice (after fixing what the form refused),
and sees the known team first and urgent help on the case; then leaves a note on a service.
Every page passes axe-core's WCAG 2.2 AA rules and none scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from accounts_helpers import LINE
from playwright.sync_api import expect
from sqlmodel import Session

from directory import db
from directory.catalogue import seeding
from directory.models import Service
from tests.conftest import SMALL_CATALOGUE, dispose, make_app
from tests.test_browser import AXE, pytestmark  # noqa: F401 (browser, live_server)
from tests.test_cases_browser import PHONE, fits_a_phone
from tests.test_linkworker_browser import axe_violations


@pytest.fixture
def live(databases, tmp_path, live_server) -> Iterator[str]:
    app = make_app(databases.new_migrated(), tmp_path / "instance")
    with Session(app.extensions[db.ENGINE_KEY]) as session:
        seeding.seed(session, SMALL_CATALOGUE)
        listing = session.get(Service, LINE)  # a specialist pathway listing, for the test
        listing.pathway = "early_intervention_psychosis"
        listing.set_referral_routes(["professional"])
        session.add(listing)
        session.commit()
    with live_server(app) as base:
        yield base
    dispose(app)


def test_a_case_with_a_known_team_and_an_urgent_step_up_on_a_phone(live, browser):
    page = browser.new_page(viewport=PHONE)
    page.add_init_script(path=str(AXE))
    page.goto(live + "/dev/sign-in")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Open a new case").click()
    page.get_by_label("Your reference for this case").fill("LW-0077")
    page.get_by_label("Age (optional)").fill("19")
    page.get_by_label("Loneliness and isolation").check()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LW-0077")

    page.get_by_label("Team's name").fill("Leeds Early Intervention Team")
    page.get_by_label("Its listing (optional)").select_option(label="Evening Listening Line")
    page.get_by_label("The team's duty contact (optional)").fill("0113 496 0999, 9am to 5pm")
    page.get_by_role("button", name="Save the known team").click()
    expect(page.locator(".signpost-known-team")).to_contain_text("Leeds Early Intervention Team")

    # refused first: no urgency, and a reason with an NHS number in it
    page.get_by_label("GP practice").check()
    page.get_by_label("Why", exact=True).fill("Seen with NHS number 943 476 5919")
    page.get_by_role("button", name="Record the step-up").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("routine or urgent")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("looks like an NHS number")
    assert axe_violations(page) == [] and fits_a_phone(page)

    page.get_by_label("GP practice").check()
    page.get_by_label("Urgent", exact=True).check()
    page.get_by_label("Why", exact=True).fill("Hearing voices again since last week.")
    page.get_by_role("button", name="Record the step-up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LW-0077")
    # the known team first, then urgent help, never a triage
    known = page.locator(".signpost-known-team")
    expect(known).to_contain_text("Duty contact: 0113 496 0999, 9am to 5pm")
    expect(page.locator(".signpost-urgent-step-up")).to_contain_text("has not assessed or triaged")
    expect(page.locator("#urgent-help")).to_be_visible()
    order = page.evaluate(
        "[...document.querySelectorAll("
        "'h1, #known-team-first, #urgent-help, #known-team-heading, #referrals-heading')]"
        ".map(e => e.id || e.tagName.toLowerCase())"
    )
    assert order == [
        "h1",
        "known-team-first",
        "urgent-help",
        "known-team-heading",
        "referrals-heading",
    ]
    expect(page.get_by_role("heading", name="Step-up to GP practice")).to_be_visible()
    assert axe_violations(page) == [] and fits_a_phone(page)

    page.goto(live + "/link-worker/cases")
    expect(page.locator("table")).to_contain_text("Urgent step-up")
    expect(page.locator("table")).to_contain_text("Known to Leeds Early Intervention Team")
    assert axe_violations(page) == [] and fits_a_phone(page)

    page.goto(live + f"/link-worker/services/{LINE}/notes")
    page.get_by_label("Your note on the service").fill("Duty team rings back within the hour.")
    page.get_by_role("button", name="Save the note").click()
    expect(page.locator(".signpost-service-notes")).to_contain_text("rings back within the hour")
    assert axe_violations(page) == [] and fits_a_phone(page)
