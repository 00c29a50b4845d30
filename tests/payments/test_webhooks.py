"""``POST /stripe/webhook``: signatures, duplicates, out-of-order events, refunds and disputes made outside
the portal, Stripe unreachable, and a real delivery from localstripe.

localstripe never sends charge, refund or dispute events and never retries, so those payloads are
signed here with the webhook secret, as Stripe signs them; the objects they name are real ones at
localstripe, which the portal reads again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Booking, BookingEvent, BookingStatus, Payment, PaymentStatus, Refund, StripeEvent
from tests.support.payments import VISA, sdk, submit_with_card
from tests.support.stripe import WEBHOOK_SECRET
from tests.support.wizard import walk_to_review

PI = "/v1/payment_intents"


def signed(payload: dict, secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    ts = at or int(time.time())
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={ts},v1={signature}", "Content-Type": "application/json"}


def event(event_id: str, kind: str, obj: dict) -> dict:
    return {"id": event_id, "object": "event", "type": kind, "created": int(time.time()), "livemode": False,
            "api_version": "2024-06-20", "data": {"object": obj}}


def deliver(client, payload: dict, **kw):
    body, headers = signed(payload, **kw)
    return client.post("/stripe/webhook", data=body, headers=headers)


def events_of(bid: int) -> int:
    return db.session.scalar(select(func.count()).select_from(BookingEvent).where(BookingEvent.booking_id == bid))


def lost_deposit(client, line) -> tuple[Booking, Payment]:
    """A deposit charged at localstripe whose answer never reached the portal."""
    bid = walk_to_review(client, "mesa")
    line.lose_answer("POST", PI)
    submit_with_card(client, line, bid, VISA)
    booking = db.session.get(Booking, bid)
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == bid))
    assert payment.status == PaymentStatus.PENDING and booking.status == BookingStatus.AWAITING_DEPOSIT
    return booking, payment


def intent_of(line, booking: Booking):
    customer = booking.organisation.stripe_customer_id
    return next(pi for pi in sdk(line).v1.payment_intents.list({"limit": 100}).data if pi.customer == customer)


def test_a_bad_signature_is_refused(client, agencies):
    payload = event("evt_bad", "payment_intent.succeeded", {"id": "pi_x", "object": "payment_intent"})
    assert deliver(client, payload, secret="whsec_wrong").status_code == 400
    assert deliver(client, payload, at=int(time.time()) - 3600).status_code == 400  # too old: a replay
    body, headers = signed(payload)
    assert client.post("/stripe/webhook", data=body + b" ", headers=headers).status_code == 400  # body changed
    assert client.post("/stripe/webhook", data=body).status_code == 400  # no signature
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_the_webhook_settles_a_lost_answer_once_even_delivered_twice(client, employer, stripe_line):
    booking, payment = lost_deposit(client, stripe_line)
    pi = intent_of(stripe_line, booking)
    payload = event("evt_1", "payment_intent.succeeded", {"id": pi.id, "object": "payment_intent"})
    first = deliver(client, payload)
    assert first.status_code == 200 and "pending -> succeeded" in first.get_json()["outcome"]
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.stripe_payment_intent_id == pi.id
    assert db.session.get(Booking, booking.id).status == BookingStatus.SUBMITTED
    count = events_of(booking.id)
    again = deliver(client, payload)
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert events_of(booking.id) == count  # changed state once
    assert stripe_line.count("POST", PI) == 1


def test_out_of_order_events_change_nothing_twice(client, employer, stripe_line):
    """A failure event arriving after the success (another event id) is read against Stripe: still paid."""
    bid = walk_to_review(client, "kcpd")
    submit_with_card(client, stripe_line, bid, VISA)
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == bid))
    count = events_of(bid)
    late = event("evt_late_failure", "payment_intent.payment_failed",
                 {"id": payment.stripe_payment_intent_id, "object": "payment_intent"})
    success = event("evt_success", "payment_intent.succeeded",
                    {"id": payment.stripe_payment_intent_id, "object": "payment_intent"})
    assert deliver(client, late).status_code == 200
    assert deliver(client, success).status_code == 200
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert db.session.get(Booking, bid).status == BookingStatus.SUBMITTED
    assert events_of(bid) == count


def test_a_refund_made_in_stripe_is_recorded(client, employer, stripe_line):
    bid = walk_to_review(client, "tucson")
    submit_with_card(client, stripe_line, bid, VISA)
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == bid))
    made = sdk(stripe_line).v1.refunds.create({"payment_intent": payment.stripe_payment_intent_id, "amount": 1000})
    payload = event("evt_refund", "charge.refunded", {"id": payment.stripe_charge_id, "object": "charge",
                                                      "payment_intent": payment.stripe_payment_intent_id})
    assert deliver(client, payload).status_code == 200
    assert deliver(client, {**payload, "id": "evt_refund_again"}).status_code == 200  # another delivery of the news
    [refund] = db.session.scalars(select(Refund).where(Refund.booking_id == bid)).all()
    assert (refund.stripe_refund_id, refund.amount_cents, refund.status, refund.reason) == (
        made.id, 1000, "succeeded", "stripe")


def test_a_dispute_is_put_on_the_timeline_once(client, employer, stripe_line):
    bid = walk_to_review(client, "kcpd")
    submit_with_card(client, stripe_line, bid, VISA)
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == bid))
    dispute = {"id": "dp_1", "object": "dispute", "charge": payment.stripe_charge_id,
               "payment_intent": payment.stripe_payment_intent_id, "amount": payment.amount_cents}
    assert deliver(client, event("evt_dp", "charge.dispute.created", dispute)).status_code == 200
    assert deliver(client, event("evt_dp_2", "charge.dispute.created", dispute)).status_code == 200
    db.session.refresh(payment)
    assert payment.disputed
    actions = [e.action for e in db.session.get(Booking, bid).events]
    assert actions.count("dispute_opened") == 1


def test_stripe_unreachable_asks_for_a_retry_and_stores_nothing(client, employer, stripe_line):
    booking, _ = lost_deposit(client, stripe_line)
    pi = intent_of(stripe_line, booking)
    payload = event("evt_retry", "payment_intent.succeeded", {"id": pi.id, "object": "payment_intent"})
    stripe_line.down()
    assert deliver(client, payload).status_code == 503
    assert db.session.get(StripeEvent, "evt_retry") is None
    stripe_line.up()
    assert deliver(client, payload).status_code == 200  # Stripe's retry
    assert db.session.get(Booking, booking.id).status == BookingStatus.SUBMITTED


def test_events_of_other_kinds_and_objects_are_acknowledged(client, agencies):
    assert deliver(client, event("evt_other", "customer.created", {"id": "cus_1", "object": "customer"})).get_json()[
        "outcome"] == "ignored"


def test_reconcile_settles_a_lost_answer(client, employer, stripe_line, runner):
    booking, payment = lost_deposit(client, stripe_line)
    result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "payments: 1 succeeded" in result.output
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert db.session.get(Booking, booking.id).status == BookingStatus.SUBMITTED
    assert stripe_line.count("POST", PI) == 1
    assert "none open" in runner.invoke(args=["payments", "reconcile"]).output
