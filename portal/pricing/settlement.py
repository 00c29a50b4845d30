"""Settling a cancellation or a reduction (pricing spec sections 4, 5 and 10).

``settle(body, card, at=..., cancel=...)`` answers, for a booking whose request body is ``body`` (as it
stands, with its ``submitted_at``): what is owed if the shifts and positions named in ``cancel`` are
cancelled at the moment ``at``, line by line; the deposit of what remains; and what is refunded or
charged given the deposit held. It prices with the engine (``quote``) and the fee functions of
``cancellation``, so the fee shown before confirming, the fee kept and the ``flask cancellation``
command are one computation.

- Before approval nothing is owed; the deposit beyond what the rest needs is refunded.
- A shift that has started (``at >= start``) is not cancelled: it is invoiced. Cancelling the whole
  booking cancels the shifts that have not started (refused when all have).
- A reduction removes positions by rank, those without a vehicle first. The positions left keep
  their ranks and vehicles; a reduction the card's staffing rules would undo (a KCPD tavern below 3
  officers, a shift still needing the sergeant that is removed) is refused: that is found by pricing
  the remaining shift, whose positions must come out exactly as left.
- ``deposit_after`` is the deposit (section 5) of the remaining request, same ``submitted_at``;
  ``refund = max(0, held - fee - deposit_after)`` and ``charge = max(0, fee - held)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .cancellation import _minute, _window_at, fee_lines
from .card import CancellationWindow, RateCard
from .engine import quote
from .money import format_cents
from .request import FieldError, RequestError, parse_request
from .results import Group, Line, Quote

__all__ = ["Settlement", "ShiftFee", "remaining_positions", "settle"]


@dataclass(frozen=True)
class ShiftFee:
    """What cancelling (part of) one shift owes."""

    shift: int
    removed: tuple[tuple[str, int], ...]  # rank -> positions removed (all of them for a whole shift)
    whole: bool  # the whole shift is cancelled
    fee_cents: int
    lines: tuple[Line, ...]
    window: CancellationWindow | None  # the window that applied; None when nothing is owed

    def to_dict(self) -> dict[str, Any]:
        return {"shift": self.shift, "whole_shift": self.whole, "positions": dict(self.removed),
                "fee_cents": self.fee_cents, "lines": [ln.to_dict() for ln in self.lines]}


@dataclass(frozen=True)
class Settlement:
    at: datetime
    approved: bool
    whole: bool  # nothing of the booking remains to be worked or invoiced
    shifts: tuple[ShiftFee, ...]
    booking_fee_cents: int  # a per-booking flat fee (owed once, when the whole booking is cancelled)
    fee_cents: int
    deposit_held_cents: int
    deposit_after_cents: int
    refund_cents: int
    charge_cents: int
    remaining: dict[str, Any] | None  # the request body of what remains; None when nothing does
    rule: str  # the words of the rule applied
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(), "approved": self.approved, "whole_booking": self.whole,
            "fee_cents": self.fee_cents, "shifts": [s.to_dict() for s in self.shifts],
            "booking_fee_cents": self.booking_fee_cents, "deposit_held_cents": self.deposit_held_cents,
            "deposit_after_cents": self.deposit_after_cents, "refund_cents": self.refund_cents,
            "charge_cents": self.charge_cents, "rule": self.rule, "source": self.source,
        }


def settle(body: Mapping[str, Any], card: RateCard, *, at: datetime, now: datetime, approved: bool = True,
           deposit_held: int | None = None, cancel: Any = None) -> Settlement:
    """Price the cancellation of ``cancel`` (None: the whole booking) at ``at``. Raises ``RequestError``
    naming the field (``cancel[0].shift``, ``at``, or the request's own fields) when it cannot be done.
    ``now`` only stands in for a missing ``submitted_at``, as in ``parse_request``."""
    if at.tzinfo is None:
        raise RequestError([FieldError("at", "give the moment with its offset, e.g. 2026-12-20T08:00:00-07:00")])
    q = quote(parse_request(body, card, now=now), card)
    t = _minute(at)
    items = _read_cancel(cancel, q, t)
    remaining, intended = _remaining_body(body, q, items)
    after = 0
    if remaining is not None:
        rest = quote(parse_request(remaining, card, now=now), card)
        _check_staffing(card, rest, intended)
        after = rest.deposit_cents

    fees: list[ShiftFee] = []
    flat = 0
    for index, removed in items:
        sq = q.shifts[index]
        whole = removed == dict(sq.positions)
        window = None
        lines: tuple[Line, ...] = ()
        i = _window_at(sq.window_fees, sq.start_min - t) if approved else None
        if i is not None:
            window = sq.window_fees[i].window
            lines = fee_lines(card, window, _chosen(sq.groups, removed), sq.minimum_minutes, whole)
            if whole:
                flat = max(flat, sq.window_fees[i].booking_flat_cents)
        fees.append(ShiftFee(index, tuple(removed.items()), whole, sum([ln.amount_cents for ln in lines]),
                             lines, window))
    booking_fee = flat if remaining is None else 0
    fee = sum([f.fee_cents for f in fees]) + booking_fee
    held = q.deposit_cents if deposit_held is None else deposit_held
    if held < 0:
        raise RequestError([FieldError("deposit_held_cents", "must not be negative")])
    rule, source = _rule(card, approved, [f.window for f in fees])
    return Settlement(
        at=at.astimezone(card.zone), approved=approved, whole=remaining is None, shifts=tuple(fees),
        booking_fee_cents=booking_fee, fee_cents=fee, deposit_held_cents=held, deposit_after_cents=after,
        refund_cents=max(0, held - fee - after), charge_cents=max(0, fee - held), remaining=remaining,
        rule=rule, source=source,
    )


def remaining_positions(positions: Mapping[str, int], removed: Mapping[str, int]) -> dict[str, int]:
    """``positions`` less ``removed``, ranks with none left dropped (in the order given)."""
    return {rk: n - removed.get(rk, 0) for rk, n in positions.items() if n - removed.get(rk, 0) > 0}


# -- reading ``cancel`` -------------------------------------------------------------------------------
def _read_cancel(cancel: Any, q: Quote, t: int) -> list[tuple[int, dict[str, int]]]:
    """``[(shift index, rank -> positions removed)]`` in the order given; every problem named."""
    shifts = q.shifts
    if cancel is None:
        items = [(sq.index, dict(sq.positions)) for sq in shifts if t < sq.start_min]
        if not items:
            raise RequestError([FieldError("cancel", "every shift has started: a started shift is invoiced, "
                                                     "not cancelled")])
        return items
    if not isinstance(cancel, list) or not cancel:
        raise RequestError([FieldError("cancel", "a list of {\"shift\": n} or {\"shift\": n, \"positions\": "
                                                 "{rank: count}}; leave it out to cancel the whole booking")])
    errors: list[FieldError] = []
    items: list[tuple[int, dict[str, int]]] = []
    seen: set[int] = set()
    for k, entry in enumerate(cancel):
        where = f"cancel[{k}]"
        if not isinstance(entry, dict):
            errors.append(FieldError(where, "an object such as {\"shift\": 0}"))
            continue
        unknown = sorted(set(entry) - {"shift", "positions"})
        if unknown:
            errors.append(FieldError(f"{where}.{unknown[0]}"[:80], "unknown field (known: shift, positions)"))
            continue
        index = entry.get("shift")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(shifts):
            errors.append(FieldError(f"{where}.shift", f"a shift number from 0 to {len(shifts) - 1}"))
            continue
        sq = shifts[index]
        if index in seen:
            errors.append(FieldError(f"{where}.shift", f"shift {index} is named twice"))
            continue
        seen.add(index)
        if t >= sq.start_min:
            errors.append(FieldError(f"{where}.shift", f"shift {index} has started: it is invoiced, not cancelled"))
            continue
        have = dict(sq.positions)
        if "positions" not in entry:
            items.append((index, have))
            continue
        removed = _read_positions(entry["positions"], have, f"{where}.positions", errors)
        if removed is not None:
            items.append((index, removed))
    if errors:
        raise RequestError(errors)
    return items


def _read_positions(value: Any, have: dict[str, int], where: str,
                    errors: list[FieldError]) -> dict[str, int] | None:
    if not isinstance(value, dict) or not value:
        errors.append(FieldError(where, "a map of rank to the number of positions to remove"))
        return None
    removed: dict[str, int] = {}
    for rank, n in value.items():
        at = f"{where}.{str(rank)[:40]}"
        if rank not in have:
            known = ", ".join(have)
            errors.append(FieldError(at, f"the shift has no {str(rank)[:40]!s} positions (it has: {known})"))
        elif not isinstance(n, int) or isinstance(n, bool) or n < 1:
            errors.append(FieldError(at, "a whole number of positions, at least 1"))
        elif n > have[rank]:
            errors.append(FieldError(at, f"the shift has {have[rank]} {rank} position{'s' if have[rank] != 1 else ''}"))
        else:
            removed[rank] = n
    if len(removed) != len(value):
        return None
    # in the card's rank order, as the shift's own positions are
    return {rk: removed[rk] for rk in have if rk in removed}


# -- what remains ---------------------------------------------------------------------------------------
def _vehicles_removed(groups: tuple[Group, ...], removed: Mapping[str, int]) -> int:
    """Positions without a vehicle go first; what is left of the removal takes positions with one."""
    taken = 0
    for rank, n in removed.items():
        without = sum(g.count for g in groups if g.rank == rank and not g.vehicle)
        taken += max(0, n - without)
    return taken


def _chosen(groups: tuple[Group, ...], removed: Mapping[str, int]) -> list[tuple[Group, int]]:
    """The groups the removed positions come from, those without a vehicle first."""
    left = dict(removed)
    out: list[tuple[Group, int]] = []
    for g in sorted(groups, key=lambda g: g.vehicle):
        n = min(left.get(g.rank, 0), g.count)
        if n:
            out.append((g, n))
            left[g.rank] -= n
    return out


def _remaining_body(body: Mapping[str, Any], q: Quote,
                    items: list[tuple[int, dict[str, int]]]
                    ) -> tuple[dict[str, Any] | None, dict[int, tuple[int, dict[str, int]]]]:
    """The request body without what is cancelled (None if nothing is left) and, for each reduced shift by
    its new index, which ``cancel`` entry reduced it and the positions it must keep. A reduced shift
    names its positions and vehicles explicitly; the others stay as they were asked."""
    removed_by = {index: (k, removed) for k, (index, removed) in enumerate(items)}
    shifts: list[dict[str, Any]] = []
    intended: dict[int, tuple[int, dict[str, int]]] = {}
    for sq, asked in zip(q.shifts, body["shifts"], strict=True):
        got = removed_by.get(sq.index)
        if got is None:
            shifts.append(dict(asked))
            continue
        k, removed = got
        left = remaining_positions(dict(sq.positions), removed)
        if not left:
            continue
        shift = {k: v for k, v in asked.items() if k not in ("officers", "positions", "vehicles")}
        shift["positions"] = left
        shift["vehicles"] = sq.vehicles - _vehicles_removed(sq.groups, removed)
        intended[len(shifts)] = (k, left)
        shifts.append(shift)
    if not shifts:
        return None, intended
    rest = {k: v for k, v in body.items() if k != "shifts"}
    rest["submitted_at"] = q.submitted_at.isoformat()
    rest["shifts"] = shifts
    return rest, intended


def _check_staffing(card: RateCard, rest: Quote, intended: dict[int, tuple[int, dict[str, int]]]) -> None:
    """A reduction must leave positions the card's staffing rules keep as they are."""
    errors = []
    for new_index, (k, left) in intended.items():
        staffed = dict(rest.shifts[new_index].positions)
        if staffed != left:
            errors.append(FieldError(
                f"cancel[{k}].positions",
                f"{card.short_name}'s staffing rules need {_positions_text(card, staffed)} on this shift; "
                f"it would be left with {_positions_text(card, left)}. Cancel the whole shift instead."))
    if errors:
        raise RequestError(errors)


def _positions_text(card: RateCard, positions: Mapping[str, int]) -> str:
    parts = [f"{n} {card.rank_label(rk).lower()}{'s' if n != 1 else ''}" for rk, n in positions.items() if n]
    return ", ".join(parts) or "nobody"


# -- the rule in words ------------------------------------------------------------------------------------
def _rule(card: RateCard, approved: bool, windows: list[CancellationWindow | None]) -> tuple[str, str]:
    name = card.short_name
    if not approved:
        return f"Before {name} approves the booking nothing is owed.", ""
    used = [w for w in dict.fromkeys(windows) if w is not None]
    if not used:
        return (f"{name} charges nothing for a cancellation this far ahead of the start.",
                "; ".join(dict.fromkeys(w.source for w in card.cancellation if w.source)))
    words = " ".join(_window_words(card, w) for w in used)
    return words, "; ".join(dict.fromkeys(w.source for w in used if w.source))


def _window_words(card: RateCard, w: CancellationWindow) -> str:
    if w.business_days:
        when = f"within {w.business_days} business day{'s' if w.business_days != 1 else ''} of a shift's start"
    elif w.minutes is not None:
        when = f"within {_hours(w.minutes)} of a shift's start"
    else:
        when = "at any time after approval"
    owed: list[str] = []
    minimum = _hours(card.minimum_minutes).replace(" hours", "-hour").replace(" hour", "-hour")
    if w.pay in ("minimum", "greater_of_worked_and_minimum"):
        owed.append(f"the {minimum} minimum pay for each position")
    elif w.pay == "full_shift":
        owed.append("the shift's labour as quoted")
    if w.admin == "first_hours":
        owed.append(f"the administration fee for the first {w.admin_hours} hours of each position")
    elif w.admin == "minimum_hours":
        owed.append(f"the administration fee for those {_hours(card.minimum_minutes)}")
    elif w.admin == "per_job":
        owed.append("the administration fee per job")
    if w.flat_per_position:
        owed.append(f"{format_cents(w.flat_per_position)} per position")
    if w.flat_per_booking:
        owed.append(f"{format_cents(w.flat_per_booking)} per booking")
    text = f"Cancelling {when} owes {_and(owed) or 'nothing'}."
    if w.admin != "none" and card.admin_fee.kind == "unpublished":
        text += f" {card.short_name} publishes no amount for the administration fee, so it is not included."
    return text


def _hours(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    words = [f"{h} hour{'s' if h != 1 else ''}"] if h else []
    if m:
        words.append(f"{m} minute{'s' if m != 1 else ''}")
    return " ".join(words) or "0 minutes"


def _and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
