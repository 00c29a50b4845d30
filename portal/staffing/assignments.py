"""Staffing a booking's shifts: the positions of each shift, officers assigned to them, the booking's staffing
status, and a shift the agency cannot fill.

Assigning checks, under the booking's and the officer's row locks: the officer is on the agency's active roster;
their rank fits the position (a higher rank may fill a lower one, in the order of the card's ranks); they are not
on another shift that overlaps this one; and with it they stay within the hour limit of the agency's current rate
card (``[hour_limit]``). Each change is an event on the booking's timeline, so the employer's page shows who is
coming at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import cards
from portal.bookings import lifecycle, money, queries
from portal.bookings.states import LIVE, Action, BookingStatus, TransitionError, decide
from portal.extensions import db
from portal.formatting import local_datetime
from portal.formatting import money as dollars
from portal.models import (
    Assignment,
    AttendanceEntry,
    Booking,
    BookingShift,
    Officer,
    ShiftState,
    User,
)
from portal.pricing import RateCard
from portal.pricing.staffing import vehicle_split
from portal.staffing import limits

Refused = lifecycle.Refused

# Bookings whose shifts hold their officers (an officer on one of them is busy then)
HOLDING = tuple(s for s in BookingStatus if s not in (BookingStatus.DRAFT, BookingStatus.AWAITING_DEPOSIT,
                                                     BookingStatus.SUBMITTED, BookingStatus.DENIED,
                                                     BookingStatus.CANCELLED, BookingStatus.UNFILLED))


STAFFING = (*LIVE, BookingStatus.IN_PROGRESS)  # officers are assigned while the booking is in one of these


class Position(NamedTuple):
    """One position of a shift: its rank, whether it has a vehicle, and its seat among the positions alike."""

    rank: str
    vehicle: bool
    seat: int

    @property
    def key(self) -> str:
        return f"{self.rank}:{'v' if self.vehicle else 'n'}:{self.seat}"


def positions(card: RateCard, shift: BookingShift) -> list[Position]:
    """The shift's positions as booked now, highest rank first; vehicles go to the lowest-ranked positions."""
    split = vehicle_split(card, shift.positions, shift.vehicles)
    out = [Position(rank, vehicle, seat) for rank, vehicle, count in split for seat in range(1, count + 1)]
    return sorted(out, key=lambda p: (-card.rank_index(p.rank), p.vehicle, p.seat))


def position_by_key(card: RateCard, shift: BookingShift, key: str) -> Position | None:
    return next((p for p in positions(card, shift) if p.key == key), None)


@dataclass
class Seat:
    position: Position
    assignment: Assignment | None

    @property
    def entry(self) -> AttendanceEntry | None:
        return self.assignment.current if self.assignment is not None else None


@dataclass
class ShiftBoard:
    """A shift's staffing and attendance, as the pages show it."""

    shift: BookingShift
    seats: list[Seat]
    extra: list[Assignment] = field(default_factory=list)  # officers on positions no longer booked (a reduction)

    @property
    def filled(self) -> int:
        return sum(1 for s in self.seats if s.assignment is not None)

    @property
    def assignments(self) -> list[Assignment]:
        return [s.assignment for s in self.seats if s.assignment is not None]

    @property
    def clocked_in(self) -> bool:
        """Someone clocked in on this shift (now or in an earlier record)."""
        return any(e.clock_in is not None for a in self.assignments for e in a.attendance)

    @property
    def attendance_open(self) -> list[Assignment]:
        """Officers whose attendance is not complete: nothing recorded, or clocked in and not out."""
        return [a for a in self.assignments
                if a.current is None or (a.current.clock_in is not None and a.current.clock_out is None)]


def board(booking: Booking, card: RateCard) -> list[ShiftBoard]:
    """Every shift of the booking (active, unfilled or cancelled) with its positions and who fills them."""
    found = db.session.scalars(
        select(Assignment).where(Assignment.booking_id == booking.id)
        .options(selectinload(Assignment.officer), selectinload(Assignment.attendance)
                 .selectinload(AttendanceEntry.recorded_by))
        .order_by(Assignment.id)).all()
    by_shift: dict[int, dict[tuple, Assignment]] = {}
    for a in found:
        by_shift.setdefault(a.shift_id, {})[(a.rank, a.vehicle, a.seat)] = a
    out = []
    for shift in booking.shifts:
        mine = dict(by_shift.get(shift.id, {}))
        seats = [Seat(p, mine.pop((p.rank, p.vehicle, p.seat), None)) for p in positions(card, shift)]
        out.append(ShiftBoard(shift, seats, list(mine.values())))
    return out


def staffing_counts(booking: Booking, card: RateCard) -> tuple[int, int]:
    """(positions filled, positions booked) over the booking's active shifts."""
    boards = [b for b in board(booking, card) if b.shift.state == ShiftState.ACTIVE]
    return sum(b.filled for b in boards), sum(len(b.seats) for b in boards)


def eligible_officers(agency_id: int, card: RateCard, rank: str) -> list[Officer]:
    """Active officers of the agency whose rank fills a position of ``rank`` (that rank or a higher one)."""
    fits = [r.key for r in card.ranks if card.rank_index(r.key) >= card.rank_index(rank)]
    return list(db.session.scalars(select(Officer).where(Officer.agency_id == agency_id, Officer.active.is_(True),
                                                         Officer.rank.in_(fits))
                                   .order_by(Officer.full_name, Officer.badge_number)))


def shift_words(shift: BookingShift, zone) -> str:
    """"shift 2 (Sat 12 Dec 18:00-23:00)", in the agency's zone."""
    end_fmt = "%H:%M" if shift.starts_at.astimezone(zone).date() == shift.ends_at.astimezone(zone).date() \
        else "%a %-d %b %H:%M"
    return (f"shift {shift.number} ({local_datetime(shift.starts_at, zone, '%a %-d %b %H:%M')}-"
            f"{local_datetime(shift.ends_at, zone, end_fmt)})")


def _officer_words(officer: Officer, card: RateCard) -> str:
    return f"{card.rank_label(officer.rank)} {officer.full_name} (badge {officer.badge_number})"


def _locked_shift(booking: Booking, shift_id: int) -> BookingShift:
    shift = next((s for s in booking.shifts if s.id == shift_id), None)
    if shift is None:
        raise queries.NotFound(shift_id)
    return shift


def _check_open(booking: Booking, shift: BookingShift, action: Action,
                what: str = "Officers are assigned once the request is approved and until its shifts are closed out"
                ) -> None:
    try:
        decide(booking.status, action)
    except TransitionError:
        raise Refused(f"{what} (it is {booking.status_enum.label.lower()}).") from None
    if shift.state != ShiftState.ACTIVE:
        raise Refused(f"Shift {shift.number} is {shift.state}: nobody is assigned to it.")
    if shift.closed_at is not None:
        raise Refused(f"Shift {shift.number} is closed out.")


def _staffing_action(booking: Booking) -> Action:
    return Action.ASSIGN if booking.status == BookingStatus.IN_PROGRESS else Action.STAFF_PARTLY


# -- assigning -----------------------------------------------------------------------------------------------
def assign(booking: Booking, shift_id: int, position_key: str, officer_id: int, actor: User) -> Assignment:
    """Put an officer of the actor's agency in a position of a shift. Commits; raises ``Refused``."""
    locked = queries.lock(booking.id)
    card = queries.card_of_booking(locked)
    shift = _locked_shift(locked, shift_id)
    _check_open(locked, shift, _staffing_action(locked))
    position = position_by_key(card, shift, position_key)
    if position is None:
        raise Refused(f"Shift {shift.number} has no such position any more. Reload the page.")
    officer = db.session.scalar(select(Officer).where(Officer.id == officer_id, Officer.agency_id == locked.agency_id)
                                .with_for_update())
    if officer is None:
        raise queries.NotFound(officer_id)
    if not officer.active:
        raise Refused(f"{officer.full_name} is not active on the roster.")
    if officer.rank not in card.rank_keys:
        raise Refused(f"{officer.full_name}'s rank ({officer.rank}) is not on this booking's rate card.")
    if card.rank_index(officer.rank) < card.rank_index(position.rank):
        raise Refused(f"{_officer_words(officer, card)} cannot fill a {card.rank_label(position.rank).lower()} "
                      "position: it needs that rank or a higher one.")
    taken = db.session.scalar(select(Assignment).where(
        Assignment.shift_id == shift.id, Assignment.rank == position.rank, Assignment.vehicle == position.vehicle,
        Assignment.seat == position.seat))
    if taken is not None:
        raise Refused(f"That position is filled already ({taken.officer.full_name}). Reload the page.")
    _check_availability(locked, shift, officer, card)
    assignment = Assignment(booking_id=locked.id, shift_id=shift.id, officer_id=officer.id, rank=position.rank,
                            vehicle=position.vehicle, seat=position.seat, assigned_by_id=actor.id)
    db.session.add(assignment)
    try:
        db.session.flush()
    except IntegrityError:  # the same officer or position taken at the same moment in another tab
        db.session.rollback()
        raise Refused("That officer or position was just taken. Reload the page.") from None
    vehicle = " with a vehicle" if position.vehicle else ""
    _restaff(locked, card, actor, f"{_officer_words(officer, card)} assigned to "
                                  f"{shift_words(shift, locked.agency.zone)}{vehicle}.",
             {"officer_id": officer.id, "shift": shift.number, "assignment_id": assignment.id})
    db.session.commit()
    return assignment


def _check_availability(booking: Booking, shift: BookingShift, officer: Officer, card: RateCard) -> None:
    """Not on two overlapping shifts, and within the agency's hour limit with this shift."""
    zone = booking.agency.zone
    limit = _hour_limit(booking, card)
    reach = timedelta(minutes=limit.within_minutes) if limit else timedelta(0)
    rows = db.session.execute(
        select(BookingShift, Booking.reference).join(Assignment, Assignment.shift_id == BookingShift.id)
        .join(Booking, Booking.id == BookingShift.booking_id)
        .where(Assignment.officer_id == officer.id, BookingShift.state == ShiftState.ACTIVE,
               Booking.status.in_(HOLDING), BookingShift.id != shift.id,
               BookingShift.starts_at < shift.ends_at + reach, BookingShift.ends_at > shift.starts_at - reach)).all()
    booked = [limits.Booked(s.starts_at, s.ends_at, f"booking {ref}, {shift_words(s, zone)}") for s, ref in rows]
    clash = limits.overlapping(shift.starts_at, shift.ends_at, booked)
    if clash is not None:
        raise Refused(f"{officer.full_name} is already on {clash.label}, which overlaps this shift.")
    if limit is None:
        return
    this = limits.Booked(shift.starts_at, shift.ends_at, "this shift")
    over = limits.over_limit([*booked, this], limit.minutes, timedelta(minutes=limit.within_minutes))
    if over is not None:
        rule = limit.message or (f"{card.short_name} allows at most {limit.minutes / 60:g} hours in any "
                                 f"{limit.within_minutes / 60:g} hours.")
        raise Refused(f"{rule} With this shift {officer.full_name} would be scheduled {over.minutes / 60:g} hours "
                      f"between {local_datetime(over.start, zone, '%a %-d %b %H:%M')} and "
                      f"{local_datetime(over.end, zone, '%a %-d %b %H:%M %Z')}."
                      + (f" ({limit.source})" if limit.source else ""))


def _hour_limit(booking: Booking, card: RateCard):
    """The agency's hour limit as its current card says (the booking's own version if it has none now)."""
    current = cards.current_card(booking.agency.slug) or card
    return current.hour_limit


def unassign(booking: Booking, assignment_id: int, actor: User) -> None:
    """Take an officer off a position (not once their attendance is recorded). Commits; raises ``Refused``."""
    locked = queries.lock(booking.id)
    card = queries.card_of_booking(locked)
    assignment = db.session.scalar(select(Assignment).where(Assignment.id == assignment_id,
                                                            Assignment.booking_id == locked.id))
    if assignment is None:
        raise queries.NotFound(assignment_id)
    shift = assignment.shift
    _check_open(locked, shift, _staffing_action(locked))
    if assignment.attendance:
        raise Refused(f"{assignment.officer.full_name}'s attendance is recorded: correct it instead (or record "
                      "that they did not come).")
    officer = assignment.officer
    db.session.delete(assignment)
    db.session.flush()
    _restaff(locked, card, actor, f"{_officer_words(officer, card)} taken off "
                                  f"{shift_words(shift, locked.agency.zone)}.",
             {"officer_id": officer.id, "shift": shift.number})
    db.session.commit()


def _restaff(booking: Booking, card: RateCard, actor: User | None, note: str, data: dict) -> None:
    """The booking's staffing status after a change (partially staffed, staffed, or back to approved), with
    the change on the timeline. The caller commits."""
    filled, total = staffing_counts(booking, card)
    if booking.status not in LIVE:
        action = Action.ASSIGN
    elif filled == 0:
        action = Action.UNSTAFF
    elif filled >= total:
        action = Action.STAFF_FULLY
    else:
        action = Action.STAFF_PARTLY
    lifecycle.apply(booking, action, actor=actor, note=f"{note} {filled} of {total} positions filled.",
                    data={**data, "filled": filled, "positions": total})


# -- a shift nobody can work ------------------------------------------------------------------------------------
def decide_unfilled(booking: Booking, shift_id: int, actor: User, reason: str) -> int:
    """The agency cannot staff a shift: it is marked unfilled and its share of the deposit (what the deposit
    held exceeds the deposit of the shifts that remain; all of it for the last one) is owed back in full, as
    pending refunds. Returns the refund. The caller commits and sends (``portal.payments.actions``)."""
    locked = queries.lock(booking.id)
    card = queries.card_of_booking(locked)
    shift = _locked_shift(locked, shift_id)
    rest = [s for s in locked.active_shifts if s is not shift]
    action = Action.UNFILL_SHIFT if rest else Action.MARK_UNFILLED
    worked = db.session.scalar(select(AttendanceEntry.id).join(Assignment)
                               .where(Assignment.shift_id == shift.id, AttendanceEntry.clock_in.is_not(None)))
    if worked is not None:
        raise Refused(f"Officers clocked in on shift {shift.number}: close it out instead.")
    _check_open(locked, shift, action, "A shift is marked unfilled after approval and before it is worked")
    held = money.deposit_held(locked)
    after = 0
    if rest:
        body = money.request_body(locked)
        index = locked.active_shifts.index(shift)
        after = money.quote_of(locked, {**body, "shifts": [s for i, s in enumerate(body["shifts"]) if i != index]}
                               ).deposit_cents
    refund = max(0, held - after)
    shift.state = ShiftState.UNFILLED
    if rest:
        locked.starts_at = min(s.starts_at for s in rest)
        locked.ends_at = max(s.ends_at for s in rest)
        locked.total_cents = money.quote_of(locked).total_cents
    words = shift_words(shift, locked.agency.zone)
    lifecycle.apply(locked, action, actor=actor,
                    note=f"{locked.agency.short_name} could not staff {words}: {reason} "
                         f"{dollars(refund)} of the deposit is refunded."[:500],
                    data={"shift": shift.number, "reason": reason, "refund_cents": refund})
    if refund:
        lifecycle.owe_deposit_refunds(locked, refund, reason="unfilled")
    if rest and locked.status in LIVE:
        filled, total = staffing_counts(locked, card)
        if filled and filled >= total:
            lifecycle.apply(locked, Action.STAFF_FULLY, actor=actor, note=f"Every remaining position is filled "
                                                                          f"({filled} of {total}).")
    return refund


def completes_after_unfilled(booking: Booking) -> bool:
    """Every shift left has been closed out already: the booking is to be invoiced now."""
    active = booking.active_shifts
    return bool(active) and all(s.closed_at is not None for s in active)
