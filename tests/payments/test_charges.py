"""Charges after the deposit, and the deposit's edge cases: a fee above the deposit that the bank wants
confirmed, or that meets a Stripe outage; a deposit completed after the booking was cancelled; no deposit
due at all (the card is only saved)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.bookings import lifecycle
from portal.cards import import_card
from portal.extensions import db
from portal.models import Booking, BookingStatus, Payment, PaymentStatus, Refund
from tests.conftest import csrf_token_from
from tests.support.backoffice import approve_employer
from tests.support.payments import THREE_D_SECURE, VISA, authenticate, pay_deposit, sdk, submit_with_card
from tests.support.wizard import ZONES, url, walk_to_review

PI = "/v1/payment_intents"


def wvc_two_hours_tomorrow(client) -> int:
    """West Valley City, one officer for two hours tomorrow: a cancellation then owes $21.00 more than the
    deposit (capped at the quote total), which is charged to the saved card."""
    now = datetime.now(ZoneInfo(ZONES["west-valley-city"])).replace(second=0, microsecond=0)
    start, end = now + timedelta(hours=20), now + timedelta(hours=22)
    row = {"shifts-0-date": start.date().isoformat(), "shifts-0-start": start.strftime("%H:%M"),
           "shifts-0-end": end.strftime("%H:%M"), "shifts-0-officers": "1"}
    if end.date() != start.date():
        row["shifts-0-end_date"] = end.date().isoformat()
    return walk_to_review(client, "west-valley-city", shifts=row)


def approve(booking, users):
    coordinator = users.make("agency_admin", agency=booking.agency.slug)
    approve_employer(booking.organisation.approval_for(booking.agency), coordinator)
    lifecycle.approve(booking, coordinator)


def cancel_all(client, bid):
    html = client.get(f"{url(bid)}/cancel", query_string={"scope": "booking"}).get_data(as_text=True)
    fee = re.search(r'name="confirmed_fee" value="(\d+)"', html).group(1)
    return client.post(f"{url(bid)}/cancel", data={"scope": "booking", "csrf_token": csrf_token_from(html),
                                                   "confirmed_fee": fee, "action": "confirm"})


def fee_payments(bid):
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(Payment.booking_id == bid, Payment.kind == "cancellation_fee")
                                   .order_by(Payment.id)))


def test_a_fee_the_bank_wants_confirmed_is_paid_from_the_booking_page(client, employer, users, stripe_line):
    bid = wvc_two_hours_tomorrow(client)
    submit_with_card(client, stripe_line, bid, THREE_D_SECURE)  # the deposit asks for 3-D Secure: complete it
    deposit = db.session.scalar(select(Payment).where(Payment.booking_id == bid))
    token = csrf_token_from(client.get(url(bid)).get_data(as_text=True))
    secret = client.post(f"{url(bid)}/payments/{deposit.id}/secret", headers={"X-CSRFToken": token}).get_json()
    authenticate(stripe_line, secret["client_secret"], success=True)
    client.post(f"{url(bid)}/payments/{deposit.id}/authenticated", data={"csrf_token": token})
    booking = db.session.get(Booking, bid)
    approve(booking, users)
    cancel_all(client, bid)
    [fee] = fee_payments(bid)
    assert fee.status == PaymentStatus.REQUIRES_ACTION and fee.off_session  # the employer is away: asked later
    page = client.get(url(bid)).get_data(as_text=True)
    assert 'data-testid="amount-due"' in page and "Amount due: $21.00" in page
    token = csrf_token_from(page)
    # the employer chooses another card rather than confirming with the bank
    client.post("/employer/payments/setup", headers={"X-CSRFToken": token})
    from tests.support.payments import setup_intent_for

    seti, token = setup_intent_for(client, stripe_line, url(bid), VISA)
    client.post(f"{url(bid)}/payments/{fee.id}/pay", data={"csrf_token": token, "card": "new", "setup_intent": seti})
    first, second = fee_payments(bid)
    assert (first.status, second.status) == (PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED)
    assert not second.off_session  # the employer paid it on the page
    assert second.amount_cents == 2100 and "Amount due" not in client.get(url(bid)).get_data(as_text=True)


def test_a_fee_charge_that_meets_an_outage_is_sent_once_later(client, employer, users, stripe_line, runner):
    bid = wvc_two_hours_tomorrow(client)
    submit_with_card(client, stripe_line, bid, VISA)
    approve(db.session.get(Booking, bid), users)
    stripe_line.lose_answer("POST", PI)  # the charge goes through at Stripe, its answer does not come back
    cancel_all(client, bid)
    [fee] = fee_payments(bid)
    assert fee.status == PaymentStatus.PENDING and fee.failure_code == "unreachable"
    assert runner.invoke(args=["payments", "reconcile"]).exit_code == 0
    [fee] = fee_payments(bid)
    assert fee.status == PaymentStatus.SUCCEEDED
    customer = db.session.get(Booking, bid).organisation.stripe_customer_id
    fees = [pi for pi in sdk(stripe_line).v1.payment_intents.list({"limit": 100}).data
            if pi.customer == customer and pi.amount == 2100]
    assert len(fees) == 1  # looked up, not charged again


def test_a_deposit_confirmed_after_the_booking_was_cancelled_is_refunded(client, employer, stripe_line):
    bid = walk_to_review(client, "mesa")
    submit_with_card(client, stripe_line, bid, THREE_D_SECURE)
    deposit = db.session.scalar(select(Payment).where(Payment.booking_id == bid))
    assert deposit.status == PaymentStatus.REQUIRES_ACTION
    cancel_all(client, bid)  # from the booking page, while the bank's check is open in another tab
    assert db.session.get(Booking, bid).status == BookingStatus.CANCELLED
    token = csrf_token_from(client.get(url(bid)).get_data(as_text=True))
    secret = client.post(f"{url(bid)}/payments/{deposit.id}/secret", headers={"X-CSRFToken": token}).get_json()
    authenticate(stripe_line, secret["client_secret"], success=True)  # the other tab completes it
    client.post(f"{url(bid)}/payments/{deposit.id}/authenticated", data={"csrf_token": token})
    db.session.expire_all()
    [refund] = db.session.scalars(select(Refund).where(Refund.booking_id == bid)).all()
    assert refund.reason == "after_cancellation" and refund.amount_cents == deposit.amount_cents
    from portal.payments import refunds

    refunds.send_pending(bid)
    db.session.refresh(refund)
    assert refund.status == "succeeded"
    assert sum(r.amount for r in sdk(stripe_line).v1.refunds.list(
        {"payment_intent": deposit.stripe_payment_intent_id}).data) == deposit.amount_cents


def test_no_deposit_due_only_saves_the_card(client, employer, stripe_line, monkeypatch):
    text = (Path(__file__).resolve().parents[2] / "portal" / "rate_cards" / "kcpd.toml").read_text()
    text = text.replace('slug = "kcpd"', 'slug = "freeville"').replace('short_name = "KCPD"',
                                                                     'short_name = "Freeville PD"')
    from tests.support.examples import without_worked_examples

    # no cancellation fee at all (and so none of KCPD's worked figures)
    import_card(without_worked_examples(re.sub(r"\[\[cancellation\]\]\n(?:[^\[\n][^\n]*\n)*", "", text)))
    from tests.support import wizard

    monkeypatch.setitem(wizard.ZONES, "freeville", "America/Chicago")
    monkeypatch.setitem(wizard.PLACES, "freeville", wizard.PLACES["kcpd"])
    bid = walk_to_review(client, "freeville")
    assert "Card for the final invoice" in client.get(url(bid, "review")).get_data(as_text=True)
    submit_with_card(client, stripe_line, bid, VISA)
    booking = db.session.get(Booking, bid)
    assert booking.deposit_cents == 0 and booking.status == BookingStatus.SUBMITTED
    assert db.session.scalars(select(Payment).where(Payment.booking_id == bid)).all() == []
    assert stripe_line.count("POST", PI) == 0
    assert booking.organisation.card_label.startswith("Visa ending 4242")
    assert pay_deposit(client, stripe_line, bid, None).status_code == 303  # a repeat: nothing more happens
    assert stripe_line.count("POST", PI) == 0
