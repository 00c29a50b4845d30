"""Billed minutes of a worked position (spec section 6), for the invoice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.pricing import load_seed_card
from portal.pricing.invoice import billed_minutes, vehicle_minutes
from tests.pricing.testville import make_card

PLAIN = make_card()  # minimum 3 h, no full-shift rule
RELEASED = make_card(top="paid_full_shift_if_released_early = true\n")
OVER_HALF = make_card('[full_shift]\nif_worked_over_percent = 50\nsource = "page#Invoice"\n'
                      '[vehicle]\nfee = "per_hour"\nrate = "10.00"\nextra_minutes = 30\nminimum_hours = 4\n')


@pytest.mark.parametrize(("card", "scheduled", "worked", "vehicle", "minimum", "expected"), [
    (PLAIN, 360, 360, False, None, 360),
    (PLAIN, 360, 60, False, None, 180),  # the 3 h minimum
    (PLAIN, 360, 60, False, 120, 120),  # a job type's 2 h minimum
    (PLAIN, 360, 400, False, None, 400),  # past the scheduled end: billed
    (PLAIN, 360, 240, False, None, 240),  # released early, no rule: what was worked
    (RELEASED, 360, 240, False, None, 360),  # released early: the full shift
    (RELEASED, 360, 60, False, None, 360),
    (OVER_HALF, 360, 180, False, None, 180),  # exactly half: not more than half
    (OVER_HALF, 360, 181, False, None, 360),  # more than half: the full shift
    (OVER_HALF, 360, 181, True, None, 390),  # ... plus the vehicle's 30 minutes
    (OVER_HALF, 360, 100, True, None, 180),  # less than half: max(3 h, 100 + 30 min)
])
def test_billed_minutes(card, scheduled, worked, vehicle, minimum, expected):
    assert billed_minutes(card, scheduled=scheduled, worked=worked, vehicle=vehicle, minimum=minimum) == expected


def test_vehicle_minutes_and_the_seed_card():
    assert vehicle_minutes(OVER_HALF, 180) == 240 and vehicle_minutes(OVER_HALF, 300) == 300
    wvc = load_seed_card("west-valley-city")  # paid the full shift if released early, minimum 2 h
    assert billed_minutes(wvc, scheduled=480, worked=180) == 480
    with pytest.raises(ValueError):
        billed_minutes(wvc, scheduled=0, worked=10)


@given(st.sampled_from([PLAIN, RELEASED, OVER_HALF]), st.integers(1, 1440), st.integers(0, 1440),
       st.integers(0, 1440), st.booleans())
def test_more_work_never_bills_less(card, scheduled, worked, more, vehicle):
    a = billed_minutes(card, scheduled=scheduled, worked=worked, vehicle=vehicle)
    b = billed_minutes(card, scheduled=scheduled, worked=worked + more, vehicle=vehicle)
    assert worked <= a <= b
    assert a >= card.minimum_minutes
