"""Paying in Chromium with localstripe's Stripe.js: the deposit with 4242, a card declined at charge then a
good one, 3-D Secure completed and failed; then the agency approves and the employer, whose page is open,
sees it without reloading; a cancellation with the fee shown first. Screenshots of each state.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import accounts
from portal.extensions import db
from portal.models import ApprovalStatus, Booking, BookingStatus, Payment, PaymentStatus
from tests.support.browser import log_in, type_card
from tests.support.payments import DECLINED_AT_CHARGE, THREE_D_SECURE, VISA, sdk
from tests.support.stripe import stripe_config
from tests.support.wizard import url, walk_to_review

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config, stripe_line):
    return {**app_config, **stripe_config(stripe_line)}


@pytest.fixture
def employer(users, client, agencies):
    user = users.make("employer")
    users.login(client, user)
    return user


def payments(bid: int) -> list[Payment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(Payment.booking_id == bid).order_by(Payment.id)))


def pay_with_another_card(page):
    """On the booking page: choose "Another card", type 4242 and pay."""
    page.get_by_label("Another card").check()
    type_card(page, VISA, "#deposit-form")
    page.locator("#deposit-form").get_by_role("button", name=re.compile(r"^Pay \$")).click()
    expect(page.get_by_test_id("booking-status")).to_have_text("Submitted, awaiting the agency's approval")


def submit_on_review(page, bid: int, number: str):
    page.goto(url(bid, "review"))
    expect(page.get_by_test_id("test-cards").first).to_be_visible()
    type_card(page, number)
    page.get_by_label("I confirm these details").check()
    page.get_by_role("button", name=re.compile(r"^Submit and pay \$")).click()


def test_deposit_with_a_good_card_then_approval_appears_live(page, client, employer, users, stripe_line,
                                                             network_guard, screenshot):
    bid = walk_to_review(client, "west-valley-city")
    log_in(page, employer)
    page.goto(url(bid, "review"))
    screenshot("payments-1-review-with-card")
    submit_on_review(page, bid, VISA)
    expect(page.get_by_test_id("booking-status")).to_have_text("Submitted, awaiting the agency's approval")
    booking = db.session.get(Booking, bid)
    [paid] = payments(bid)
    assert paid.status == PaymentStatus.SUCCEEDED and paid.amount_cents == booking.quote["deposit_cents"]
    dollars, cents = divmod(paid.amount_cents, 100)
    expect(page.get_by_test_id("deposit-paid")).to_have_text(f"${dollars:,}.{cents:02d}")
    expect(page.get_by_test_id("payments")).to_contain_text(paid.stripe_payment_intent_id)
    screenshot("payments-2-deposit-paid")

    # the agency approves while the employer's page is open: it changes without a reload
    page.evaluate("window.__noReload = true")
    coordinator = users.make("agency_admin", agency="west-valley-city")
    accounts.decide_approval(booking.organisation.approval_for(booking.agency), ApprovalStatus.APPROVED, coordinator)
    from portal.bookings import lifecycle

    lifecycle.approve(db.session.get(Booking, bid), coordinator)
    expect(page.get_by_test_id("booking-status")).to_have_text("Approved", timeout=15_000)
    assert page.evaluate("window.__noReload") is True
    expect(page.get_by_test_id("timeline")).to_contain_text("Approved by West Valley City PD")
    screenshot("payments-3-approved-live")

    # cancel one officer: the fee is shown before confirming
    page.get_by_role("link", name="Fewer officers on shift 1").click()
    page.get_by_label(re.compile(r"Police officer|Officer")).first.fill("1")
    page.get_by_role("button", name="Show what I would owe").click()
    expect(page.get_by_test_id("settlement")).to_be_visible()
    screenshot("payments-4-cancel-preview")
    fee = page.get_by_test_id("settle-fee").inner_text()
    page.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_test_id("receipt-fee")).to_have_text(fee)
    screenshot("payments-5-receipt")
    assert not network_guard.aborted, network_guard.report()
    assert not network_guard.console_errors, network_guard.report()


def test_a_card_declined_at_charge_then_a_good_one(page, client, employer, stripe_line, network_guard, screenshot):
    bid = walk_to_review(client, "kcpd")
    log_in(page, employer)
    submit_on_review(page, bid, DECLINED_AT_CHARGE)
    expect(page.get_by_test_id("payment-error")).to_contain_text("Your card was declined.")
    expect(page.get_by_test_id("booking-status")).to_have_text("Awaiting deposit")
    screenshot("payments-declined")
    pay_with_another_card(page)
    assert [p.status for p in payments(bid)] == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]
    assert not network_guard.aborted, network_guard.report()


@pytest.mark.parametrize("completed", [True, False], ids=["completed", "failed"])
def test_three_d_secure(page, client, employer, stripe_line, network_guard, screenshot, completed):
    bid = walk_to_review(client, "tucson")
    log_in(page, employer)
    submit_on_review(page, bid, THREE_D_SECURE)
    page.get_by_role("button", name="Complete authentication").click()  # saving the card
    expect(page.get_by_role("button", name="Confirm with your bank")).to_be_visible()
    screenshot(f"payments-3ds-asked-{'ok' if completed else 'fail'}")
    page.get_by_role("button", name="Confirm with your bank").click()
    page.get_by_role("button", name="Complete authentication" if completed else "Fail authentication").click()
    if completed:
        expect(page.get_by_test_id("booking-status")).to_have_text("Submitted, awaiting the agency's approval")
        assert [p.status for p in payments(bid)] == [PaymentStatus.SUCCEEDED]
    else:
        expect(page.get_by_test_id("payment-error")).to_contain_text("failed authentication")
        expect(page.get_by_test_id("booking-status")).to_have_text("Awaiting deposit")
        screenshot("payments-3ds-failed")
        pay_with_another_card(page)
        assert [p.status for p in payments(bid)] == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.SUBMITTED
    customer = booking.organisation.stripe_customer_id
    charged = [pi for pi in sdk(stripe_line).v1.payment_intents.list({"limit": 100}).data
               if pi.customer == customer and pi.status == "succeeded"]
    assert [pi.amount for pi in charged] == [booking.deposit_cents]
    assert not network_guard.aborted, network_guard.report()
