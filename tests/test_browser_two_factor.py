"""In a real browser: setting up two-factor sign-in, the code page and the security log pass
axe-core WCAG 2.2 AA and fit a phone; the key typed by hand from the page works."""

from __future__ import annotations

import pyotp
import pytest
from accounts_helpers import PASSWORD, add_people, email_of
from conftest import CHROMIUM
from playwright.sync_api import expect
from test_browser import AXE, _axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live_server,
    pytest.mark.parametrize("databases", ["sqlite"], indirect=True),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)"),
]
WIDTH = 360


def _problems(page) -> dict[str, object]:
    page.wait_for_selector("header[data-nhsuk-header-init]", state="attached")
    found: dict[str, object] = {}
    violations = _axe_violations(page)
    overflow = page.evaluate("document.documentElement.scrollWidth") - WIDTH
    if violations or overflow > 0:
        found[page.url] = {"violations": violations, "overflow_px": overflow}
    return found


def _password(page, base: str, who: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(email_of(who))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_sets_up_two_factor_sign_in_in_the_browser(small_app, live_server, browser):
    add_people(small_app)
    small_app.config["TWO_FACTOR_REQUIRED"] = True
    failures: dict[str, object] = {}
    with live_server(small_app) as base:
        page = browser.new_page(viewport={"width": WIDTH, "height": 800})
        page.add_init_script(path=str(AXE))
        _password(page, base, "admin")
        page.wait_for_url("**/sign-in/set-up-two-factor")
        expect(
            page.get_by_role("img", name="QR code to scan with your authenticator app")
        ).to_be_visible()
        failures.update(_problems(page))
        # a wrong code: the error summary and the message by the field
        page.get_by_label("Code", exact=True).fill("000000")
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.locator(".nhsuk-error-summary")).to_be_visible()
        failures.update(_problems(page))
        # the key typed by hand, as someone who cannot scan would
        page.get_by_text("I cannot scan the QR code").click()
        secret = page.locator("#secret").inner_text().replace(" ", "")
        page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.locator("h1")).to_have_text("Keep your recovery codes")
        expect(page.locator(".signpost-recovery-codes li")).to_have_count(10)
        failures.update(_problems(page))
        page.get_by_role("link", name="I have kept them: continue").click()
        page.wait_for_url("**/manage/")
        page.goto(base + "/manage/security-log")
        expect(page.locator("h1")).to_have_text("Security log")
        failures.update(_problems(page))
        page.goto(base + "/account/two-factor")
        failures.update(_problems(page))
        # signing in again asks for the code
        page.goto(base + "/sign-out")
        page.get_by_role("button", name="Sign out", exact=True).click()
        _password(page, base, "admin")
        page.wait_for_url("**/sign-in/code")
        failures.update(_problems(page))
        page.close()
    assert failures == {}
