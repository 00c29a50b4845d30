"""An agency administrator uploads a new version of the rate card in Chromium: a file with problems (each listed
beside the card with its location), then the corrected text, previewed beside the current version, confirmed."""

import re

import pytest
from playwright.sync_api import expect

from portal.pricing import SEED_CARD_DIR
from tests.support.browser import log_in
from tests.support.examples import without_worked_examples

pytestmark = pytest.mark.browser

KCPD = (SEED_CARD_DIR / "kcpd.toml").read_text()
RAISED = without_worked_examples(KCPD).replace('officer = "38.00"', 'officer = "40.00"', 1)


def test_admin_uploads_previews_and_confirms_a_new_version(page, users, network_guard, screenshot):
    admin = users.make("agency_admin", agency="kcpd")
    log_in(page, admin, home=r"/agency/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rate card").click()
    expect(page.get_by_role("row", name=re.compile("Version 1"))).to_contain_text("Current")
    page.get_by_role("link", name="Upload a new version").click()

    broken = RAISED.replace('officer = "40.00"', 'officer = "forty"', 1).replace("minimum_hours = ", "minimum_hourz = ")
    page.get_by_label("TOML file").set_input_files(
        files=[{"name": "kcpd.toml", "mimeType": "application/toml", "buffer": broken.encode()}])
    page.get_by_role("button", name="Check and preview").click()
    problems = page.get_by_test_id("card-problems")
    expect(problems).to_contain_text('schedules.regular.rates.regular.officer: expected an amount like "85.50"')
    expect(problems).to_contain_text("minimum_hourz")
    expect(page.get_by_label("Or paste the card")).to_have_attribute("aria-invalid", "true")
    screenshot("rate-card-1-problems")

    page.get_by_label("Or paste the card").fill(RAISED)
    page.get_by_role("button", name="Check and preview").click()
    expect(page.get_by_test_id("current-quote-total")).to_have_text("$380.00")
    expect(page.get_by_test_id("new-quote-total")).to_have_text("$400.00")
    expect(page.get_by_test_id("difference")).to_have_text("$20.00 more")
    screenshot("rate-card-2-preview", full_page=False)

    page.get_by_role("button", name="Create version 2").click()
    expect(page).to_have_url(re.compile(r"/agency/rate-card$"))
    expect(page.locator("#flash")).to_contain_text("Version 2 saved")
    expect(page.get_by_role("row", name=re.compile("Version 2"))).to_contain_text(admin.full_name)
    screenshot("rate-card-3-history")
