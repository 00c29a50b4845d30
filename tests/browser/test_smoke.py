"""End to end in Chromium: landing page, employer signup, dashboard, log out, log in.

Runs against the live server with the network locked down: the only request that may leave
the page's origin is the htmx CDN URL, answered from the npm copy of the same version.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EMAIL = "ops@riverside-events.example.com"
PASSWORD = "harbour lantern velvet 42"


def assert_htmx_loaded(page):
    # The script tag carries an SRI hash: a file that doesn't match it is refused and htmx stays undefined.
    # It is deferred: wait until the page has run its scripts (a visible flash can come before that).
    page.wait_for_load_state("load")
    assert page.evaluate("typeof htmx") == "object"


def test_employer_signs_up_logs_out_and_logs_in(page, app, network_guard, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hire off-duty police officers")
    assert_htmx_loaded(page)
    screenshot("smoke-1-landing")

    page.get_by_role("main").get_by_role("link", name="Create an employer account").click()
    expect(page).to_have_url(re.compile(r"/auth/signup$"))
    page.get_by_label("Organisation legal name").fill("Riverside Event Services LLC")
    page.get_by_label("Street address").fill("200 S Main St")
    page.get_by_label("City").fill("Salt Lake City")
    page.get_by_label("State").select_option("UT")
    page.get_by_label("ZIP code").fill("84101")
    page.get_by_label("Your full name").fill("Dana Whitfield")
    page.get_by_label("Phone").fill("(801) 555-0142")
    page.get_by_label("Work email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    screenshot("smoke-2-signup-form")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/employer/$"))
    expect(page.locator("#flash")).to_contain_text("Welcome to Detail Desk, Dana Whitfield")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard")).to_be_visible()
    assert_htmx_loaded(page)
    screenshot("smoke-3-employer-dashboard")

    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#flash")).to_contain_text("You have been signed out")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/employer/$"))
    expect(page.locator("#flash")).to_contain_text(f"Signed in as {EMAIL}")
    assert_htmx_loaded(page)

    assert network_guard.aborted == [], network_guard.report()
    assert set(network_guard.fulfilled) == {app.config["HTMX_URL"]}, network_guard.report()
    assert network_guard.console_errors == [], network_guard.report()
