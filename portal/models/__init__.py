"""The data model: one module per aggregate."""

from portal.models.accounts import (
    ApprovalDecision,
    ApprovalStatus,
    BackgroundCheck,
    CheckOutcome,
    EmployerApproval,
    Organisation,
    Role,
    User,
)
from portal.models.agencies import Agency, RateCardVersion
from portal.models.bookings import (
    Attachment,
    Booking,
    BookingApproval,
    BookingEvent,
    BookingShift,
    BookingStatus,
    Cancellation,
    ShiftState,
)
from portal.models.payments import Payment, PaymentKind, PaymentStatus, Refund, RefundStatus, StripeEvent
from portal.models.staffing import Assignment, AttendanceEntry, FieldNote, Invoice, Officer

__all__ = [
    "Agency",
    "ApprovalDecision",
    "ApprovalStatus",
    "Assignment",
    "Attachment",
    "AttendanceEntry",
    "BackgroundCheck",
    "Booking",
    "BookingApproval",
    "BookingEvent",
    "BookingShift",
    "BookingStatus",
    "Cancellation",
    "CheckOutcome",
    "EmployerApproval",
    "FieldNote",
    "Invoice",
    "Officer",
    "Organisation",
    "Payment",
    "PaymentKind",
    "PaymentStatus",
    "RateCardVersion",
    "Refund",
    "RefundStatus",
    "Role",
    "ShiftState",
    "StripeEvent",
    "User",
]
