"""Attendance and field notes: clock-in and clock-out per officer per shift, every correction kept, and notes
with photos or documents from the field.

A record is a new ``AttendanceEntry`` each time (clock-in, clock-out, a correction, "did not come"): the
latest is the attendance as it stands, the earlier ones stay with who entered them and when. Times are typed
in the agency's zone (a time the clocks skip is refused; in the repeated hour, the first one is meant) and may
not be in the future. The first clock-in of a booking starts the work; a shift's attendance is closed with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.bookings import attachments, lifecycle, queries
from portal.bookings.states import Action, BookingStatus, TransitionError, decide
from portal.extensions import db
from portal.formatting import local_datetime
from portal.models import Assignment, AttendanceEntry, Booking, FieldNote, ShiftState, User
from portal.pricing import RateCard
from portal.pricing.request import FieldError, parse_time
from portal.staffing.assignments import shift_words

Refused = lifecycle.Refused
EARLIEST_CLOCK_IN = timedelta(hours=12)  # before the scheduled start
MAX_WORKED = timedelta(hours=24)
MAX_NOTE_FILES = 50


class EntryError(ValueError):
    """What is wrong with the typed values, by field (shown beside it)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _assignment(booking: Booking, assignment_id: int) -> Assignment:
    found = db.session.scalar(select(Assignment).where(Assignment.id == assignment_id,
                                                       Assignment.booking_id == booking.id))
    if found is None:
        raise queries.NotFound(assignment_id)
    return found


def _time(text: str | None, card: RateCard, name: str, errors: dict[str, str]) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    problems: list[FieldError] = []
    moment = parse_time(text, card, name, problems)
    if problems:
        errors[name] = problems[0].message
    return moment


def read_times(card: RateCard, clock_in: str | None, clock_out: str | None, *, now: datetime,
               start: datetime, end: datetime) -> tuple[datetime | None, datetime | None]:
    """The typed clock-in and clock-out (``2026-12-24T18:00``, the agency's wall clock), checked; raises
    ``EntryError``."""
    errors: dict[str, str] = {}
    t_in = _time(clock_in, card, "clock_in", errors)
    t_out = _time(clock_out, card, "clock_out", errors)
    if t_in is None and "clock_in" not in errors:
        errors["clock_in"] = "Enter the clock-in time."
    for name, t in (("clock_in", t_in), ("clock_out", t_out)):
        if t is not None and name not in errors and t > now:
            errors[name] = "That time has not come yet."
    if t_in is not None and "clock_in" not in errors and (t_in >= end or t_in < start - EARLIEST_CLOCK_IN):
        errors["clock_in"] = (f"The shift runs {local_datetime(start, card.zone, '%a %-d %b %H:%M')} to "
                              f"{local_datetime(end, card.zone, '%a %-d %b %H:%M')}: a clock-in comes before its "
                              "end, and at most 12 hours before its start.")
    if t_in is not None and t_out is not None and not errors:
        if t_out <= t_in:
            errors["clock_out"] = "The clock-out comes after the clock-in."
        elif t_out - t_in > MAX_WORKED:
            errors["clock_out"] = "At most 24 hours worked in one shift."
        elif t_out <= start:
            errors["clock_out"] = "The clock-out comes after the shift's start."
    if errors:
        raise EntryError(errors)
    return t_in, t_out


def _words(card: RateCard, t_in: datetime | None, t_out: datetime | None) -> str:
    if t_in is None:
        return "did not come"
    text = local_datetime(t_in, card.zone, "%a %-d %b %H:%M")
    return f"{text}-{local_datetime(t_out, card.zone, '%H:%M %Z')}" if t_out else f"clocked in {text}"


def record(booking: Booking, assignment_id: int, actor: User, *, clock_in: str | None, clock_out: str | None,
           note: str = "", absent: bool = False, now: datetime) -> AttendanceEntry:
    """Record (or correct) an officer's attendance on a shift: the typed times, or that they did not come.
    Commits; raises ``EntryError`` for a typed value, ``Refused`` when the shift no longer takes attendance."""
    locked = queries.lock(booking.id)
    card = queries.card_of_booking(locked)
    assignment = _assignment(locked, assignment_id)
    shift = assignment.shift
    if shift.state != ShiftState.ACTIVE or shift.closed_at is not None:
        raise Refused(f"Shift {shift.number} is closed out: its attendance can no longer change.")
    t_in = t_out = None
    if not absent:
        t_in, t_out = read_times(card, clock_in, clock_out, now=now, start=shift.starts_at, end=shift.ends_at)
    before = assignment.current
    if before is not None and (before.clock_in, before.clock_out) == (t_in, t_out):
        return before  # a second click: nothing new
    starts = t_in is not None and locked.status in (BookingStatus.PARTIALLY_STAFFED, BookingStatus.STAFFED)
    action = Action.START if starts else Action.CLOCK
    try:
        decide(locked.status, action)
    except TransitionError:
        raise Refused("Attendance is recorded for an approved booking with officers assigned, until it is closed "
                      f"out (it is {locked.status_enum.label.lower()}).") from None
    entry = AttendanceEntry(assignment_id=assignment.id, clock_in=t_in, clock_out=t_out, note=note.strip()[:300],
                            recorded_by_id=actor.id)
    db.session.add(entry)
    who = f"{assignment.officer.full_name} (badge {assignment.officer.badge_number})"
    where = shift_words(shift, locked.agency.zone)
    if before is None or (before.clock_in == t_in and before.clock_out is None and t_out is not None):
        text = f"{who} on {where}: {_words(card, t_in, t_out)}."  # recorded as it happens
    else:
        text = f"Attendance of {who} on {where} corrected: {_words(card, t_in, t_out)} (was " \
               f"{_words(card, before.clock_in, before.clock_out)})."
    if entry.note:
        text += f" {entry.note}"
    if starts:
        text += " The work has started."
    lifecycle.apply(locked, action, actor=actor, note=text[:500],
                    data={"assignment_id": assignment.id, "clock_in": t_in and t_in.isoformat(),
                          "clock_out": t_out and t_out.isoformat()})
    db.session.commit()
    return entry


# -- field notes and files ---------------------------------------------------------------------------------------
def add_note(booking: Booking, actor: User, *, body: str, shift_id: int | None,
             upload: FileStorage | None) -> FieldNote:
    """A note from the field, with an optional photo or document (checked by its content). Commits; raises
    ``EntryError`` (``body``, ``file``) or ``Refused``."""
    locked = queries.lock(booking.id)
    try:
        decide(locked.status, Action.FIELD_NOTE)
    except TransitionError:
        raise Refused("Field notes are added once the request is approved (it is "
                      f"{locked.status_enum.label.lower()}).") from None
    shift = None
    if shift_id is not None:
        shift = next((s for s in locked.shifts if s.id == shift_id), None)
        if shift is None:
            raise EntryError({"shift": "Choose a shift of this booking."})
    body = body.strip()
    has_file = upload is not None and bool(upload.filename)
    if not body and not has_file:
        raise EntryError({"body": "Write a note or attach a file."})
    if len(body) > 5000:
        raise EntryError({"body": "Keep a note under 5,000 characters."})
    note = FieldNote(booking_id=locked.id, shift_id=shift.id if shift else None, author_id=actor.id, body=body)
    if has_file:
        files = db.session.scalar(select(func.count(FieldNote.id)).where(FieldNote.booking_id == locked.id,
                                                                          FieldNote.stored_name.is_not(None)))
        if files >= MAX_NOTE_FILES:
            raise EntryError({"file": f"A booking holds at most {MAX_NOTE_FILES} field files."})
        try:
            checked = attachments.read_upload(upload)
        except attachments.AttachmentError as e:
            raise EntryError({"file": str(e)}) from None
        note.original_name, note.content_type, note.size_bytes = checked.name, checked.content_type, len(
            checked.content)
        note.stored_name = attachments.store(checked.content)
    db.session.add(note)
    what = "A field note" + (f" with {note.original_name}" if has_file else "") + (
        f" on shift {shift.number}" if shift else "")
    lifecycle.apply(locked, Action.FIELD_NOTE, actor=actor, note=f"{what}: {body[:300]}" if body else f"{what}.",
                    data={"file": note.original_name})
    db.session.commit()
    return note


def notes_of(booking: Booking) -> list[FieldNote]:
    return list(db.session.scalars(select(FieldNote).where(FieldNote.booking_id == booking.id)
                                   .order_by(FieldNote.id)))


def note_file(booking: Booking, note_id: int) -> FieldNote:
    """A field note of the booking that has a file (404 otherwise)."""
    note = db.session.scalar(select(FieldNote).where(FieldNote.id == note_id, FieldNote.booking_id == booking.id,
                                                     FieldNote.stored_name.is_not(None)))
    if note is None:
        raise queries.NotFound(note_id)
    return note
