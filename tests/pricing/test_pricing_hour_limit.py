"""The card's ``[hour_limit]``: the most an officer may be scheduled in a rolling window (KCPD: 16 hours in 24)."""

from __future__ import annotations

import pytest

from portal.pricing import check_card, load_card, load_seed_card
from tests.pricing.test_pricing_cards import MINIMAL

SOURCE = '\n[sources.page]\ntitle = "Rules"\nfile = "rules.txt"\n'


def test_kcpd_ships_its_16_hours_in_a_24_hour_work_day():
    limit = load_seed_card("kcpd").hour_limit
    assert (limit.minutes, limit.within_minutes) == (16 * 60, 24 * 60)
    assert limit.source == "kcpd-policy-630-9-secondary-employment.txt, IV.A.12" and "16 hours" in limit.message
    assert load_seed_card("mesa").hour_limit is None


def test_the_window_defaults_to_24_hours_and_may_hold_fractions():
    card = load_card(MINIMAL + SOURCE + '[hour_limit]\nhours = "12.5"\nmessage = "At most 12.5 h a day."\n'
                                        'source = "page#Limits"\n')
    assert (card.hour_limit.minutes, card.hour_limit.within_minutes) == (750, 1440)
    assert card.hour_limit.source == "rules.txt, Limits"
    weekly = load_card(MINIMAL + "[hour_limit]\nhours = 30\nwithin_hours = 168\n").hour_limit
    assert (weekly.minutes, weekly.within_minutes) == (1800, 10080)


@pytest.mark.parametrize(("table", "location", "words"), [
    ("[hour_limit]\nwithin_hours = 24\n", "hour_limit.hours", "required"),
    ("[hour_limit]\nhours = 0\n", "hour_limit.hours", "between"),
    ("[hour_limit]\nhours = 20\nwithin_hours = 12\n", "hour_limit.hours", "more than the 12 hours"),
    ("[hour_limit]\nhours = 16\nwithin_hours = 169\n", "hour_limit.within_hours", "between 1 and 168"),
    ("[hour_limit]\nhours = 16.5\n", "hour_limit.hours", "in quotes"),
    ("[hour_limit]\nhours = 16\nper_day = true\n", "hour_limit.per_day", "unknown field"),
    ("[hour_limit]\nhours = 16\nsource = \"nowhere\"\n", "hour_limit.source", "unknown source"),
])
def test_problems_are_reported_where_they_are(table, location, words):
    problems = check_card(MINIMAL + table)
    assert any(p.location == location and words in p.message for p in problems), problems


def test_a_number_instead_of_the_table():
    problems = check_card("hour_limit = 16\n" + MINIMAL)
    assert ("hour_limit", "expected a table, got 16") in [(p.location, p.message) for p in problems]
