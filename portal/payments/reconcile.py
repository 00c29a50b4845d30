"""``flask payments reconcile``: settle every payment and refund not yet final, by asking Stripe.

For a payment waiting for an answer or for the employer, the intent is read again (or, when the
answer was lost before an intent id was known, looked up by the payment id in its metadata) and
recorded; a charge never made is sent. A pending refund is looked up, then sent if it was not made.
Safe to run at any time and as often as you like, beside the portal (every row is claimed first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.models import Payment, PaymentStatus, Refund, RefundStatus
from portal.payments import attempts, client, refunds


@dataclass
class Report:
    payments: dict[str, int] = field(default_factory=dict)  # outcome -> count
    refunds: dict[str, int] = field(default_factory=dict)
    unreachable: int = 0

    def count(self, where: dict[str, int], key: str) -> None:
        where[key] = where.get(key, 0) + 1


def reconcile() -> Report:
    report = Report()
    open_payments = db.session.scalars(select(Payment.id).where(
        Payment.status.in_((PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION))).order_by(Payment.id)).all()
    for payment_id in open_payments:
        payment = db.session.get(Payment, payment_id)
        maybe_sent = payment.failure_code == attempts.UNREACHABLE or payment.claimed_at is not None
        if payment.status == PaymentStatus.REQUIRES_ACTION or payment.stripe_payment_intent_id:
            try:
                attempts.refresh(payment)
                db.session.commit()
            except client.Unreachable:
                db.session.rollback()
                report.unreachable += 1
                continue
        elif attempts.claim(payment):
            try:
                attempts.send(payment, payment.booking.organisation.stripe_customer_id or "", maybe_sent=maybe_sent)
            except client.Unreachable:
                report.unreachable += 1
                continue
        else:
            report.count(report.payments, "busy")
            continue
        report.count(report.payments, payment.status)
    pending = db.session.scalars(select(Refund).where(Refund.status == RefundStatus.PENDING).order_by(Refund.id)).all()
    for refund in pending:
        try:
            refunds.send(refund)
        except client.Unreachable:
            report.unreachable += 1
            continue
        report.count(report.refunds, refund.status)
    return report
