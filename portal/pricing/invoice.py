"""The invoice of a worked booking (pricing spec section 6), from the attendance of each position.

    billed = max(minimum, worked + vehicle extra)

and at least ``scheduled + vehicle extra`` when the card's ``[full_shift]`` rules say so: always when officers
are paid the full shift if released early (West Valley City), or when the position worked more than the card's
share of its scheduled time ("more than half the scheduled time worked bills the full shift", St. Lucie). A
vehicle is billed over its position's billed minutes, or the card's vehicle minimum if that is longer. The
billed interval is ``[clock-in, clock-in + billed)``. All in whole minutes.

``invoice(quote, attendance, deposit_held)`` prices the booking's quote (as it stands at close-out) with what
was worked. The lines are the quote engine's own: positions worked alike (same rank, vehicle, clock-in and
billed minutes) are priced as a shift of their own from their clock-in for their billed minutes, so the tiers
of each minute are those of the dates actually worked, while the tiers the booking was quoted with for the
whole shift (emergency and other notice tiers: its ``submitted_at`` against the scheduled start, with the
shift's booked headcount; a chosen priority) stay as quoted, and the rank's rate is the quoted one (an offered
rate included). The labour and premium pieces of a shift are then grouped by (rank, rate, minutes) and rounded
once, and its vehicle, administration-fee and other lines are built over every worked position, exactly as a
quote's (spec section 3, steps 7-10). The web close-out and ``flask invoice`` both come here.

Attendance is checked against what was booked: at most the booked count of each rank and the booked vehicles
of a shift, a clock-out after the clock-in, at most 24 hours worked, and a worked interval that meets the
scheduled shift (a record on another day is a typing error, not work to bill); anything else is refused with
the record named (``attendance[0][2].rank``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from . import engine as _engine
from .card import RateCard, Tier
from .money import round_line
from .request import FieldError, QuoteRequest, RequestError, ShiftRequest, parse_time
from .results import Group, Line, Quote, ShiftQuote

__all__ = ["Invoice", "InvoiceShift", "Worked", "WorkedPosition", "billed_minutes", "invoice", "parse_attendance",
           "vehicle_minutes"]

MAX_WORKED_MINUTES = 24 * 60


def billed_minutes(card: RateCard, *, scheduled: int, worked: int, vehicle: bool = False,
                   minimum: int | None = None) -> int:
    """Billed minutes of one position that worked ``worked`` minutes of a shift scheduled for ``scheduled``.

    ``minimum`` is the shift's minimum (``ShiftQuote.minimum_minutes``, which knows the job type); the card's
    minimum when not given. ``vehicle``: the position had a vehicle (it gets the card's extra minutes).
    """
    if scheduled <= 0 or worked < 0:
        raise ValueError("scheduled minutes must be positive and worked minutes not negative")
    extra = card.vehicle.extra_minutes if vehicle else 0
    billed = max(card.minimum_minutes if minimum is None else minimum, worked + extra)
    fs = card.full_shift
    over = fs.if_worked_over_percent
    if fs.if_released_early or (over is not None and worked * 100 > scheduled * over):
        billed = max(billed, scheduled + extra)
    return billed


def vehicle_minutes(card: RateCard, billed: int) -> int:
    """Billed minutes of a vehicle whose position is billed ``billed`` minutes."""
    return max(billed, card.vehicle.minimum_minutes)


@dataclasses.dataclass(frozen=True)
class Worked:
    """One position's attendance: its (booked) rank, clock-in and clock-out (aware), and whether it had a
    vehicle."""

    rank: str
    clock_in: datetime
    clock_out: datetime
    vehicle: bool = False


@dataclasses.dataclass(frozen=True)
class WorkedPosition:
    """A worked position as billed."""

    rank: str
    clock_in: datetime  # in the agency's zone
    clock_out: datetime
    vehicle: bool
    worked_minutes: int
    billed_minutes: int
    note: str  # why billed differs from worked ("" when it does not)

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "clock_in": self.clock_in.isoformat(), "clock_out": self.clock_out.isoformat(),
                "vehicle": self.vehicle, "worked_minutes": self.worked_minutes,
                "billed_minutes": self.billed_minutes, "note": self.note}


@dataclasses.dataclass(frozen=True)
class InvoiceShift:
    index: int
    start: datetime
    end: datetime
    positions: tuple[WorkedPosition, ...]
    lines: tuple[Line, ...]
    total_cents: int

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "positions": [p.to_dict() for p in self.positions], "lines": [ln.to_dict() for ln in self.lines],
                "total_cents": self.total_cents}


@dataclasses.dataclass(frozen=True)
class Invoice:
    agency: str
    rate_card_version: int
    shifts: tuple[InvoiceShift, ...]
    total_cents: int
    deposit_held_cents: int

    @property
    def balance_cents(self) -> int:
        """Positive: to charge to the saved card; negative: to refund from the deposit."""
        return self.total_cents - self.deposit_held_cents

    def to_dict(self) -> dict[str, Any]:
        """The answer of ``flask invoice`` (spec section 10)."""
        return {"agency": self.agency, "rate_card_version": self.rate_card_version,
                "shifts": [s.to_dict() for s in self.shifts], "total_cents": self.total_cents,
                "deposit_held_cents": self.deposit_held_cents, "balance_cents": self.balance_cents}


# -- reading attendance ------------------------------------------------------------------------------
def parse_attendance(data: Any, card: RateCard, q: Quote) -> list[list[Worked]]:
    """The ``attendance`` of ``flask invoice`` (one list per shift of ``q``, one record per position worked:
    ``{"rank", "clock_in", "clock_out", "vehicle"}``), read and checked; raises ``RequestError`` naming
    every bad record. Times without an offset are the agency's wall clock (spec section 6)."""
    errors: list[FieldError] = []
    if not isinstance(data, list) or len(data) != len(q.shifts):
        n = len(q.shifts)
        raise RequestError([FieldError("attendance", f"one list of records per shift: {n} list{'s' * (n != 1)}")])
    out: list[list[Worked]] = []
    for i, records in enumerate(data):
        where = f"attendance[{i}]"
        if not isinstance(records, list):
            errors.append(FieldError(where, "a list of records, one per position worked"))
            out.append([])
            continue
        shift: list[Worked] = []
        for j, rec in enumerate(records):
            at = f"{where}[{j}]"
            if not isinstance(rec, dict):
                errors.append(FieldError(at, "an object with rank, clock_in, clock_out and vehicle"))
                continue
            before = len(errors)
            for k in rec:
                if k not in ("rank", "clock_in", "clock_out", "vehicle"):
                    errors.append(FieldError(f"{at}.{k}", "unknown field (known: rank, clock_in, clock_out, vehicle)"))
            rank = rec.get("rank")
            if rank not in card.rank_keys:
                errors.append(FieldError(f"{at}.rank", f"a rank of the card ({', '.join(card.rank_keys)})"))
            vehicle = rec.get("vehicle", False)
            if not isinstance(vehicle, bool):
                errors.append(FieldError(f"{at}.vehicle", "true or false"))
            times = []
            for key in ("clock_in", "clock_out"):
                if rec.get(key) is None:
                    errors.append(FieldError(f"{at}.{key}", "required"))
                else:
                    times.append(parse_time(rec[key], card, f"{at}.{key}", errors))
            if len(errors) == before:
                shift.append(Worked(rank, times[0], times[1], vehicle))
        out.append(shift)
    if errors:
        raise RequestError(errors)
    return out


def check_attendance(q: Quote, attendance: Sequence[Sequence[Worked]]) -> None:
    """What was worked fits what was booked (module docstring); raises ``RequestError`` naming each record."""
    errors: list[FieldError] = []
    if len(attendance) != len(q.shifts):
        raise RequestError([FieldError("attendance", f"one list of records per shift ({len(q.shifts)})")])
    card = q.card
    for i, (sq, records) in enumerate(zip(q.shifts, attendance, strict=True)):
        booked = dict(sq.positions)
        seen: dict[str, int] = {}
        vehicles = 0
        for j, w in enumerate(records):
            at = f"attendance[{i}][{j}]"
            if w.rank not in booked:
                errors.append(FieldError(f"{at}.rank", f"shift {i + 1} has no {_label(card, w.rank)} position"))
                continue
            seen[w.rank] = seen.get(w.rank, 0) + 1
            if seen[w.rank] > booked[w.rank]:
                errors.append(FieldError(f"{at}.rank", f"shift {i + 1} booked {booked[w.rank]} "
                                                       f"{_label(card, w.rank)} position{'s' * (booked[w.rank] != 1)}"
                                                       f"; this is one more"))
            if w.vehicle:
                vehicles += 1
                if vehicles > sq.vehicles:
                    errors.append(FieldError(f"{at}.vehicle", f"shift {i + 1} booked {sq.vehicles} "
                                                              f"vehicle{'s' * (sq.vehicles != 1)}; this is one more"))
            if w.clock_in.tzinfo is None or w.clock_out.tzinfo is None:
                raise TypeError("clock times must be aware datetimes")
            worked = _minutes(w.clock_out) - _minutes(w.clock_in)
            if worked <= 0:
                errors.append(FieldError(f"{at}.clock_out", "the clock-out must come after the clock-in"))
            elif worked > MAX_WORKED_MINUTES:
                errors.append(FieldError(f"{at}.clock_out", "at most 24 hours worked in one shift"))
            elif _minutes(w.clock_in) >= sq.end_min or _minutes(w.clock_out) <= sq.start_min:
                errors.append(FieldError(f"{at}.clock_in", f"the time worked does not meet shift {i + 1} "
                                                           f"({_local(card, sq.start):%a %d %b %H:%M}-"
                                                           f"{_local(card, sq.end):%H:%M})"))
    if errors:
        raise RequestError(errors)


def _label(card: RateCard, rank: str) -> str:
    return card.rank_label(rank).lower()


def _local(card: RateCard, dt: datetime) -> datetime:
    return dt.astimezone(card.zone)


def _minutes(dt: datetime) -> int:
    return int(dt.timestamp()) // 60


# -- pricing ----------------------------------------------------------------------------------------------
class _BookedPricer(_engine._Pricer):
    """The engine's per-quote pricer for positions that start at their clock-in: the tiers the whole shift was
    quoted with (notice tiers and the chosen priority, decided by the scheduled start and the booked headcount)
    are kept as they were, and the "requested ... before the start" words keep the booking's lead."""

    def __init__(self, card: RateCard, req: QuoteRequest, tiers: tuple[list[Tier], list[Tier], list[Tier]]):
        super().__init__(card, req)
        self.booked_tiers = tiers

    def shift_tiers(self, start_min: int, headcount: int) -> tuple[list[Tier], list[Tier], list[Tier]]:
        rep, sur, notice = self.booked_tiers
        return list(rep), list(sur), list(notice)


def invoice(q: Quote, attendance: Sequence[Sequence[Worked]], deposit_held: int | None = None) -> Invoice:
    """The invoice of the booking quoted ``q`` (as it stands at close-out) for ``attendance`` (one list per
    shift of ``q``, one record per position worked); ``deposit_held`` defaults to the quote's deposit. Raises
    ``RequestError`` when the attendance does not fit the booking."""
    check_attendance(q, attendance)
    held = q.deposit_cents if deposit_held is None else deposit_held
    if held < 0:
        raise RequestError([FieldError("deposit_held_cents", "must not be negative")])
    card = q.card
    # Staffing was settled when the booking was quoted: a group of positions priced on its own must not be
    # raised to a headcount or given a supervisor again.
    plain = dataclasses.replace(card, supervisors=(), _cache={})
    shifts = []
    for i, (sq, records) in enumerate(zip(q.shifts, attendance, strict=True)):
        shifts.append(_invoice_shift(q, plain, q.request.shifts[i], sq, records))
    return Invoice(q.agency, q.rate_card_version, tuple(shifts), sum(s.total_cents for s in shifts), held)


def _invoice_shift(q: Quote, plain: RateCard, shift: ShiftRequest, sq: ShiftQuote,
                   records: Sequence[Worked]) -> InvoiceShift:
    card = q.card
    tiers = _engine._Pricer(card, q.request).shift_tiers(sq.start_min, sq.headcount)
    pricer = _BookedPricer(plain, q.request, tiers)
    lead_s = sq.start_min * 60 - pricer.submitted_s  # the booking's lead on the scheduled start
    scheduled = sq.end_min - sq.start_min
    extra = card.vehicle.extra_minutes
    positions: list[WorkedPosition] = []
    # Positions worked alike, by (rank, vehicle, clock-in, minutes priced as "scheduled"): what was worked, or
    # the scheduled minutes from the clock-in where the full-shift rule bills them (spec section 6). From those
    # the engine bills the minimum and the vehicle time itself, with its own words.
    alike: dict[tuple[str, bool, int, int], list[WorkedPosition]] = {}
    for w in records:
        start, end = _minutes(w.clock_in), _minutes(w.clock_out)
        worked = end - start
        own = extra if w.vehicle else 0
        billed = billed_minutes(card, scheduled=scheduled, worked=worked, vehicle=w.vehicle,
                                minimum=sq.minimum_minutes)
        full = billed > max(sq.minimum_minutes, worked + own)
        note = "left before the scheduled end: billed the full shift" if full else (
            f"the {_engine._hours_word(sq.minimum_minutes)}-hour minimum applies" if billed > worked + own else "")
        p = WorkedPosition(w.rank, _local(card, w.clock_in), _local(card, w.clock_out), w.vehicle, worked, billed,
                           note)
        positions.append(p)
        alike.setdefault((w.rank, w.vehicle, start, billed - own if full else worked), []).append(p)

    labour: dict[tuple[Any, ...], list[Any]] = {}  # as the engine's: key -> [count, tier, phrases]
    groups: list[Group] = []
    for (rank, vehicle, start, minutes), same in alike.items():
        count = len(same)
        pricer.submitted_s = start * 60 - lead_s
        begin = _local(card, same[0].clock_in)
        part = ShiftRequest(begin, begin + timedelta(minutes=minutes), start, start + minutes, None,
                            ((rank, count),), count if vehicle else 0, shift.job_type)
        priced, _, _ = _engine._price_shift(pricer, part, sq.index, 0, "")
        groups.extend(priced.groups)
        pieces = [ln for ln in priced.lines if ln.kind in ("labour", "premium")]
        last = max(k for k, ln in enumerate(pieces) if ln.kind == "labour")  # the full shift is padded at the end
        for k, ln in enumerate(pieces):
            phrases = ln.description.split("; ")
            if k == last and same[0].note.startswith("left"):
                phrases.append(same[0].note)
            key = (ln.kind, ln.rank, ln.rate_cents, ln.minutes) + ((ln.tier,) if ln.kind == "premium" else ())
            _engine._add(labour, key, ln.count, ln.tier, phrases)
    lines = [Line(kind, rank, tier, count, minutes, rate, round_line(rate, count, minutes), "; ".join(phrases))
             for (kind, rank, rate, minutes, *_), (count, tier, phrases) in labour.items()]
    if positions:  # nobody worked: nothing at all is billed (not even a per-job fee of no positions)
        labour_cents = sum(ln.amount_cents for ln in lines)
        lines += _engine._vehicle_lines(card, groups, sum(1 for p in positions if p.vehicle))
        lines += _engine._fee_lines(card, groups, len(positions), labour_cents)
    return InvoiceShift(sq.index, sq.start, sq.end, tuple(positions), tuple(lines),
                        sum(ln.amount_cents for ln in lines))
