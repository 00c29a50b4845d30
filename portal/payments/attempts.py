"""A Payment row through Stripe, at most one charge per row, whatever happens on the way.

The row (with its idempotency key) is committed before Stripe is called, and only the process that
*claims* it (a compare-and-set update of ``claimed_at``) talks to Stripe about it. When an answer is
lost (Stripe unreachable, a timeout, a process that died mid-call), the row stays pending and is
marked so; whoever claims it next first looks at Stripe for a charge made for it (by the payment id
in the intent's metadata) and adopts it, and only sends again when there is none. Stripe's own
idempotency keys would make the resend harmless too; localstripe ignores them, and the portal does
not rely on them.

``refresh`` re-reads a row's intent from Stripe and records what changed; it is how a 3-D Secure
result, a webhook and ``flask payments reconcile`` all land, through the same ``record``.
Nothing here commits except ``claim`` and ``send``, which must: the caller commits the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update

from portal.bookings import lifecycle
from portal.bookings.states import Action, BookingStatus
from portal.extensions import db
from portal.formatting import money
from portal.models import Booking, Payment, PaymentKind, PaymentStatus
from portal.models.types import utcnow
from portal.payments import client

STALE_CLAIM = timedelta(minutes=2)  # longer than any Stripe call may take (STRIPE_TIMEOUT_SECONDS)
UNREACHABLE = "unreachable"  # failure_code of a pending row whose answer was lost


def claim(payment: Payment, *, now: datetime | None = None) -> bool:
    """Take the row for one Stripe conversation. Commits. False when someone else holds it."""
    now = now or utcnow()
    result = db.session.execute(
        update(Payment)
        .where(Payment.id == payment.id, Payment.status.in_((PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION)),
               or_(Payment.claimed_at.is_(None), Payment.claimed_at < now - STALE_CLAIM))
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(payment)
    return result.rowcount == 1


def send(payment: Payment, customer_id: str, *, maybe_sent: bool) -> None:
    """Charge a claimed pending row through Stripe and record the answer. Commits the outcome (also when
    Stripe cannot be reached, which leaves the row pending and marked, and then raises ``Unreachable``).
    ``maybe_sent``: an earlier conversation about this row may have reached Stripe; look first."""
    try:
        if payment.stripe_payment_intent_id:
            intent = client.retrieve_intent(payment.stripe_payment_intent_id)
        else:
            intent = client.find_charged_intent(customer_id, payment.id) if maybe_sent else None
            if intent is None:
                intent = client.create_intent(
                    amount=payment.amount_cents, currency=payment.currency, customer_id=customer_id,
                    payment_method_id=payment.stripe_payment_method_id or "", off_session=payment.off_session,
                    idempotency_key=payment.idempotency_key,
                    metadata={"payment_id": str(payment.id), "booking": payment.booking.reference,
                              "kind": payment.kind},
                )
    except client.Declined as e:
        intent_id = e.intent_id
        if intent_id is None and e.charge_id:
            try:
                intent_id = client.retrieve_charge_intent(e.charge_id)
            except client.PaymentError:
                intent_id = None
        payment.stripe_payment_intent_id = intent_id
        payment.stripe_charge_id = e.charge_id
        _set(payment, PaymentStatus.FAILED, code=e.code, message=e.message)
    except client.Unreachable as e:
        payment.failure_code, payment.failure_message = UNREACHABLE, e.message[:500]
        payment.claimed_at = None
        db.session.commit()
        raise
    except client.StripeProblem as e:
        _set(payment, PaymentStatus.FAILED, code=e.code or "stripe", message=e.message)
    else:
        record(payment, intent)
    payment.claimed_at = None
    db.session.commit()


def refresh(payment: Payment) -> None:
    """Re-read the row's intent from Stripe and record it (a 3-D Secure result, a webhook). Raises
    ``Unreachable``. The caller commits."""
    if payment.stripe_payment_intent_id:
        record(payment, client.retrieve_intent(payment.stripe_payment_intent_id))


_STATUS = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "requires_payment_method": PaymentStatus.FAILED,  # declined, or 3-D Secure failed
    "canceled": PaymentStatus.CANCELED,
}


def record(payment: Payment, intent: client.Intent) -> None:
    """Bring the row up to Stripe's word on its intent, and the booking with it. Idempotent: the same
    answer twice (a duplicate webhook, a webhook after the synchronous answer) changes nothing."""
    if payment.stripe_payment_intent_id is None:
        payment.stripe_payment_intent_id = intent.id
    if intent.charge_id:
        payment.stripe_charge_id = intent.charge_id
    status = _STATUS.get(intent.status)
    if status is None:  # processing, requires_confirmation: not decided yet
        return
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED) and status != PaymentStatus.SUCCEEDED:
        return  # final; an older answer arriving late does not undo it
    message = intent.error_message or ("Your bank did not confirm the payment." if status == PaymentStatus.FAILED
                                       else "")
    _set(payment, status, code=intent.error_code, message=message)


def _set(payment: Payment, status: PaymentStatus, *, code: str = "", message: str = "") -> None:
    """Change the row's status, with what that means for the booking (once, on the change)."""
    if payment.status == status:
        return
    payment.status = status
    payment.failure_code = code[:64] if status == PaymentStatus.FAILED else ""
    payment.failure_message = message[:500] if status in (PaymentStatus.FAILED, PaymentStatus.REQUIRES_ACTION) else ""
    booking = payment.booking
    what = f"{payment.kind_label} of {money(payment.amount_cents)}"
    data = {"payment_id": payment.id, "amount_cents": payment.amount_cents,
            "payment_intent": payment.stripe_payment_intent_id}
    if status == PaymentStatus.SUCCEEDED:
        _succeeded(payment, booking, what, data)
    elif status == PaymentStatus.REQUIRES_ACTION:
        lifecycle.apply(booking, Action.PAYMENT_NEEDS_ACTION, actor=None,
                        note=f"{what}: the card's bank asks the employer to confirm the payment.", data=data)
    elif status == PaymentStatus.FAILED:
        lifecycle.apply(booking, Action.PAYMENT_FAILED, actor=None, note=f"{what} not paid: {message}"[:500],
                        data={**data, "code": code})


def _succeeded(payment: Payment, booking: Booking, what: str, data: dict) -> None:
    if payment.kind == PaymentKind.BALANCE and booking.status == BookingStatus.INVOICED:
        lifecycle.apply(booking, Action.PAY_INVOICE, actor=None, note=f"{what} paid: the invoice is settled.",
                        data=data)
        return
    if payment.kind != PaymentKind.DEPOSIT:
        lifecycle.apply(booking, Action.PAYMENT_SUCCEEDED, actor=None, note=f"{what} paid.", data=data)
        return
    if booking.status == BookingStatus.AWAITING_DEPOSIT:
        lifecycle.apply(booking, Action.PAY_DEPOSIT, actor=None, data=data,
                        note=f"{what} paid; the request goes to {booking.agency.short_name} for approval.")
        return
    lifecycle.apply(booking, Action.PAYMENT_SUCCEEDED, actor=None, note=f"{what} paid.", data=data)
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.DENIED):
        # paid after the booking ended (3-D Secure completed in another tab after a cancellation): all back
        lifecycle.owe_refund(payment, payment.amount_cents, reason="after_cancellation")
