"""Bookings: an employer's request for officers, from draft to paid, with its shifts, post-order
attachments, the approvals its screening asked for, its cancellations and the timeline of every change.

A draft keeps what each wizard step collected, as entered (the shift rows as the form's text, so
a half-filled draft resumes exactly). Submission freezes the priced request body (with its
``submitted_at``) and the rate-card version, from which every fee, deposit and refund is priced
again exactly; the quote's JSON is kept beside them for display.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.bookings.states import BookingStatus
from portal.extensions import db
from portal.models.accounts import Organisation, User
from portal.models.agencies import Agency, RateCardVersion
from portal.models.types import UTCDateTime, utcnow

STEPS = ("location", "work", "shifts", "orders", "review")
STEP_LABELS = {
    "location": "Agency and location",
    "work": "Venue and work",
    "shifts": "Shifts",
    "orders": "Post orders",
    "review": "Review and submit",
}


def _values(enum_cls: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{m.value}'" for m in enum_cls)


class Booking(db.Model):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(BookingStatus)})", name="status_known"),
        CheckConstraint(f"step IN ({', '.join(repr(s) for s in STEPS)})", name="step_known"),
        CheckConstraint("total_cents IS NULL OR total_cents >= 0", name="total_not_negative"),
        CheckConstraint("deposit_cents IS NULL OR deposit_cents >= 0", name="deposit_not_negative"),
        CheckConstraint("attendance IS NULL OR attendance >= 0", name="attendance_not_negative"),
        CheckConstraint("status IN ('draft', 'cancelled') OR submitted_at IS NOT NULL", name="submitted_has_time"),
        Index("ix_bookings_organisation_status_starts", "organisation_id", "status", "starts_at"),
        Index("ix_bookings_agency_status_starts", "agency_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=BookingStatus.DRAFT)
    step: Mapped[str] = mapped_column(String(16), default="location")  # the furthest step reached

    # Step 1: where
    site_name: Mapped[str] = mapped_column(String(200), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    zip_code: Mapped[str] = mapped_column(String(10), default="")
    # Step 2: what
    job_type: Mapped[str | None] = mapped_column(String(64))
    venue_kind: Mapped[str | None] = mapped_column(String(64))
    attendance: Mapped[int | None]
    screening: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # question key -> bool
    plain_clothes: Mapped[bool] = mapped_column(default=False)
    # Step 3: when and who (the shift rows as entered: list of {field: text})
    schedule: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(64))
    offered_rates: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rank -> "45.00"
    shift_rows: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Step 4: post orders
    instructions: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    # Submission: what every later price is computed from, and the quote as shown then
    rate_card_version_id: Mapped[int | None] = mapped_column(ForeignKey("rate_card_versions.id"))
    priced_request: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the request body, with submitted_at
    quote: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    total_cents: Mapped[int | None]
    deposit_cents: Mapped[int | None]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first start and the last end of the shifts still booked (for "upcoming" and "past" lists)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    agency: Mapped[Agency] = relationship()
    rate_card_version: Mapped[RateCardVersion | None] = relationship()
    shifts: Mapped[list[BookingShift]] = relationship(
        back_populates="booking", order_by="BookingShift.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="booking", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[BookingEvent]] = relationship(
        back_populates="booking", order_by="BookingEvent.id", cascade="all, delete-orphan"
    )
    approvals: Mapped[list[BookingApproval]] = relationship(
        back_populates="booking", order_by="BookingApproval.id", cascade="all, delete-orphan"
    )
    cancellations: Mapped[list[Cancellation]] = relationship(
        back_populates="booking", order_by="Cancellation.id", cascade="all, delete-orphan"
    )

    @property
    def status_enum(self) -> BookingStatus:
        return BookingStatus(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == BookingStatus.DRAFT

    @property
    def active_shifts(self) -> list[BookingShift]:
        return [s for s in self.shifts if s.state == ShiftState.ACTIVE]

    @property
    def address(self) -> str:
        parts = [p for p in (self.street, self.city, f"{self.state} {self.zip_code}".strip()) if p]
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"<Booking {self.reference} {self.status}>"


class ShiftState(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    UNFILLED = "unfilled"  # the agency could not staff it: its share of the deposit was refunded


class BookingShift(db.Model):
    """One submitted shift: as entered (local date and times) and as priced (aware start and end).

    ``positions`` and ``vehicles`` are what is booked now: a reduction lowers them, a cancellation
    marks the shift cancelled, and one the agency cannot staff is marked unfilled. ``position`` is the
    shift's place in the submitted request. ``closed_at``: the agency closed out its attendance."""

    __tablename__ = "booking_shifts"
    __table_args__ = (
        CheckConstraint("vehicles >= 0", name="vehicles_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(f"state IN ({_values(ShiftState)})", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    position: Mapped[int]
    local_date: Mapped[date]
    local_start: Mapped[time]
    local_end: Mapped[time]
    local_end_date: Mapped[date]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested: Mapped[dict[str, Any]] = mapped_column(JSON)  # rank -> count, as asked
    positions: Mapped[dict[str, Any]] = mapped_column(JSON)  # rank -> count, after the card's staffing rules
    vehicles: Mapped[int] = mapped_column(default=0)
    job_type: Mapped[str | None] = mapped_column(String(64))
    total_cents: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default=ShiftState.ACTIVE)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    booking: Mapped[Booking] = relationship(back_populates="shifts")
    closed_by: Mapped[User | None] = relationship()

    @property
    def number(self) -> int:
        return self.position + 1

    @property
    def headcount(self) -> int:
        return sum(self.positions.values())


class Attachment(db.Model):
    """A post-order file, stored outside the web root under a random name."""

    __tablename__ = "booking_attachments"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="attachments")


class BookingEvent(db.Model):
    """One line of a booking's timeline: who applied which action, when, from what status to what, why,
    and the figures that go with it (amounts, Stripe references)."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32), default="")
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    booking: Mapped[Booking] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class BookingApproval(db.Model):
    """A named approval the agency's rules require before the booking may be approved (KCPD's Employment
    Unit Commander for a tavern), recorded with who entered it and when."""

    __tablename__ = "booking_approvals"
    __table_args__ = (UniqueConstraint("booking_id", "code", name="uq_booking_approvals_booking_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # the screening's approval code
    approver: Mapped[str] = mapped_column(String(200))  # who must approve, in the card's words
    approved_by_name: Mapped[str] = mapped_column(String(120))  # who gave it
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="approvals")
    recorded_by: Mapped[User] = relationship()


class Cancellation(db.Model):
    """The receipt of one cancellation or reduction: what was cancelled, when, the fee under which rule,
    and what was refunded or charged. ``settlement`` keeps the priced figures line by line."""

    __tablename__ = "cancellations"
    __table_args__ = (
        CheckConstraint("fee_cents >= 0 AND kept_cents >= 0 AND refund_cents >= 0 AND charge_cents >= 0",
                        name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    whole: Mapped[bool]  # the whole booking
    approved: Mapped[bool]  # the agency had approved it (else nothing was owed)
    fee_cents: Mapped[int]
    kept_cents: Mapped[int]  # the part of the fee kept from the deposit
    deposit_held_cents: Mapped[int]  # before this cancellation
    deposit_after_cents: Mapped[int]
    refund_cents: Mapped[int]
    charge_cents: Mapped[int]
    rule: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    settlement: Mapped[dict[str, Any]] = mapped_column(JSON)  # what was cancelled, by shift number, with lines

    booking: Mapped[Booking] = relationship(back_populates="cancellations")
    actor: Mapped[User | None] = relationship()
