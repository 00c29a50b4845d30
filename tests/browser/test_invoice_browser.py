"""The printable invoice in Chromium, on screen and as printed (print media: no navigation, buttons or ribbon),
and the employer's billing page; axe-core checks both. Screenshots in tests/artifacts/screenshots/."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Payment
from tests.support.billing import invoiced_booking, refund

pytestmark = pytest.mark.browser


def test_the_printable_invoice_prints_as_a_document(page, app, users, agencies, network_guard, screenshot):
    employer = users.make("employer")
    at = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("America/Denver"))
    booking = invoiced_booking(employer, agencies["west-valley-city"], at, officers=3)
    deposit = db.session.scalar(db.select(Payment).where(Payment.booking_id == booking.id))
    refund(deposit, 1500, at)
    from tests.support.browser import log_in

    log_in(page, employer)
    page.goto(f"/employer/requests/{booking.id}")
    page.get_by_test_id("invoice-print-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice INV-")
    expect(page.get_by_test_id("invoice-document-total")).to_be_visible()
    screenshot("invoice-1-screen")

    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_test_id("invoice-document")).to_be_visible()
    screenshot("invoice-2-print")
    page.emulate_media(media="screen")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    expect(page.get_by_test_id("billing-history")).to_contain_text(booking.reference)
    screenshot("invoice-3-billing")
