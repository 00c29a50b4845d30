"""Billed time of a worked position on the invoice (spec section 6), for the invoice code to build its lines on.

    billed = max(minimum, worked + vehicle extra)

and at least ``scheduled + vehicle extra`` when the card's ``[full_shift]`` rules say so: always when officers
are paid the full shift if released early (West Valley City), or when the position worked more than the card's
share of its scheduled time ("more than half the scheduled time worked bills the full shift", St. Lucie). A
vehicle is billed over its position's billed minutes, or the card's vehicle minimum if that is longer. The
billed interval is ``[clock-in, clock-in + billed)``. All in whole minutes.
"""

from __future__ import annotations

from .card import RateCard

__all__ = ["billed_minutes", "vehicle_minutes"]


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
