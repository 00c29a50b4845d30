"""The site administrator's bookings search in Chromium, at 1280 and 390 px: filters that swap the results in
(htmx), a read-only booking page, and disabling a user after the confirmation. axe-core checks every state.
Screenshots: tests/artifacts/screenshots/admin-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.demo import log_in
from tests.test_admin import booking, employer

pytestmark = pytest.mark.browser


def test_the_site_administrator_searches_bookings_and_disables_a_user(page, users, agencies, screenshot):
    riverside = employer("Riverside Events LLC", "Kansas City", "pat@riverside.example.com")
    percent = employer("100% Events Co", "Tucson", "ops@percent.example.com")
    arena = booking(riverside, agencies["mesa"], "Riverside Arena", days=12)
    booking(riverside, agencies["mesa"], "Riverside Park", days=40, paid=False)
    booking(percent, agencies["tucson"], "Gate_A", days=20)
    log_in(page, users.make("site_admin"))

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Bookings").click()
    results = page.get_by_role("table")
    expect(results.get_by_role("row")).to_have_count(4)
    page.get_by_label("Agency", exact=True).select_option("mesa")  # htmx: the results swap in, the address follows
    expect(results.get_by_role("row")).to_have_count(3)
    page.get_by_label("Reference, site or organisation").fill("arena")
    page.get_by_label("Reference, site or organisation").press("Enter")
    expect(results.get_by_role("row")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"agency=mesa.*q=arena|q=arena.*agency=mesa"))
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(f"admin-bookings-search-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name=arena.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Booking {arena.reference}")
    expect(page.get_by_text("Read-only.")).to_be_visible()
    screenshot("admin-booking")

    page.goto("/admin/bookings?status=lost&page=abc&date_from=2027-02-30")  # what cannot be read, said beside it
    expect(page.locator(".field-error")).to_have_count(2)
    expect(page.get_by_text("That page number could not be read")).to_be_visible()

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Users").click()
    page.get_by_label("Name or email").fill("pat@riverside")
    page.get_by_label("Name or email").press("Enter")
    page.get_by_role("link", name="Disable… pat@riverside.example.com").click()
    page.get_by_role("button", name="Disable and sign out").click()
    expect(page.get_by_text("pat@riverside.example.com disabled; its sessions ended.")).to_be_visible()
    expect(page.get_by_role("button", name="Enable pat@riverside.example.com")).to_be_visible()
    screenshot("admin-users-disabled")
