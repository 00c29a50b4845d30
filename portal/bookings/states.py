"""The booking state machine: a pure transition table. No Flask, no database.

Only ``portal.bookings.service.transition`` changes a booking's status, and only along these edges.
Later issues (deposit, agency review, staffing, completion) add states and edges here.
"""

from __future__ import annotations

from portal.models.bookings import BookingStatus

DRAFT = BookingStatus.DRAFT
AWAITING_DEPOSIT = BookingStatus.AWAITING_DEPOSIT
CANCELLED = BookingStatus.CANCELLED

TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    DRAFT: frozenset({AWAITING_DEPOSIT, CANCELLED}),  # submit; discard the draft
    AWAITING_DEPOSIT: frozenset({CANCELLED}),
    CANCELLED: frozenset(),
}


class TransitionError(ValueError):
    """A status change the table does not allow."""


def allowed(current: str, target: str) -> bool:
    try:
        return BookingStatus(target) in TRANSITIONS[BookingStatus(current)]
    except ValueError:
        return False


def check(current: str, target: str) -> None:
    if not allowed(current, target):
        raise TransitionError(f"a booking cannot go from {current} to {target}")
