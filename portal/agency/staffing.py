"""A request's work in the back office: assign officers, record attendance, field notes and files, mark a shift
unfilled, close shifts out (the last one invoices and collects).

Every route finds the booking through ``queries.get_booking_for_agency`` (404 for another agency's) and the row
it names inside that booking. A refusal of the rules (a rank that does not fit, an overlapping shift, the hour
limit) is shown beside the field it is about, with 422; one about the booking's state is a message at the top.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, request, url_for
from flask_login import current_user

from portal import cards, clock
from portal.agency.bookings import detail
from portal.agency.forms import AssignForm, AttendanceForm, NoteForm, UnfilledForm
from portal.agency.views import bp
from portal.bookings import attachments, forms, lifecycle, queries
from portal.bookings.queries import CLOSE_OUT_DAYS
from portal.extensions import db
from portal.formatting import money
from portal.htmx import see_other
from portal.models import ShiftState
from portal.payments import actions
from portal.pricing import RateCard
from portal.staffing import assignments, attendance
from portal.staffing.assignments import ShiftBoard

LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what a datetime-local field holds


def work_context(booking, card: RateCard, *, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The staffing, attendance, notes and close-out part of the request page, with a form for each open seat,
    each assignment and each shift (``overrides``: the form that was just refused, by its prefix)."""
    overrides = overrides or {}
    now = clock.now()
    zone = booking.agency.zone
    boards = assignments.board(booking, card)
    ranks = {s.position.rank for b in boards for s in b.seats if s.assignment is None}
    eligible = {rank: assignments.eligible_officers(booking.agency_id, card, rank) for rank in ranks}
    seat_forms, attendance_forms, unfilled_forms = {}, {}, {}
    for b in boards:
        if b.shift.state != ShiftState.ACTIVE:
            continue
        unfilled_forms[b.shift.id] = overrides.get(f"unfilled-{b.shift.id}") or UnfilledForm(
            formdata=None, prefix=f"unfilled-{b.shift.id}")
        for i, seat in enumerate(b.seats):
            if seat.assignment is None:
                prefix = f"assign-{b.shift.id}-{i}"
                form = overrides.get(prefix) or AssignForm(formdata=None, prefix=prefix)
                form.position.data = seat.position.key
                form.officer.choices = [("", "Choose an officer")] + [
                    (str(o.id), f"{o.full_name} · {card.rank_label(o.rank)} · badge {o.badge_number}")
                    for o in eligible[seat.position.rank]]
                seat_forms[(b.shift.id, i)] = form
            else:
                prefix = f"attendance-{seat.assignment.id}"
                entry = seat.entry
                attendance_forms[seat.assignment.id] = overrides.get(prefix) or AttendanceForm(
                    formdata=None, prefix=prefix,
                    clock_in=entry.clock_in.astimezone(zone).strftime(LOCAL_INPUT) if entry and entry.clock_in else "",
                    clock_out=entry.clock_out.astimezone(zone).strftime(LOCAL_INPUT) if entry and entry.clock_out
                    else "")
    note_form = overrides.get("note") or NoteForm(formdata=None, prefix="note")
    note_form.shift.choices = [("", "The whole booking")] + [(str(s.id), f"Shift {s.number}") for s in booking.shifts]
    return {
        "hour_limit": (cards.current_card(booking.agency.slug) or card).hour_limit,
        "boards": boards, "seat_forms": seat_forms, "attendance_forms": attendance_forms,
        "unfilled_forms": unfilled_forms, "note_form": note_form, "notes": attendance.notes_of(booking),
        "plain_form": forms.DiscardForm(), "now": now, "overdue": {
            b.shift.id for b in boards if b.shift.state == ShiftState.ACTIVE and b.shift.closed_at is None
            and now - b.shift.ends_at > timedelta(days=CLOSE_OUT_DAYS)},
    }


def _board(booking, shift_id: int) -> ShiftBoard:
    found = next((b for b in assignments.board(booking, queries.card_of_booking(booking)) if b.shift.id == shift_id),
                 None)
    if found is None:
        raise queries.NotFound(shift_id)
    return found


def _refused(booking, e: Exception, form, prefix: str, anchor: str = ""):
    """A refused entry: its messages beside the form's fields (422), or a refusal of the booking's state at the
    top of the page."""
    db.session.rollback()
    if isinstance(e, attendance.EntryError):
        for name, message in e.errors.items():
            form[name].errors = [message]
        return detail(booking, status=422, overrides={prefix: form})
    flash(str(e), "error")
    return _back(booking, anchor)


def _back(booking, anchor: str = ""):
    return see_other(url_for("agency.booking", booking_id=booking.id) + (f"#{anchor}" if anchor else ""))


@bp.post("/bookings/<int:booking_id>/shifts/<int:shift_id>/assign")
def assign(booking_id: int, shift_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    shift_board = _board(booking, shift_id)
    index = next((i for i, s in enumerate(shift_board.seats)
                  if request.form.get(f"assign-{shift_id}-{i}-position") == s.position.key), None)
    prefix = f"assign-{shift_id}-{index}"
    form = AssignForm(prefix=prefix, formdata=request.form)
    if index is None or not form.validate():
        flash("Your form expired or the position was filled meanwhile. Please try again.", "error")
        return _back(booking, f"shift-{shift_id}")
    officer = form.officer.data or ""
    if not officer.isascii() or not officer.isdigit() or len(officer) > 12:
        form.officer.errors = ["Choose an officer."]
        return detail(booking, status=422, overrides={prefix: form})
    try:
        assignments.assign(booking, shift_id, form.position.data, int(officer), current_user)
    except lifecycle.Refused as e:
        db.session.rollback()
        if booking.status not in assignments.STAFFING:  # no staffing form on the page: say it at the top
            flash(str(e), "error")
            return _back(booking)
        form.officer.errors = [str(e)]
        return detail(booking, status=422, overrides={prefix: form})
    flash("Officer assigned.", "success")
    return _back(booking, f"shift-{shift_id}")


@bp.post("/bookings/<int:booking_id>/assignments/<int:assignment_id>/remove")
def unassign(booking_id: int, assignment_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    if forms.DiscardForm().validate():
        try:
            assignments.unassign(booking, assignment_id, current_user)
            flash("Officer taken off the shift.", "success")
        except lifecycle.Refused as e:
            db.session.rollback()
            flash(str(e), "error")
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/assignments/<int:assignment_id>/attendance")
def record_attendance(booking_id: int, assignment_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    prefix = f"attendance-{assignment_id}"
    form = AttendanceForm(prefix=prefix)
    if not form.validate():
        if form.note.errors:
            return detail(booking, status=422, overrides={prefix: form})
        flash("Your form expired. Please try again.", "error")
        return _back(booking)
    absent = request.form.get("action") == "absent"
    try:
        entry = attendance.record(booking, assignment_id, current_user, clock_in=form.clock_in.data,
                                  clock_out=form.clock_out.data, note=form.note.data or "", absent=absent,
                                  now=clock.now())
    except (attendance.EntryError, lifecycle.Refused) as e:
        return _refused(booking, e, form, prefix)
    flash("Recorded: did not come." if entry.clock_in is None else "Attendance recorded.", "success")
    return _back(booking, f"shift-{entry.assignment.shift_id}")


@bp.post("/bookings/<int:booking_id>/shifts/<int:shift_id>/unfilled")
def mark_unfilled(booking_id: int, shift_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    prefix = f"unfilled-{shift_id}"
    form = UnfilledForm(prefix=prefix)
    if not form.validate():
        return detail(booking, status=422, overrides={prefix: form})
    try:
        refund, invoice, settled = actions.mark_unfilled(booking, current_user, shift_id, form.reason.data)
    except lifecycle.Refused as e:
        db.session.rollback()
        flash(str(e), "error")
        return _back(booking)
    flash(f"Marked unfilled; {money(refund)} of the deposit is refunded to the employer."
          + (" The refund is sent as soon as the payment service answers." if settled.refunds_pending else ""),
          "success")
    _flash_collection(invoice, settled)
    return _back(booking)


@bp.post("/bookings/<int:booking_id>/shifts/<int:shift_id>/close")
def close_out(booking_id: int, shift_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    if not forms.DiscardForm().validate():
        flash("Your form expired. Please try again.", "error")
        return _back(booking)
    try:
        invoice, settled = actions.close_out(booking, current_user, shift_id, now=clock.now())
    except lifecycle.Refused as e:
        db.session.rollback()
        flash(str(e), "error")
        return _back(booking, f"shift-{shift_id}")
    if invoice is None:
        flash("Shift closed out.", "success")
    _flash_collection(invoice, settled)
    return _back(booking, "invoice" if invoice is not None else f"shift-{shift_id}")


def _flash_collection(invoice, settled: actions.Settled) -> None:
    """What closing out invoiced and collected, in words."""
    if invoice is None:
        return
    text = f"Invoiced {money(invoice.total_cents)}; deposit applied {money(invoice.deposit_applied_cents)}."
    if invoice.balance_cents > 0:
        charge = settled.charge
        if charge is not None and charge.outcome == "paid":
            flash(f"{text} The balance of {money(invoice.balance_cents)} was charged to the saved card.", "success")
        else:
            flash(f"{text} The balance of {money(invoice.balance_cents)} was not charged"
                  + (f": {charge.message}" if charge is not None and charge.message else ".")
                  + " The employer is asked to pay it on their booking page.", "warning")
    elif invoice.balance_cents < 0:
        flash(f"{text} {money(-invoice.balance_cents)} is refunded to the employer."
              + (" The refund is sent as soon as the payment service answers." if settled.refunds_pending else ""),
              "success")
    else:
        flash(f"{text} Nothing more is owed.", "success")


@bp.post("/bookings/<int:booking_id>/notes")
def add_note(booking_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    form = NoteForm(prefix="note")
    if not form.validate():
        flash("Your form expired. Please try again.", "error")
        return _back(booking, "notes")
    shift = form.shift.data or ""
    try:
        attendance.add_note(booking, current_user, body=form.body.data or "", upload=form.file.data,
                            shift_id=int(shift) if shift.isascii() and shift.isdigit() and len(shift) < 12 else None)
    except (attendance.EntryError, lifecycle.Refused) as e:
        return _refused(booking, e, form, "note", "notes")
    flash("Field note added.", "success")
    return _back(booking, "notes")


@bp.get("/bookings/<int:booking_id>/notes/<int:note_id>/file")
def note_file(booking_id: int, note_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    note = attendance.note_file(booking, note_id)
    return attachments.send_stored(note.stored_name, note.content_type, note.original_name)
