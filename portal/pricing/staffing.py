"""Who works a shift: minimum headcounts, supervisor rules, vehicles, staffing advice."""

from __future__ import annotations

from dataclasses import dataclass

from .card import RateCard, SupervisorRule
from .request import ShiftRequest

__all__ = ["Recommendation", "recommend", "staff_shift", "vehicle_split"]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def staff_shift(card: RateCard, shift: ShiftRequest, minimum_headcount: int = 0,
                minimum_reason: str = "") -> tuple[dict[str, int], list[str]]:
    """Positions per rank after the venue minimum and the card's supervisor rules.

    Returns ``(counts in rank order, explanations)``. A minimum headcount adds
    lowest-rank positions. ``nth`` rules convert the lowest-ranked positions into
    the required rank; ``per`` rules add positions on top. Requested positions of
    the required rank or higher count toward a rule (a higher rank can fill a
    lower rank's supervision requirement).
    """
    keys = card.rank_keys
    lowest = keys[0]
    counts = dict.fromkeys(keys, 0)
    if shift.positions is not None:
        for rk, n in shift.positions:
            counts[rk] += n
    else:
        counts[lowest] = shift.officers or 0
    notes: list[str] = []
    n = sum(counts.values())
    if minimum_headcount > n:
        counts[lowest] += minimum_headcount - n
        notes.append(f"Headcount raised from {n} to {minimum_headcount}"
                     + (f": {minimum_reason}" if minimum_reason else ""))
        n = minimum_headcount
    if not card.supervisors:
        return counts, notes

    reqs: list[tuple[int, int, SupervisorRule, str]] = []
    for rule, ri, text in card.supervisor_rules:
        if rule.kind == "nth":
            need = 0 if n < rule.position else 1 + ((n - rule.position) // rule.every if rule.every else 0)
        elif rule.kind == "per":
            lower = sum(counts[k] for k in keys[:ri])
            need = lower // rule.per if rule.rounding == "down" else _ceil_div(lower, rule.per)
        else:
            continue  # rank_count rules look at the ranks the others leave
        if need:
            reqs.append((ri, need, rule, text))
    if len(reqs) > 1:
        reqs.sort(key=lambda x: -x[0])
    used = dict.fromkeys(keys, 0)
    for ri, need, rule, text in reqs:
        _require(card, counts, used, ri, need, rule, text, notes)
    for rule, ri, text in card.supervisor_rules:
        if rule.kind == "rank_count" and counts[rule.of] >= rule.at_least:
            _require(card, counts, used, ri, 1, rule, text, notes)
    return counts, notes


def _require(card: RateCard, counts: dict[str, int], used: dict[str, int], ri: int, need: int,
             rule: SupervisorRule, text: str, notes: list[str]) -> None:
    """``need`` positions of rank ``ri`` or higher, for ``rule`` (``text``: what it says): requested ones not yet
    counted toward another rule first; then the lowest-ranked positions are converted (``nth``) or positions are
    added."""
    keys = card.rank_keys
    rank = keys[ri]
    filled = 0
    for k in keys[ri:]:
        take = min(counts[k] - used[k], need - filled)
        if take > 0:
            used[k] += take
            filled += take
    short = need - filled
    if short <= 0:
        notes.append(f"{text}; filled by the requested positions")
        return
    if rule.kind == "nth":
        for k in keys[:ri]:
            take = min(counts[k] - used[k], short)
            if take > 0:
                counts[k] -= take
                counts[rank] += take
                used[rank] += take
                short -= take
            if short <= 0:
                break
        notes.append(text)
    else:
        counts[rank] += short
        used[rank] += short
        notes.append(f"{text}: {short} added")


def vehicle_split(card: RateCard, counts: dict[str, int], vehicles: int) -> list[tuple[str, bool, int]]:
    """``(rank, has_vehicle, count)`` groups; vehicles go to the lowest-ranked positions first."""
    out: list[tuple[str, bool, int]] = []
    left = vehicles
    for rk in card.rank_keys:
        c = counts.get(rk, 0)
        if not c:
            continue
        with_v = left if left < c else c
        left -= with_v
        if c - with_v:
            out.append((rk, False, c - with_v))
        if with_v:
            out.append((rk, True, with_v))
    return out


@dataclass(frozen=True, slots=True)
class Recommendation:
    venue_kind: str
    venue_label: str
    attendance: int
    min_officers: int
    max_officers: int
    message: str
    source: str

    def to_dict(self) -> dict[str, object]:
        return {"venue_kind": self.venue_kind, "venue_label": self.venue_label, "attendance": self.attendance,
                "min_officers": self.min_officers, "max_officers": self.max_officers,
                "message": self.message, "source": self.source}


def recommend(card: RateCard, venue_kind: str | None, attendance: int | None) -> Recommendation | None:
    """The card's recommended staffing range, ``ceil(att / high) + core_min`` to ``ceil(att / low) + core_max``."""
    if card.staffing is None or venue_kind is None or attendance is None:
        return None
    v = card.staffing.venue(venue_kind)
    if v is None:
        return None
    lo = _ceil_div(attendance, v.high) + card.staffing.core_min
    hi = _ceil_div(attendance, v.low) + card.staffing.core_max
    msg = (f"{card.short_name} recommends {lo} to {hi} officers for {attendance:,} attendees "
           f"({v.label.lower()}); the final staffing is the agency's decision.")
    return Recommendation(v.key, v.label, attendance, lo, hi, msg, card.staffing.source)
