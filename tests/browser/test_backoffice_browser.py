"""One booking's whole life at West Valley City in Chromium (issue 9, "Done when"): the employer submits and pays
the deposit; the coordinator approves the employer and the request, assigns five officers (a supervisor among
them), records attendance with one officer released early and one working past the end, and closes out; the
invoice is exact to the cent and its balance is charged through localstripe. The employer's page, open all
along, shows every step without being reloaded. Screenshots of each step in tests/artifacts/screenshots/.

The portal's clock (the ``CLOCK`` setting) starts on 1 March 2027 and moves to the night of the shift.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Booking, BookingStatus, Invoice, Payment
from tests.staffing.test_closeout import BALANCE, DEPOSIT, TOTAL, WVC
from tests.support.backoffice import hire, local
from tests.support.browser import SCREENSHOT_DIR, htmx_fulfilment, install_routes, log_in, type_card
from tests.support.payments import VISA, sdk
from tests.support.stripe import stripe_config
from tests.support.wizard import shift, url, walk_to_review

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config, stripe_line, clock):
    return {**app_config, **stripe_config(stripe_line), "CLOCK": clock}


def dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def snap(page, name: str, part: str | None = None) -> None:
    """The whole page, or one part of it (a test id) to read its details."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOT_DIR / f"{name}.png")
    if part is None:
        page.screenshot(path=path, full_page=True, caret="initial")
    else:
        page.get_by_test_id(part).screenshot(path=path, caret="initial")


def test_a_booking_from_request_to_paid_invoice(page, browser, live_server, app, client, users, agencies,
                                                stripe_line, network_guard, clock):
    clock.travel_to(local(WVC, "2027-03-01T09:00"))
    employer = users.make("employer")
    users.login(client, employer)
    people = hire(agencies[WVC], ("Sam Lee", "S1", "supervisor"), ("Ana Diaz", "101", "officer"),
                  ("Bo Kim", "102", "officer"), ("Cy Lopez", "103", "officer"), ("Di Park", "104", "officer"))
    bid = walk_to_review(client, WVC, shifts=shift(WVC, date="2027-03-10", start="18:00", end="23:00", officers="5"))

    # the employer submits and pays the deposit
    log_in(page, employer)
    page.goto(url(bid, "review"))
    type_card(page, VISA)
    page.get_by_label("I confirm these details").check()
    page.get_by_role("button", name=re.compile(r"^Submit and pay \$")).click()
    expect(page.get_by_test_id("booking-status")).to_have_text("Submitted, awaiting the agency's approval")
    expect(page.get_by_test_id("deposit-paid")).to_have_text(dollars(DEPOSIT))
    snap(page, "backoffice-1-employer-paid")
    page.evaluate("window.__noReload = true")  # gone if the page is ever reloaded

    # the coordinator, in a browser of their own
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    guard = install_routes(context, live_server.url, htmx_fulfilment(app.config.get("HTMX_URL")))
    desk = context.new_page()
    coordinator = users.make("agency_admin", agency=WVC)
    log_in(desk, coordinator, home=r"/agency/$")
    desk.get_by_role("button", name="Approve").first.click()
    expect(desk.get_by_text(f"{employer.organisation.legal_name} approved.")).to_be_visible()
    desk.goto("/agency/bookings")
    booking = db.session.get(Booking, bid)
    desk.get_by_role("link", name=booking.reference).click()
    desk.get_by_role("button", name="Approve the request").click()
    expect(desk.get_by_test_id("booking-status")).to_have_text("Approved")
    expect(page.get_by_test_id("booking-status")).to_have_text("Approved", timeout=15_000)

    # five officers, the supervisor first (the 5th position of five is a supervisor's)
    for officer in people:
        form = desk.locator("form.assign-form").first
        form.locator("select").select_option(value=str(officer.id))
        form.get_by_role("button", name="Assign").click()
        expect(desk.get_by_test_id("agency-shift-1")).to_contain_text(officer.full_name)
    expect(desk.get_by_test_id("booking-status")).to_have_text("Staffed")
    snap(desk, "backoffice-2-agency-staffed")
    expect(page.get_by_test_id("booking-status")).to_have_text("Staffed", timeout=15_000)
    officers = page.get_by_test_id("officers")
    for officer in people:
        expect(officers).to_contain_text(officer.full_name)
    snap(page, "backoffice-3-employer-sees-who-is-coming")

    # the night of the shift: attendance, one released at 20:00, one working until 23:40, one who did not come
    clock.travel_to(local(WVC, "2027-03-11T00:30"))
    desk.reload()
    times = {"S1": ("18:00", "23:00"), "101": ("18:00", "20:00"), "102": ("17:55", "23:40"), "103": ("18:00", "23:00")}
    for badge, (clock_in, clock_out) in times.items():
        form = desk.get_by_test_id(f"attendance-{badge}")
        form.get_by_label("Clock-in").fill(f"2027-03-10T{clock_in}")
        form.get_by_label("Clock-out").fill(f"2027-03-10T{clock_out}")
        form.get_by_role("button", name="Save times").click()
        expect(desk.locator(".flash-success")).to_contain_text("Attendance recorded.")
    desk.get_by_test_id("attendance-104").get_by_role("button", name="Did not come").click()
    expect(desk.get_by_test_id("booking-status")).to_have_text("In progress")
    snap(desk, "backoffice-4-agency-attendance")
    snap(desk, "backoffice-4a-agency-attendance-detail", "staffing")
    expect(page.get_by_test_id("booking-status")).to_have_text("In progress", timeout=15_000)
    expect(page.get_by_test_id("officers")).to_contain_text(re.compile(r"17:55 \W 23:40"))
    expect(page.get_by_test_id("officers")).to_contain_text("Did not come")
    snap(page, "backoffice-5-employer-sees-attendance")

    # close out: the invoice, and its balance charged to the saved card
    desk.get_by_test_id("close-out-1").click()
    expect(desk.get_by_test_id("invoice-total")).to_have_text(dollars(TOTAL))
    expect(desk.locator(".flash-success")).to_contain_text(f"The balance of {dollars(BALANCE)} was charged")
    expect(desk.get_by_test_id("booking-status")).to_have_text("Paid")
    snap(desk, "backoffice-6-agency-invoiced")
    expect(page.get_by_test_id("booking-status")).to_have_text("Paid", timeout=15_000)
    expect(page.get_by_test_id("invoice-total")).to_have_text(dollars(TOTAL))
    expect(page.get_by_test_id("invoice-balance")).to_contain_text(dollars(BALANCE))
    expect(page.get_by_test_id("payments")).to_contain_text("Invoice balance")
    snap(page, "backoffice-7-employer-paid-invoice")
    snap(page, "backoffice-7a-employer-invoice-detail", "invoice")
    assert page.evaluate("window.__noReload") is True  # every step arrived without a reload

    db.session.expire_all()
    booking = db.session.get(Booking, bid)
    invoice = db.session.scalar(select(Invoice).where(Invoice.booking_id == bid))
    assert booking.status == BookingStatus.PAID
    assert (invoice.total_cents, invoice.deposit_applied_cents, invoice.balance_cents) == (TOTAL, DEPOSIT, BALANCE)
    balance = db.session.scalar(select(Payment).where(Payment.booking_id == bid, Payment.kind == "balance"))
    charged = sdk(stripe_line).v1.payment_intents.retrieve(balance.stripe_payment_intent_id)
    assert (charged.amount, charged.status) == (BALANCE, "succeeded")
    assert [e.action for e in booking.events if e.action in ("approve", "staff_fully", "start", "complete", "invoice",
                                                             "pay_invoice")] == [
        "approve", "staff_fully", "start", "complete", "invoice", "pay_invoice"]
    for g in (network_guard, guard):
        assert not g.aborted, g.report()
        assert not g.console_errors, g.report()
    context.close()
