"""In a real browser at phone width: a link worker records wellbeing scores and opens the
person's plan; the person opens the plan through its private link without signing in. Each
page passes axe-core's WCAG 2.2 AA rules and fits a 360 px screen; the plan asks nothing of
any other site (the map is a plain link) and prints on at most two A4 pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from plans_helpers import build, session_of
from playwright.sync_api import expect

from directory.models import Case
from directory.referrals import plans
from tests.test_browser import AXE, WCAG_22_AA, pytestmark  # noqa: F401 (browser, live_server)

PHONE = {"width": 360, "height": 740}
AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
    return result.violations.map(v => `${v.id}: ${v.nodes[0].html.slice(0, 160)}`);
}"""


@pytest.fixture
def served(small_app, live_server) -> Iterator[tuple[str, object, object]]:
    world = build(small_app)
    with live_server(small_app) as base:
        yield base, small_app, world


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_link_worker_records_wellbeing_and_the_person_opens_their_plan(served, browser):
    base, app, w = served
    page = browser.new_page(viewport=PHONE)
    page.add_init_script(path=str(AXE))
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else elsewhere.append(r.url))

    wellbeing = f"/link-worker/cases/{w.case.id}/wellbeing"
    page.goto(f"{base}/dev/sign-in?next={wellbeing}")
    page.get_by_label("alex@example.org (linkworker)").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + wellbeing)
    assert page.evaluate(AXE_RUN, WCAG_22_AA) == []
    assert fits(page)

    # a score out of range: named, and the form keeps what was typed
    page.get_by_label("Overall, how satisfied are you with your life nowadays?").fill("4")
    page.get_by_label(re.compile("^Overall, to what extent")).fill("5")
    page.get_by_label("Overall, how happy did you feel yesterday?").fill("4")
    page.get_by_label(re.compile("how anxious did you feel yesterday")).fill("12")
    page.get_by_role("button", name="Record ONS personal well-being (ONS4) scores").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Anxiety: 12 is outside")
    assert page.evaluate(AXE_RUN, WCAG_22_AA) == []
    page.get_by_label(re.compile("how anxious did you feel yesterday")).fill("8")
    page.get_by_role("button", name="Record ONS personal well-being (ONS4) scores").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("recorded")
    expect(page.locator("table")).to_contain_text("Not yet: record a follow-up")
    assert page.evaluate(AXE_RUN, WCAG_22_AA) == []

    page.goto(f"{base}/link-worker/cases/{w.case.id}/plan")
    expect(page.locator("h1")).to_have_text("Your plan")
    assert page.evaluate(AXE_RUN, WCAG_22_AA) == []
    assert fits(page)
    page.close()

    # the person, on their own phone: no account, only the link
    with app.app_context(), app.test_request_context(), session_of(app) as session:
        _link, secret = plans.create_link(session, session.get(Case, w.case.id), None)
    person = browser.new_context(viewport=PHONE)
    phone = person.new_page()
    phone.add_init_script(path=str(AXE))
    phone.on("request", lambda r: None if r.url.startswith(base) else elsewhere.append(r.url))
    phone.goto(f"{base}/plan/{secret}")
    expect(phone.get_by_role("heading", name="Tuesday Tea and Chat")).to_be_visible()
    expect(phone.get_by_role("link", name="0113 496 0124")).to_have_attribute(
        "href", "tel:+441134960124"
    )
    assert phone.evaluate(AXE_RUN, WCAG_22_AA) == []
    assert fits(phone)
    assert phone.get_by_role("link").count() > 0
    assert not phone.locator("nav").count()  # nothing to navigate to

    phone.get_by_role("link", name="Show larger text").click()
    expect(phone.locator("html")).to_have_class("signpost-plan-large")
    assert phone.evaluate(AXE_RUN, WCAG_22_AA) == []
    assert fits(phone)
    assert elsewhere == []  # no map, font or script was asked of another site

    pdf = phone.pdf(format="A4", print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    print(f"the plan printed in large type on {pages} A4 page(s)")  # the report's figure
    assert 1 <= pages <= 2
    person.close()
