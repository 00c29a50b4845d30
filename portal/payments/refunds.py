"""Refund rows through Stripe, each at most once and never beyond what its payment took.

A refund is decided (a pending row, in the transaction of the denial or cancellation that owes it)
and then sent. Sending claims the row as ``attempts.claim`` does a payment; a row whose earlier
answer was lost is looked up at Stripe (by the refund id in its metadata) before it is sent again,
so neither a retry nor a stand-in that ignores idempotency keys can refund twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update

from portal.bookings import lifecycle
from portal.bookings.states import Action
from portal.extensions import db
from portal.formatting import money
from portal.models import Payment, Refund, RefundStatus
from portal.models.types import utcnow
from portal.payments import client
from portal.payments.attempts import STALE_CLAIM, UNREACHABLE


def send_pending(booking_id: int) -> list[Refund]:
    """Send every pending refund of the booking that nobody else is sending. Commits each outcome;
    returns the refunds still pending (Stripe unreachable: they are retried later)."""
    pending = db.session.scalars(
        select(Refund).where(Refund.booking_id == booking_id, Refund.status == RefundStatus.PENDING)
        .order_by(Refund.id)).all()
    left = []
    for refund in pending:
        try:
            send(refund)
        except client.Unreachable:
            left.append(refund)
    return left


def _claim(refund: Refund, now: datetime) -> tuple[bool, bool]:
    """(claimed, maybe sent before)."""
    maybe_sent = refund.failure_message.startswith(UNREACHABLE) or refund.claimed_at is not None
    result = db.session.execute(
        update(Refund)
        .where(Refund.id == refund.id, Refund.status == RefundStatus.PENDING,
               or_(Refund.claimed_at.is_(None), Refund.claimed_at < now - STALE_CLAIM))
        .values(claimed_at=now).execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(refund)
    return result.rowcount == 1, maybe_sent


def send(refund: Refund) -> None:
    """Send one pending refund (claimed here). Commits the outcome; raises ``Unreachable``."""
    claimed, maybe_sent = _claim(refund, utcnow())
    if not claimed:
        return
    payment = refund.payment
    intent_id = payment.stripe_payment_intent_id or ""
    try:
        made = client.find_refund(intent_id, refund.id) if maybe_sent else None
        if made is None:
            made = client.create_refund(intent_id=intent_id, amount=refund.amount_cents,
                                        idempotency_key=refund.idempotency_key,
                                        metadata={"refund_id": str(refund.id), "booking": refund.booking.reference})
    except client.Unreachable as e:
        refund.failure_message = f"{UNREACHABLE}: {e.message}"[:500]
        refund.claimed_at = None
        db.session.commit()
        raise
    except client.PaymentError as e:
        refund.status = RefundStatus.FAILED
        refund.failure_message = e.message[:500]
        lifecycle.apply(refund.booking, Action.REFUND_FAILED, actor=None,
                        note=f"Refund of {money(refund.amount_cents)} failed: {e.message}"[:500],
                        data={"refund_id": refund.id})
    else:
        record(refund, made)
    refund.claimed_at = None
    db.session.commit()


def record(refund: Refund, made: client.RefundResult) -> None:
    """Bring a row up to Stripe's word on its refund (idempotent). The caller commits."""
    refund.stripe_refund_id = made.id
    if made.status in ("succeeded", "pending") and refund.status != RefundStatus.SUCCEEDED:
        # Stripe's "pending" refund is on its way to the card: nothing more for us to do
        refund.status = RefundStatus.SUCCEEDED
        refund.failure_message = ""
        lifecycle.apply(refund.booking, Action.REFUND_ISSUED, actor=None,
                        note=f"Refund of {money(refund.amount_cents)} sent to the card (Stripe {made.id}).",
                        data={"refund_id": refund.id, "stripe_refund": made.id, "amount_cents": refund.amount_cents})
    elif made.status in ("failed", "canceled") and refund.status != RefundStatus.FAILED:
        refund.status = RefundStatus.FAILED
        refund.failure_message = f"Stripe reports the refund {made.status}."
        lifecycle.apply(refund.booking, Action.REFUND_FAILED, actor=None,
                        note=f"Refund of {money(refund.amount_cents)} {made.status} at Stripe.",
                        data={"refund_id": refund.id, "stripe_refund": made.id})


def sync_intent_refunds(payment: Payment) -> None:
    """Match every refund Stripe has on the payment's intent to our rows (a ``charge.refunded`` webhook);
    a refund made outside the portal (Stripe's dashboard) gets a row of its own. The caller commits."""
    if not payment.stripe_payment_intent_id:
        return
    ours = {r.stripe_refund_id: r for r in payment.refunds if r.stripe_refund_id}
    by_id = {str(r.id): r for r in payment.refunds}
    for made in client.list_refunds(payment.stripe_payment_intent_id):
        row = ours.get(made.id) or by_id.get(made.metadata.get("refund_id", ""))
        if row is None:
            row = Refund(payment_id=payment.id, booking_id=payment.booking_id, reason="stripe",
                         amount_cents=made.amount, idempotency_key=f"dd-stripe-{made.id}"[:64])
            db.session.add(row)
            db.session.flush()
        record(row, made)
