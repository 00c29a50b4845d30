"""Money through Stripe: a Payment row per charge attempt, a Refund row per refund, the webhook events seen.

Each row is written and committed, with its own idempotency key, before Stripe is called; the
Stripe answer then fills in its ids and status. A partial unique index allows at most one open
(pending, waiting for the employer, or succeeded) attempt per booking and purpose, so two tabs,
a double click or a retried request can never start a second charge for the same thing, whatever
the database's locking and whatever Stripe does with idempotency keys.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.bookings import Booking, Cancellation
from portal.models.types import UTCDateTime, utcnow


class PaymentKind(enum.StrEnum):
    DEPOSIT = "deposit"
    CANCELLATION_FEE = "cancellation_fee"  # a fee above the deposit held
    BALANCE = "balance"  # the invoice's balance after the deposit


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"  # written, Stripe not yet answered (or its answer was lost)
    REQUIRES_ACTION = "requires_action"  # the employer must authenticate (3-D Secure)
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # declined, authentication failed, or abandoned
    CANCELED = "canceled"  # given up before it was paid (the employer chose another card)


OPEN_PAYMENT_STATUSES = (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.SUCCEEDED)


class RefundStatus(enum.StrEnum):
    PENDING = "pending"  # owed and written; Stripe not yet reached
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def _values(members) -> str:
    return ", ".join(f"'{m.value}'" for m in members)


_OPEN = _values(OPEN_PAYMENT_STATUSES)


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(f"status IN ({_values(PaymentStatus)})", name="status_known"),
        CheckConstraint(f"kind IN ({_values(PaymentKind)})", name="kind_known"),
        Index(
            "uq_payments_open_purpose", "booking_id", "purpose", unique=True,
            sqlite_where=text(f"status IN ({_OPEN})"), postgresql_where=text(f"status IN ({_OPEN})"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(40))  # "deposit", "cancellation:12", "balance"
    status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.PENDING)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    off_session: Mapped[bool] = mapped_column(default=False)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_charge_id: Mapped[str | None] = mapped_column(String(255))
    stripe_payment_method_id: Mapped[str | None] = mapped_column(String(255))
    card_label: Mapped[str] = mapped_column(String(64), default="")
    failure_code: Mapped[str] = mapped_column(String(64), default="")
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    disputed: Mapped[bool] = mapped_column(default=False)
    # Set while one process talks to Stripe about this attempt (claimed with a compare-and-set update);
    # an old claim is a process that died mid-call, whose outcome is looked up before anything is sent.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    booking: Mapped[Booking] = relationship()
    created_by: Mapped[User | None] = relationship()
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")

    @property
    def kind_label(self) -> str:
        return {"deposit": "Deposit", "cancellation_fee": "Cancellation fee", "balance": "Invoice balance"}[self.kind]

    @property
    def is_open(self) -> bool:
        return self.status in (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION)

    def __repr__(self) -> str:
        return f"<Payment {self.id} {self.kind} {self.status} {self.amount_cents}>"


class Refund(db.Model):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(f"status IN ({_values(RefundStatus)})", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    cancellation_id: Mapped[int | None] = mapped_column(ForeignKey("cancellations.id"))
    reason: Mapped[str] = mapped_column(String(40))  # denied | cancellation | after_cancellation | stripe
    status: Mapped[str] = mapped_column(String(20), default=RefundStatus.PENDING)
    amount_cents: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    failure_message: Mapped[str] = mapped_column(String(500), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # as Payment.claimed_at
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="refunds")
    booking: Mapped[Booking] = relationship()
    cancellation: Mapped[Cancellation | None] = relationship()

    def __repr__(self) -> str:
        return f"<Refund {self.id} {self.status} {self.amount_cents}>"


class StripeEvent(db.Model):
    """A webhook event id, stored in the same transaction as its effect, so a duplicate does nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
