"""The data model: one module per aggregate."""

from portal.models.accounts import ApprovalStatus, EmployerApproval, Organisation, Role, User
from portal.models.agencies import Agency, RateCardVersion
from portal.models.bookings import Attachment, Booking, BookingEvent, BookingShift, BookingStatus

__all__ = [
    "Agency",
    "ApprovalStatus",
    "Attachment",
    "Booking",
    "BookingEvent",
    "BookingShift",
    "BookingStatus",
    "EmployerApproval",
    "Organisation",
    "RateCardVersion",
    "Role",
    "User",
]
