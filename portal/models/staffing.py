"""The agency's back office: its officer roster, who is assigned to which position of a shift, their attendance
(every record and correction kept, with who entered it and when), field notes and files, and the invoice a
booking is closed out with.

A shift's positions are the ranks it was booked with after the card's staffing rules, with its vehicles on the
lowest-ranked ones (``portal.pricing.staffing.vehicle_split``); an assignment fills one of them, named by
(rank, vehicle, seat), so a reduction that removes positions leaves the other assignments where they were.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.agencies import Agency
from portal.models.bookings import Booking, BookingShift
from portal.models.types import UTCDateTime, utcnow


class Officer(db.Model):
    """One officer of an agency's roster. ``rank`` is a rank key of the agency's rate card: an officer may fill
    a position of that rank or a lower one. Officers are deactivated, never deleted (assignments name them)."""

    __tablename__ = "officers"
    __table_args__ = (
        UniqueConstraint("agency_id", "badge_number", name="uq_officers_agency_badge"),
        Index("ix_officers_agency_active_name", "agency_id", "active", "full_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    full_name: Mapped[str] = mapped_column(String(120))
    badge_number: Mapped[str] = mapped_column(String(32))
    rank: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    agency: Mapped[Agency] = relationship()

    def __repr__(self) -> str:
        return f"<Officer {self.badge_number} {self.full_name}>"


class Assignment(db.Model):
    """An officer in one position of a shift: the position's rank and vehicle, and its seat among the
    positions alike (1-based)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("shift_id", "rank", "vehicle", "seat", name="uq_assignments_shift_position"),
        UniqueConstraint("shift_id", "officer_id", name="uq_assignments_shift_officer"),
        CheckConstraint("seat >= 1", name="seat_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("booking_shifts.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    rank: Mapped[str] = mapped_column(String(64))  # the position's rank (billed at its rate)
    vehicle: Mapped[bool] = mapped_column(default=False)
    seat: Mapped[int]
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship()
    shift: Mapped[BookingShift] = relationship()
    officer: Mapped[Officer] = relationship()
    assigned_by: Mapped[User] = relationship()
    attendance: Mapped[list[AttendanceEntry]] = relationship(back_populates="assignment",
                                                             order_by="AttendanceEntry.id")

    @property
    def current(self) -> AttendanceEntry | None:
        """The attendance as it stands: the latest record (None: nothing recorded yet)."""
        return self.attendance[-1] if self.attendance else None


class AttendanceEntry(db.Model):
    """Attendance of an assignment as recorded at one moment: a clock-in, a clock-out, both, or neither (the
    officer did not come). Never changed: a correction is a new entry, so every earlier one stays with who
    entered it and when."""

    __tablename__ = "attendance_entries"
    __table_args__ = (
        CheckConstraint("clock_out IS NULL OR (clock_in IS NOT NULL AND clock_out > clock_in)",
                        name="clock_out_after_clock_in"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    clock_in: Mapped[datetime | None] = mapped_column(UTCDateTime)
    clock_out: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(300), default="")  # why, for a correction
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="attendance")
    recorded_by: Mapped[User] = relationship()

    @property
    def worked_minutes(self) -> int | None:
        if self.clock_in is None or self.clock_out is None:
            return None
        return int((self.clock_out - self.clock_in).total_seconds()) // 60


class FieldNote(db.Model):
    """A note from the field, during or after a shift, with an optional photo or document (stored outside the
    web root under a random name, its type checked by its content)."""

    __tablename__ = "field_notes"
    __table_args__ = (CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("booking_shifts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    original_name: Mapped[str | None] = mapped_column(String(255))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship()
    shift: Mapped[BookingShift | None] = relationship()
    author: Mapped[User] = relationship()


class Invoice(db.Model):
    """The invoice a booking was closed out with: its figures as computed (``portal.pricing.invoice``), the
    deposit applied, the balance (positive: charged to the saved card; negative: refunded), and the input
    ``flask invoice`` reproduces it from."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("total_cents >= 0 AND deposit_applied_cents >= 0", name="amounts_not_negative"),
        CheckConstraint("balance_cents = total_cents - deposit_applied_cents", name="balance_is_the_difference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), unique=True)
    total_cents: Mapped[int]
    deposit_applied_cents: Mapped[int]
    balance_cents: Mapped[int]
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # Invoice.to_dict()
    input: Mapped[dict[str, Any]] = mapped_column(JSON)  # what `flask invoice -` takes to compute it again
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship()
    created_by: Mapped[User | None] = relationship()
