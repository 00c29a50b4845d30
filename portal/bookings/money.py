"""A submitted booking's money, priced again exactly from what was frozen at submission.

Every fee, deposit and refund is computed from the booking's priced request body (with its
``submitted_at``) and the rate-card version it was submitted with, re-created as a typed quote by the
same engine: never from the stored quote snapshot, which is for display. What the booking holds now
(shifts cancelled, positions removed) is its request body as it stands (``request_body``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from portal.bookings import queries
from portal.bookings.states import APPROVED_STATUSES
from portal.extensions import db
from portal.models import Booking, BookingShift, Cancellation, Payment, PaymentKind, PaymentStatus, Refund
from portal.models.payments import RefundStatus
from portal.pricing import Quote, parse_request, quote
from portal.pricing.settlement import Settlement, settle


class NotPriced(LookupError):
    """The booking has no priced request (a draft)."""


def request_body(booking: Booking) -> dict[str, Any]:
    """The booking's request body as it stands: the submitted one without cancelled shifts, and with
    the positions and vehicles left on a reduced shift named explicitly (``settlement`` does the same)."""
    if booking.priced_request is None:
        raise NotPriced(booking.id)
    body = booking.priced_request
    quoted = booking.quote["shifts"]
    shifts = []
    for row in booking.active_shifts:
        asked = body["shifts"][row.position]
        q = quoted[row.position]
        if row.positions == q["positions"] and row.vehicles == q["vehicles"]:
            shifts.append(asked)
            continue
        shift = {k: v for k, v in asked.items() if k not in ("officers", "positions", "vehicles")}
        shifts.append({**shift, "positions": dict(row.positions), "vehicles": row.vehicles})
    return {**body, "shifts": shifts}


def quote_of(booking: Booking, body: dict[str, Any] | None = None) -> Quote:
    """The typed quote of the booking as it stands (or of ``body``), with the card it was submitted with."""
    card = queries.card_of_booking(booking)
    return quote(parse_request(request_body(booking) if body is None else body, card, now=booking.submitted_at),
                 card)


def is_approved(booking: Booking) -> bool:
    return booking.status in APPROVED_STATUSES


def deposit(booking: Booking) -> tuple[int, int]:
    """``(paid, held)``: the deposit paid, and what is held of it now: less what was refunded from it (or is
    owed back) and what cancellations kept. One query."""
    paid = (select(func.coalesce(func.sum(Payment.amount_cents), 0))
            .where(Payment.booking_id == booking.id, Payment.kind == PaymentKind.DEPOSIT,
                   Payment.status == PaymentStatus.SUCCEEDED).scalar_subquery())
    refunded = (select(func.coalesce(func.sum(Refund.amount_cents), 0)).join(Payment, Payment.id == Refund.payment_id)
                .where(Refund.booking_id == booking.id, Payment.kind == PaymentKind.DEPOSIT,
                       Refund.status != RefundStatus.FAILED).scalar_subquery())
    kept = (select(func.coalesce(func.sum(Cancellation.kept_cents), 0))
            .where(Cancellation.booking_id == booking.id).scalar_subquery())
    paid_cents, refunded_cents, kept_cents = db.session.execute(select(paid, refunded, kept)).one()
    return int(paid_cents), max(0, int(paid_cents) - int(refunded_cents) - int(kept_cents))


def deposit_held(booking: Booking) -> int:
    return deposit(booking)[1]


def active_index(booking: Booking) -> dict[int, int]:
    """Shift number (1-based, as the employer knows it) -> index in ``request_body``'s shifts."""
    return {row.number: i for i, row in enumerate(booking.active_shifts)}


def settlement(booking: Booking, cancel: list[dict[str, Any]] | None, *, at: datetime,
               held: int | None = None) -> Settlement:
    """What cancelling ``cancel`` (by shift number: ``[{"shift": 2}, {"shift": 1, "positions": {...}}]``;
    None: the whole booking) would owe at ``at``, and what would be refunded or charged (``held``: the
    deposit held, when the caller has it already)."""
    index = active_index(booking)
    spec = None
    if cancel is not None:
        spec = []
        for entry in cancel:
            number = entry.get("shift")
            spec.append({**entry, "shift": index.get(number, -1) if isinstance(number, int) else number})
    return settle(request_body(booking), queries.card_of_booking(booking), at=at, now=booking.submitted_at,
                  approved=is_approved(booking), deposit_held=deposit_held(booking) if held is None else held,
                  cancel=spec)


def fee_now(booking: Booking, *, at: datetime, held: int | None = None) -> Settlement | None:
    """Cancelling the whole booking now; None when nothing can be cancelled (every shift has started)."""
    from portal.pricing import RequestError

    try:
        return settlement(booking, None, at=at, held=held)
    except RequestError:
        return None


def shift_numbers(booking: Booking, s: Settlement) -> list[BookingShift]:
    """The booking's shift rows that the settlement's entries name, in its order."""
    rows = booking.active_shifts
    return [rows[f.shift] for f in s.shifts]
