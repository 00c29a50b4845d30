"""Overlapping shifts and the hour limit in any rolling window, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.staffing.limits import Booked, busiest_window, over_limit, overlapping

T0 = datetime(2026, 12, 12, 0, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def shift(start_h: float, hours: float, label: str = "") -> Booked:
    start = T0 + timedelta(hours=start_h)
    return Booked(start, start + timedelta(hours=hours), label or f"{start_h}+{hours}")


def test_overlap_is_a_shared_minute():
    booked = [shift(8, 4, "morning")]
    assert overlapping(T0 + timedelta(hours=11), T0 + timedelta(hours=13), booked).label == "morning"
    assert overlapping(T0 + timedelta(hours=12), T0 + timedelta(hours=14), booked) is None  # back to back
    assert overlapping(T0 + timedelta(hours=4), T0 + timedelta(hours=8), booked) is None


def test_sixteen_hours_in_any_twenty_four():
    # 08:00-16:00 today and 22:00-06:00 tonight: 16 hours from 08:00 to 08:00 -- allowed
    booked = [shift(8, 8), shift(22, 8)]
    assert busiest_window(booked, DAY).minutes == 16 * 60
    assert over_limit(booked, 16 * 60, DAY) is None
    # one more hour at 06:00 the next morning: the 24 hours from 08:00 hold 8 + 8 + 1 = 17
    worst = over_limit([*booked, shift(30, 1)], 16 * 60, DAY)
    assert worst is not None and worst.minutes == 17 * 60
    assert worst.end - worst.start == DAY
    # a shift a day and a half later is outside every window with the others
    assert over_limit([*booked, shift(40, 8)], 16 * 60, DAY) is None


def brute_force(booked: list[Booked], within: timedelta) -> int:
    """The busiest window found minute by minute over the whole span."""
    first = min(b.start for b in booked) - within
    last = max(b.end for b in booked)
    best, t = 0, first
    while t <= last:
        z = t + within
        best = max(best, sum(int((min(b.end, z) - max(b.start, t)).total_seconds()) // 60
                             for b in booked if b.start < z and t < b.end))
        t += timedelta(minutes=15)
    return best


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4 * 24 * 4), st.integers(1, 16 * 4)), min_size=1, max_size=5),
       st.sampled_from([8, 24, 48]))
def test_the_busiest_window_is_found_without_trying_every_minute(shifts, within_hours):
    booked = [shift(start / 4, length / 4) for start, length in shifts]  # quarter hours
    within = timedelta(hours=within_hours)
    assert busiest_window(booked, within).minutes == brute_force(booked, within)
