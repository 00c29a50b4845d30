"""``POST /stripe/webhook``: Stripe's events, verified on the raw body and applied once.

The event is only a trigger: the object it names is read again from Stripe and recorded through the
same code as the synchronous answer (``attempts.record``, ``refunds.record``), so a duplicate, an
event arriving before or after that answer, or out of order, changes nothing twice. The event id is
inserted (unique) in the same transaction as its effect: both commit or neither does.

Answers: 400 for a bad signature; 200 for handled, duplicate and ignored events; 503 when Stripe
cannot be reached to read the object (Stripe retries later; nothing was committed).
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.bookings import lifecycle
from portal.bookings.states import Action
from portal.extensions import csrf, db, limiter
from portal.formatting import money
from portal.models import Payment, StripeEvent
from portal.payments import attempts, client, refunds

bp = Blueprint("stripe_webhook", __name__, url_prefix="/stripe")
csrf.exempt(bp)
limiter.exempt(bp)

HANDLED = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
           "payment_intent.requires_action", "charge.refunded", "charge.refund.updated", "charge.dispute.created")


@bp.post("/webhook")
def webhook():
    try:
        event = client.construct_event(request.get_data(cache=False), request.headers.get("Stripe-Signature", ""))
    except ValueError:
        return {"error": "signature verification failed"}, 400
    if db.session.get(StripeEvent, event.id) is not None:
        return {"received": True, "duplicate": True}, 200
    try:
        outcome = _apply(event) if event.type in HANDLED else "ignored"
        db.session.add(StripeEvent(id=event.id, type=event.type, outcome=outcome[:200]))
        db.session.commit()
    except IntegrityError:  # the same event delivered twice at once: the other delivery applied it
        db.session.rollback()
        return {"received": True, "duplicate": True}, 200
    except client.Unreachable:
        db.session.rollback()
        current_app.logger.warning("webhook %s: Stripe unreachable; asking for a retry", event.id)
        return {"error": "try again later"}, 503
    return {"received": True, "outcome": outcome}, 200


def _payment_for(intent_id: str | None) -> Payment | None:
    if not intent_id:
        return None
    found = db.session.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent_id))
    if found is not None:
        return found
    # the synchronous answer was lost: the intent's metadata names our row
    intent = client.retrieve_intent(intent_id)
    payment_id = intent.metadata.get("payment_id", "")
    return db.session.get(Payment, int(payment_id)) if payment_id.isdigit() else None


def _apply(event: client.Event) -> str:
    if event.type.startswith("payment_intent."):
        payment = _payment_for(event.object_id)
        if payment is None:
            return "no payment of ours"
        before = payment.status
        if payment.stripe_payment_intent_id is None:
            attempts.record(payment, client.retrieve_intent(event.object_id))
        else:
            attempts.refresh(payment)
        return f"payment {payment.id}: {before} -> {payment.status}"
    intent_id = event.payment_intent_id
    if intent_id is None and event.object_type == "charge":
        intent_id = client.retrieve_charge_intent(event.object_id)
    payment = _payment_for(intent_id)
    if payment is None:
        return "no payment of ours"
    if event.type == "charge.dispute.created":
        if payment.disputed:
            return f"payment {payment.id}: dispute already recorded"
        payment.disputed = True
        lifecycle.apply(payment.booking, Action.DISPUTE_OPENED, actor=None,
                        note=f"The employer's bank disputes the {payment.kind_label.lower()} of "
                             f"{money(payment.amount_cents)}; the agency should answer it in Stripe.",
                        data={"payment_id": payment.id, "dispute": event.object_id})
        return f"payment {payment.id}: disputed"
    refunds.sync_intent_refunds(payment)
    return f"payment {payment.id}: refunds synced"
