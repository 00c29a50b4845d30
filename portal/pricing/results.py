"""What a quote is made of: lines, groups of positions, cancellation steps, shift quotes, the quote.

The engine (``engine.quote``) builds these; cancellation, deposits and the web layer read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any, NamedTuple

from .card import CancellationWindow, RateCard
from .request import QuoteRequest
from .screening import Approval, Notice
from .staffing import Recommendation

__all__ = ["Group", "Line", "Quote", "ShiftQuote", "Step", "WindowFee", "decimal_text"]


class Line(NamedTuple):
    """One priced line. ``amount_cents = round_half_up(rate_cents * count * minutes / 60)`` for
    hourly lines; flat and percentage lines say so in ``unit``."""

    kind: str  # labour | premium | vehicle | admin_fee | charge
    rank: str | None
    tier: str | None
    count: int
    minutes: int
    rate_cents: int
    amount_cents: int
    description: str
    unit: str = "per_hour"  # per_hour | per_shift | percent
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind, "rank": self.rank, "tier": self.tier, "count": self.count,
            "minutes": self.minutes, "rate_cents": self.rate_cents, "amount_cents": self.amount_cents,
            "description": self.description,
        }
        if self.unit != "per_hour":
            d["unit"] = self.unit
        if self.key is not None:
            d["key"] = self.key
        return d


class Group(NamedTuple):
    """Positions of one shift that are priced alike: same rank, with or without a vehicle."""

    rank: str
    vehicle: bool
    count: int
    billed_minutes: int
    # The hourly rate of minimum pay on cancellation: the labour rate at the shift's first minute (tier, offered
    # rate) plus every surcharge in force at that minute.
    start_rate: int
    # (rate_cents, minutes) of each position's labour pieces, then of its surcharge pieces: the shift as quoted.
    pieces: tuple[tuple[int, int], ...] = ()


class WindowFee(NamedTuple):
    """What cancelling the whole shift owes inside one cancellation window; ``minutes`` is the window's length
    before this shift's start (None: any time after approval)."""

    minutes: int | None
    fee_cents: int
    booking_flat_cents: int
    admin_unpublished: bool
    window: CancellationWindow | None = None


class Step(NamedTuple):
    start: datetime | None  # ``from``; None = unbounded
    until: datetime
    fee_cents: int
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"from": None if self.start is None else self.start.isoformat(), "until": self.until.isoformat(),
                "fee_cents": self.fee_cents, "label": self.label}


class ShiftQuote(NamedTuple):
    index: int
    start: datetime
    end: datetime
    start_min: int
    end_min: int
    job_type: str | None
    requested_headcount: int
    positions: tuple[tuple[str, int], ...]
    vehicles: int
    minimum_minutes: int
    groups: tuple[Group, ...]
    lines: tuple[Line, ...]
    total_cents: int
    labour_cents: int
    explanations: tuple[str, ...]
    window_fees: tuple[WindowFee, ...]

    @property
    def headcount(self) -> int:
        return sum(n for _, n in self.positions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "positions": dict(self.positions), "vehicles": self.vehicles, "job_type": self.job_type,
            "lines": [ln.to_dict() for ln in self.lines], "total_cents": self.total_cents,
            "explanations": list(self.explanations),
        }


@dataclass(frozen=True)
class Quote:
    agency: str
    rate_card_version: int
    schedule: str
    submitted_at: datetime
    shifts: tuple[ShiftQuote, ...]
    total_cents: int
    deposit_cents: int
    cancellation: tuple[Step, ...]
    notices: tuple[Notice, ...]
    blocks: tuple[Notice, ...]
    approvals: tuple[Approval, ...]
    recommendation: Recommendation | None
    priority: str | None
    card: RateCard = field(compare=False, repr=False)
    request: QuoteRequest = field(compare=False, repr=False)

    @property
    def blocked(self) -> bool:
        return bool(self.blocks)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of pricing spec section 10, plus explanations, approvals and admin fee details."""
        a = self.card.admin_fee
        admin = None if a.kind == "none" else {
            "kind": a.kind, "rate_cents": a.rate, "percent": None if a.percent is None else decimal_text(a.percent),
            "published_min_cents": a.published_min, "published_max_cents": a.published_max,
            "message": a.message, "source": a.source,
        }
        if a.kind == "per_job":
            admin.update(first_position_cents=a.first_position, each_additional_cents=a.each_additional)
        return {
            "agency": self.agency,
            "rate_card_version": self.rate_card_version,
            "schedule": self.schedule,
            "priority": self.priority,
            "submitted_at": self.submitted_at.isoformat(),
            "shifts": [s.to_dict() for s in self.shifts],
            "total_cents": self.total_cents,
            "deposit_cents": self.deposit_cents,
            "cancellation": _steps_json(self.cancellation),
            "cancellation_note": "Before the agency approves the booking nothing is owed.",
            "notices": [n.to_dict() for n in self.notices],
            "blocks": [b.to_dict() for b in self.blocks],
            "approvals": [x.to_dict() for x in self.approvals],
            "recommendation": None if self.recommendation is None else self.recommendation.to_dict(),
            "admin_fee": admin,
        }


def _steps_json(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    """``[step.to_dict() for step in steps]``, each moment formatted once: the steps are consecutive, so a step's
    ``from`` is the previous step's ``until``."""
    out = []
    prev: datetime | None = None
    prev_text = ""
    for st in steps:
        start = st.start
        until = st.until.isoformat()
        out.append({"from": None if start is None else prev_text if start == prev else start.isoformat(),
                    "until": until, "fee_cents": st.fee_cents, "label": st.label})
        prev, prev_text = st.until, until
    return out


def decimal_text(x: Fraction) -> str:
    """An exact decimal string for a card's fraction (cards only hold finite decimals)."""
    whole, rest = divmod(x.numerator, x.denominator)
    if not rest:
        return str(whole)
    digits = ""
    while rest and len(digits) < 8:
        rest *= 10
        d, rest = divmod(rest, x.denominator)
        digits += str(d)
    return f"{whole}.{digits}"
