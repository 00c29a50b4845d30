"""Closing out (pricing spec section 6): a shift's attendance becomes final, and the last shift closed completes
the booking and invoices it.

A shift is closed out once it has ended and every officer assigned to it has a clock-out or is recorded as not
having come. Closing the last open shift prices the invoice from the attendance with ``portal.pricing.invoice``
(the code of ``flask invoice``, which the stored ``Invoice.input`` reproduces), applies the deposit still held,
and decides the balance: a pending charge to the saved card (off-session) when positive, pending refunds from
the deposit when negative, settled at once when nothing is owed. ``portal.payments.actions.close_out`` commits
the decision and then talks to Stripe; a charge that fails leaves the invoice open, to be paid from the
employer's booking page.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from portal.bookings import lifecycle, money, queries
from portal.bookings.states import Action, TransitionError, decide
from portal.extensions import db
from portal.formatting import local_datetime
from portal.formatting import money as dollars
from portal.models import Booking, Invoice, Payment, PaymentKind, ShiftState, User
from portal.pricing import RequestError
from portal.pricing import invoice as invoicing
from portal.staffing.assignments import board, shift_words

Refused = lifecycle.Refused
BALANCE = "balance"  # the purpose of the invoice's charge (one open attempt per booking)


def attendance_of(booking: Booking) -> tuple[list[list[invoicing.Worked]], list[list[dict[str, Any]]]]:
    """The attendance of each active shift (in the order of the booking's request body as it stands): what
    ``portal.pricing.invoice`` takes, and the same as ``flask invoice`` input."""
    card = queries.card_of_booking(booking)
    zone = card.zone
    boards = {b.shift.id: b for b in board(booking, card)}
    worked: list[list[invoicing.Worked]] = []
    records: list[list[dict[str, Any]]] = []
    for shift in booking.active_shifts:
        ws, rs = [], []
        for a in [*boards[shift.id].assignments, *boards[shift.id].extra]:
            entry = a.current
            if entry is None or entry.clock_in is None or entry.clock_out is None:
                continue
            ws.append(invoicing.Worked(a.rank, entry.clock_in, entry.clock_out, a.vehicle))
            rs.append({"rank": a.rank, "clock_in": entry.clock_in.astimezone(zone).isoformat(),
                       "clock_out": entry.clock_out.astimezone(zone).isoformat(), "vehicle": a.vehicle})
        worked.append(ws)
        records.append(rs)
    return worked, records


def close_shift(booking: Booking, shift_id: int, actor: User, *, now: datetime) -> Invoice | None:
    """Close out a shift's attendance; the last one invoices the booking (returned). Writes every row and
    leaves the commit to the caller; raises ``Refused`` (with a sentence) or ``TransitionError``."""
    locked = queries.lock(booking.id)
    card = queries.card_of_booking(locked)
    shift = next((s for s in locked.shifts if s.id == shift_id), None)
    if shift is None:
        raise queries.NotFound(shift_id)
    try:
        decide(locked.status, Action.CLOSE_SHIFT)
    except TransitionError:
        raise Refused("Shifts are closed out once officers are assigned, until the booking is invoiced "
                      f"(it is {locked.status_enum.label.lower()}).") from None
    if shift.state != ShiftState.ACTIVE:
        raise Refused(f"Shift {shift.number} is {shift.state}: there is nothing to close out.")
    if shift.closed_at is not None:
        raise Refused(f"Shift {shift.number} is closed out already.")
    zone = locked.agency.zone
    if now < shift.ends_at:
        raise Refused(f"Shift {shift.number} ends {local_datetime(shift.ends_at, zone, '%a %-d %b at %H:%M %Z')}: "
                      "close it out after that.")
    shift_board = next(b for b in board(locked, card) if b.shift is shift)
    missing = shift_board.attendance_open
    if missing:
        names = ", ".join(a.officer.full_name for a in missing)
        raise Refused(f"Record when {names} clocked out, or that they did not come, before closing out "
                      f"shift {shift.number}.")
    shift.closed_at, shift.closed_by_id = now, actor.id
    words = f"{shift_words(shift, zone)[0].upper()}{shift_words(shift, zone)[1:]} closed out"
    if all(s.closed_at is not None for s in locked.active_shifts):
        return decide_invoice(locked, actor, f"{words}: the work is complete.")
    worked = sum(1 for a in shift_board.assignments if a.current is not None and a.current.clock_in is not None)
    lifecycle.apply(locked, Action.CLOSE_SHIFT, actor=actor,
                    note=f"{words}: {worked} officer{'s' * (worked != 1)} worked it.", data={"shift": shift.number})
    return None


def decide_invoice(locked: Booking, actor: User, completed: str) -> Invoice:
    """Invoice a booking whose shifts are all closed out (locked by the caller): the invoice row, the booking
    completed and invoiced, and the balance decided (module docstring). The caller commits."""
    q = money.quote_of(locked)
    held = money.deposit_held(locked)
    worked, records = attendance_of(locked)
    try:
        figures = invoicing.invoice(q, worked, held)
    except RequestError as e:  # a record beyond what is booked (positions removed after officers were assigned)
        raise Refused("The attendance does not fit the booking: " + " ".join(
            f"{err.field}: {err.message}." for err in e.errors)) from None
    invoice = Invoice(booking_id=locked.id, total_cents=figures.total_cents, deposit_applied_cents=held,
                      balance_cents=figures.balance_cents, figures=figures.to_dict(), created_by_id=actor.id,
                      input={"quote_request": money.request_body(locked), "attendance": records,
                             "deposit_held_cents": held})
    db.session.add(invoice)
    lifecycle.apply(locked, Action.COMPLETE, actor=actor, note=completed)
    balance = figures.balance_cents
    if balance > 0:
        outcome = f"{dollars(balance)} to charge to the saved card"
    elif balance < 0:
        outcome = f"{dollars(-balance)} of the deposit refunded"
    else:
        outcome = "nothing more to pay"
    lifecycle.apply(locked, Action.INVOICE, actor=actor,
                    note=f"Invoiced {dollars(figures.total_cents)}; the deposit of {dollars(held)} is applied: "
                         f"{outcome}.",
                    data={"total_cents": figures.total_cents, "deposit_cents": held, "balance_cents": balance})
    db.session.flush()
    organisation = locked.organisation
    if balance > 0:
        db.session.add(Payment(
            booking_id=locked.id, kind=PaymentKind.BALANCE, purpose=BALANCE, amount_cents=balance, off_session=True,
            idempotency_key=f"dd-balance-{locked.id}-{secrets.token_hex(8)}", created_by_id=actor.id,
            stripe_payment_method_id=organisation.payment_method_id, card_label=organisation.card_label,
        ))
    elif balance < 0:
        lifecycle.owe_deposit_refunds(locked, -balance, reason="invoice")
        lifecycle.apply(locked, Action.REFUND_INVOICE, actor=actor,
                        note=f"The invoice is settled from the deposit; {dollars(-balance)} is refunded.")
    else:
        lifecycle.apply(locked, Action.PAY_INVOICE, actor=actor, note="The deposit covers the invoice exactly.")
    return invoice


def invoice_of(booking: Booking) -> Invoice | None:
    return db.session.scalar(db.select(Invoice).where(Invoice.booking_id == booking.id))
