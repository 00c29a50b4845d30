"""The rules of who can work when, pure: overlapping shifts and the card's hour limit (``[hour_limit]``: at most
``minutes`` of scheduled work in any ``within_minutes``, a rolling window).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple


class Booked(NamedTuple):
    """An officer's scheduled shift: [start, end), and what to call it in a message."""

    start: datetime
    end: datetime
    label: str


def overlapping(start: datetime, end: datetime, booked: list[Booked]) -> Booked | None:
    """The first of ``booked`` that shares a minute with [start, end)."""
    return next((b for b in booked if b.start < end and start < b.end), None)


class Excess(NamedTuple):
    """The busiest window found: [start, start + within) holds ``minutes`` of scheduled work."""

    start: datetime
    end: datetime
    minutes: int


def busiest_window(booked: list[Booked], within: timedelta) -> Excess | None:
    """The window of length ``within`` that holds the most scheduled minutes of ``booked`` (None when empty).

    The total is a piecewise-linear function of the window's start, so its maximum is reached where the window
    starts at a shift's start or ends at a shift's end: only those windows are counted.
    """
    best: Excess | None = None
    starts = {b.start for b in booked} | {b.end - within for b in booked}
    for a in sorted(starts):
        z = a + within
        minutes = sum(int((min(b.end, z) - max(b.start, a)).total_seconds()) // 60
                      for b in booked if b.start < z and a < b.end)
        if best is None or minutes > best.minutes:
            best = Excess(a, z, minutes)
    return best


def over_limit(booked: list[Booked], limit_minutes: int, within: timedelta) -> Excess | None:
    """The busiest window if it holds more than ``limit_minutes``; None when the limit is kept."""
    worst = busiest_window(booked, within)
    return worst if worst is not None and worst.minutes > limit_minutes else None
