"""The data model: one module per aggregate."""

from portal.models.accounts import ApprovalStatus, EmployerApproval, Organisation, Role, User
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

__all__ = [
    "Agency",
    "ApprovalStatus",
    "Attachment",
    "Booking",
    "BookingApproval",
    "BookingEvent",
    "BookingShift",
    "BookingStatus",
    "Cancellation",
    "EmployerApproval",
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
