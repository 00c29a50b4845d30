"""Cancellation fees, the dated cancellation schedule and the deposit (spec sections 4 and 5).

A shift is priced on cancellation at the moment ``t`` it is asked for, after the
agency has approved the booking (before approval nothing is owed: callers check
that). The card's windows are consulted tightest first: the first window with
``start - t < window`` decides what is owed; a window without a length applies at
any time after approval. A window given in business days has a length of its own
for each shift (``RateCard.deadline``), so the order is worked out per shift. A
shift that has started is no longer cancelled (it is invoiced) and drops out.

Moments are taken to the minute (seconds are dropped), like every time in the
portal: "start - t < 72 h" then opens the window one minute after ``start - 72 h``,
which is where the dated steps change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from fractions import Fraction
from itertools import pairwise

from .card import CancellationWindow, RateCard
from .money import format_cents, round_half_up, round_line
from .results import Group, Line, Quote, ShiftQuote, Step, WindowFee, decimal_text

__all__ = [
    "cancellation_fee",
    "deposit_for",
    "fee_lines",
    "reduction_fee",
    "shift_cancellation_fee",
    "steps_for",
    "window_fees",
]


def _minute(at: datetime) -> int:
    if at.tzinfo is None:
        raise TypeError("at must be an aware datetime")
    return int(at.timestamp()) // 60


def _pay_parts(pay: str, groups: list[tuple[Group, int]], minimum_minutes: int) -> dict[tuple[str, int, int], int]:
    """The pay part of a window's fee as ``(rank, rate, minutes) -> positions``: like quote lines, positions
    equal in what they owe form one line, which rounds once (spec section 4)."""
    parts: dict[tuple[str, int, int], int] = {}
    if pay == "minimum" or pay == "greater_of_worked_and_minimum":
        for g, n in groups:
            k = (g.rank, g.start_rate, minimum_minutes)
            parts[k] = parts.get(k, 0) + n
    elif pay == "full_shift":
        for g, n in groups:
            for rate, minutes in g.pieces:
                k = (g.rank, rate, minutes)
                parts[k] = parts.get(k, 0) + n
    return parts


def _pay_cents(pay: str, groups: list[tuple[Group, int]], minimum_minutes: int) -> int:
    if pay == "none":
        return 0
    cents = 0
    for (_, rate, minutes), n in _pay_parts(pay, groups, minimum_minutes).items():
        cents += round_line(rate, n, minutes)
    return cents


def _admin_parts(card: RateCard, admin: str, admin_hours: int, groups: list[tuple[Group, int]],
                 minimum_minutes: int, whole: bool) -> tuple[list[tuple[int, int, int, int]], bool]:
    """The administration-fee part of a window's fee as ``[(rate or labour base, positions, minutes, cents)]``
    (minutes 0 for a per-job fee), and whether the fee is unpublished (then left out). ``whole``: every
    position of the shift is cancelled (a per-job fee is then owed whole; a reduction owes each further
    position's part)."""
    if admin == "none":
        return [], False
    a = card.admin_fee
    if admin == "per_job":
        n = sum([c for _, c in groups])
        return [(a.first_position if whole else a.each_additional, n, 0,
                 a.per_job(n) if whole else a.each_additional * n)], False
    if a.kind == "unpublished" or (a.kind in ("included", "per_hour") and a.rate is None):
        return [], True
    admin_cap = admin_hours * 60
    out: list[tuple[int, int, int, int]] = []
    by_minutes: dict[int, int] = {}
    for g, n in groups:
        m = minimum_minutes if admin == "minimum_hours" else min(g.billed_minutes, admin_cap)
        if a.kind == "percent" and a.percent is not None:
            out.append((g.start_rate, n, m, round_half_up(Fraction(g.start_rate * n * m, 60) * a.percent / 100)))
        else:
            by_minutes[m] = by_minutes.get(m, 0) + n
    if a.rate is not None:
        for m, n in by_minutes.items():
            out.append((a.rate, n, m, round_line(a.rate, n, m)))
    return out, False


def _admin_cents(card: RateCard, admin: str, admin_hours: int, groups: list[tuple[Group, int]],
                 minimum_minutes: int, whole: bool) -> tuple[int, bool]:
    """The administration-fee part of a window's fee; (cents, admin unpublished)."""
    parts, unpublished = _admin_parts(card, admin, admin_hours, groups, minimum_minutes, whole)
    cents = 0
    for part in parts:
        cents += part[3]
    return cents, unpublished


def _fee(card: RateCard, minimum_minutes: int, w: CancellationWindow,
         groups: Iterable[tuple[Group, int]], whole: bool) -> tuple[int, bool]:
    """Fee of cancelling ``n`` positions of each group inside window ``w``; (cents, admin unpublished)."""
    live = [(g, n) for g, n in groups if n > 0]
    admin, unpublished = _admin_cents(card, w.admin, w.admin_hours, live, minimum_minutes, whole)
    return (_pay_cents(w.pay, live, minimum_minutes) + admin
            + w.flat_per_position * sum([n for _, n in live]), unpublished)


_PAY_WORDS = {"minimum": "Minimum pay", "greater_of_worked_and_minimum": "Minimum pay (nothing worked yet)",
              "full_shift": "The shift's labour as quoted"}


def fee_lines(card: RateCard, w: CancellationWindow, groups: Iterable[tuple[Group, int]],
              minimum_minutes: int, whole: bool) -> tuple[Line, ...]:
    """The lines of cancelling ``n`` positions of each group inside window ``w``; they add up to ``_fee``."""
    live = [(g, n) for g, n in groups if n > 0]
    lines = [
        Line("cancellation_pay", rank, None, n, minutes, rate, round_line(rate, n, minutes),
             f"{_PAY_WORDS[w.pay]}: {card.rank_label(rank)}, {_hours(minutes)} at {format_cents(rate)} an hour")
        for (rank, rate, minutes), n in _pay_parts(w.pay, live, minimum_minutes).items()
    ]
    parts, _ = _admin_parts(card, w.admin, w.admin_hours, live, minimum_minutes, whole)
    a = card.admin_fee
    for rate, n, minutes, cents in parts:
        if w.admin == "per_job":
            what, unit = "per job" if whole else "each further position", "per_shift"
        elif a.kind == "percent" and a.percent is not None:
            what, unit = f"{decimal_text(a.percent)} % of pay", "percent"
        else:
            what, unit = f"{_hours(minutes)} per position at {format_cents(rate)} an hour", "per_hour"
        lines.append(Line("admin_fee", None, None, n, minutes, rate, cents, f"Administration fee: {what}", unit=unit))
    positions = sum([n for _, n in live])
    if w.flat_per_position and positions:
        lines.append(Line("cancellation_flat", None, None, positions, 0, w.flat_per_position,
                          w.flat_per_position * positions, "Cancellation fee per position", unit="per_shift"))
    return tuple(lines)


def _hours(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{h} h" + (f" {m} min" if m else "") if h else f"{m} min"


def window_fees(card: RateCard, groups: Iterable[Group], minimum_minutes: int, *,
                start_min: int | None = None) -> tuple[WindowFee, ...]:
    """The whole-shift fee inside each window, tightest first for the shift starting at ``start_min`` (needed
    when a window is given in business days). Windows often owe the same pay or administration part (Off Duty
    Management's "first 24 hours" in every window): each part is worked out once."""
    live = []
    positions = 0
    for g in groups:
        if g.count > 0:
            live.append((g, g.count))
            positions += g.count
    pays: dict[str, int] = {}
    admins: dict[tuple[str, int], tuple[int, bool]] = {}
    out = []
    by_days = False  # a window in business days: its length is the shift's own, so the order is too
    for w in card.cancellation:
        minutes = w.minutes
        if w.business_days:
            if start_min is None:
                raise ValueError("a window in business days needs the shift's start")
            minutes = start_min - card.deadline(start_min, None, w.business_days)
            by_days = True
        pay = pays.get(w.pay)
        if pay is None:
            pay = pays[w.pay] = _pay_cents(w.pay, live, minimum_minutes)
        admin = admins.get((w.admin, w.admin_hours))
        if admin is None:
            admin = admins[w.admin, w.admin_hours] = _admin_cents(card, w.admin, w.admin_hours, live,
                                                                   minimum_minutes, True)
        out.append(WindowFee(minutes, pay + admin[0] + w.flat_per_position * positions, w.flat_per_booking,
                             admin[1], w))
    if by_days:
        out.sort(key=lambda wf: (wf.minutes is None, wf.minutes or 0))
    return tuple(out)


def _window_at(fees: tuple[WindowFee, ...], lead: int) -> int | None:
    for i, wf in enumerate(fees):
        if wf.minutes is None or lead < wf.minutes:
            return i
    return None


def _shift_at(sq: ShiftQuote, t: int) -> tuple[int, int]:
    if t >= sq.start_min:
        return 0, 0
    i = _window_at(sq.window_fees, sq.start_min - t)
    if i is None:
        return 0, 0
    wf = sq.window_fees[i]
    return wf.fee_cents, wf.booking_flat_cents


def _booking_at(shifts: Iterable[ShiftQuote], t: int) -> int:
    fee = flat = 0
    for sq in shifts:
        f, b = _shift_at(sq, t)
        fee += f
        flat = max(flat, b)
    return fee + flat


def cancellation_fee(quote: Quote, at: datetime) -> int:
    """Fee for cancelling the whole approved booking at ``at`` (shifts already started drop out)."""
    return _booking_at(quote.shifts, _minute(at))


def shift_cancellation_fee(quote: Quote, index: int, at: datetime) -> int:
    """Fee for cancelling one shift of an approved booking (a per-booking flat fee is not included)."""
    return _shift_at(quote.shifts[index], _minute(at))[0]


def reduction_fee(quote: Quote, index: int, remove: Mapping[str, int], at: datetime) -> int:
    """Fee for removing ``remove`` (rank -> count) positions from shift ``index`` at ``at``.

    Positions without a vehicle are removed before positions with one. Raises
    ``ValueError`` if more positions of a rank are removed than the shift has.
    """
    sq = quote.shifts[index]
    t = _minute(at)
    have = dict(sq.positions)
    for rk, n in remove.items():
        if n < 0 or n > have.get(rk, 0):
            raise ValueError(f"cannot remove {n} {rk} position(s) from shift {index + 1}")
    if t >= sq.start_min:
        return 0
    i = _window_at(sq.window_fees, sq.start_min - t)
    if i is None:
        return 0
    left = dict(remove)
    chosen: list[tuple[Group, int]] = []
    for g in sorted(sq.groups, key=lambda g: g.vehicle):
        n = min(left.get(g.rank, 0), g.count)
        if n:
            chosen.append((g, n))
            left[g.rank] -= n
    window = sq.window_fees[i].window
    assert window is not None
    whole = sum([n for _, n in chosen]) == sq.headcount
    return _fee(quote.card, sq.minimum_minutes, window, chosen, whole)[0]


def deposit_for(shifts: list[ShiftQuote], total: int) -> int:
    """Sum of each shift's fee one minute before its start (plus the largest per-booking flat fee), capped."""
    fee = flat = 0
    for sq in shifts:
        f, b = _shift_at(sq, sq.start_min - 1)
        fee += f
        flat = max(flat, b)
    return min(total, fee + flat)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _label_time(dt: datetime) -> str:
    return f"{_DAYS[dt.weekday()]} {dt.day} {_MONTHS[dt.month - 1]} {dt.year} {dt.hour:02d}:{dt.minute:02d}"


def _raw_steps(shifts: list[ShiftQuote], last: int) -> list[list[int | None]]:
    """``[from, until, fee]`` steps. A shift's fee only rises through its windows and drops to 0 at its
    start, so one sweep over the change points sums them (per-booking flat fees take the slow path)."""
    if any(wf.booking_flat_cents for sq in shifts for wf in sq.window_fees):
        points = {last}
        for sq in shifts:
            points.add(sq.start_min)
            points.update(sq.start_min - wf.minutes + 1 for wf in sq.window_fees if wf.minutes is not None)
        bounds: list[int | None] = [None, *sorted(p for p in points if p < last), last]
        raw: list[list[int | None]] = []
        for a, b in pairwise(bounds):
            assert b is not None
            fee = _booking_at(shifts, a if a is not None else b - 1)
            if raw and raw[-1][2] == fee:
                raw[-1][1] = b
            else:
                raw.append([a, b, fee])
        return raw
    base = 0
    deltas: dict[int, int] = {}
    for sq in shifts:
        fees = sq.window_fees
        prev = fees[-1].fee_cents if fees and fees[-1].minutes is None else 0
        base += prev
        for wf in reversed(fees):
            if wf.minutes is None:
                continue
            t = sq.start_min - wf.minutes + 1
            deltas[t] = deltas.get(t, 0) + wf.fee_cents - prev
            prev = wf.fee_cents
        deltas[sq.start_min] = deltas.get(sq.start_min, 0) - prev
    raw = [[None, last, base]]
    fee = base
    for t in sorted(deltas):
        if t >= last:
            break
        fee += deltas[t]
        if fee == raw[-1][2]:
            continue
        raw[-1][1] = t
        raw.append([t, last, fee])
    return raw


def steps_for(card: RateCard, shifts: list[ShiftQuote]) -> tuple[Step, ...]:
    """Consecutive ``[from, until)`` steps up to the start of the last shift; the first from is None."""
    last = max([s.start_min for s in shifts])
    zone = card.zone
    fromtimestamp = datetime.fromtimestamp
    steps = []
    start: datetime | None = None
    start_txt = ""
    for a, b, fee in _raw_steps(shifts, last):
        assert b is not None and fee is not None
        # consecutive steps: each one's from is the previous one's until
        until = fromtimestamp(b * 60, zone)
        until_txt = _label_time(until)
        end_txt = until_txt + " (start)" if b == last else until_txt
        if a is None:
            steps.append(Step(None, until, fee, f"From approval until {end_txt}: {format_cents(fee)}"))
        else:
            if start is None:  # not reached: the first step is unbounded
                start = fromtimestamp(a * 60, zone)
                start_txt = _label_time(start)
            steps.append(Step(start, until, fee, f"From {start_txt} until {end_txt}: {format_cents(fee)}"))
        start, start_txt = until, until_txt
    return tuple(steps)
