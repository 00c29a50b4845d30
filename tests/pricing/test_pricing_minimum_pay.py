"""Minimum pay and full-shift fees on cancellation include every rate component in force (issue 11, part 1).

Spec section 4: a position's minimum pay is the minimum hours "at the rate that applies at the shift's start
(its tier at that minute, its offered rate if any, and every additive premium in force at that minute)".
One case per kind of premium; the figures are worked by hand in each row.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.pricing import cancellation_fee, reduction_fee
from tests.pricing.testville import JULY4, WED, make_card, price

HOLIDAY = """
[[holidays]]
name = "Independence Day"
rule = "fixed"
month = 7
day = 4
"""

WINDOWS = """
[[cancellation]]
within_hours = 48
pay = "minimum"
[[cancellation]]
within_hours = 12
pay = "full_shift"
"""

NIGHT = {"start": "2027-01-20T23:00", "end": "2027-01-21T05:00"}

# (card tables, extra card top fields, shift, request extras, minimum pay of one officer, full shift of one officer)
CASES = {
    "replacement rates": (
        '[tiers.holiday]\nwhen = "holiday"\npremium = "rates"\n[schedules.regular.rates.holiday]\n'
        'officer = "75.00"\n' + HOLIDAY, "", JULY4, {},
        3 * 7500, 6 * 7500),
    "multiplier": (
        '[tiers.holiday]\nwhen = "holiday"\npremium = "multiplier"\nmultiplier = "1.5"\n' + HOLIDAY, "", JULY4, {},
        3 * 7500, 6 * 7500),
    # $50 + $10 an hour more on holidays: 3 h x $60 = $180, not 3 h x $50
    "holiday surcharge": (
        '[tiers.holiday]\nwhen = "holiday"\npremium = "surcharge"\namount = "10.00"\n' + HOLIDAY, "", JULY4, {},
        3 * 6000, 6 * 6000),
    # requested 25 h ahead, under 72 h: +$5 an hour: 3 h x $55
    "notice surcharge": (
        '[tiers.rush]\nwhen = "notice"\nunder_hours = 72\npremium = "surcharge"\namount = "5.00"\n', "", WED,
        {"submitted": "2027-01-19T09:00"}, 3 * 5500, 6 * 5500),
    # a night differential in force at the 23:00 start: 3 h x $52; the full shift 23:00-05:00 is all night
    "night window surcharge": (
        '[tiers.night]\nwhen = "daily_window"\nfrom = "23:00"\nto = "07:00"\npremium = "surcharge"\n'
        'amount = "2.00"\n', "", NIGHT, {}, 3 * 5200, 6 * 5200),
    # the employer's chosen priority, +$15 an hour: 3 h x $65
    "selectable surcharge": (
        '[tiers.priority]\nwhen = "selectable"\npremium = "surcharge"\namount = "15.00"\n', "", WED,
        {"priority": "priority"}, 3 * 6500, 6 * 6500),
    # an offered $62.50 plus the holiday's $10: 3 h x $72.50
    "offered rate and surcharge": (
        '[tiers.holiday]\nwhen = "holiday"\npremium = "surcharge"\namount = "10.00"\n' + HOLIDAY,
        "rates_are_minimums = true\n", JULY4, {"offered_rates": {"officer": "62.50"}}, 3 * 7250, 6 * 7250),
    # surcharges stack on a replacement rate: holiday $75 + short notice $5 = $80
    "replacement and surcharge": (
        '[tiers.holiday]\nwhen = "holiday"\npremium = "rates"\n[schedules.regular.rates.holiday]\nofficer = "75.00"\n'
        '[tiers.rush]\nwhen = "notice"\nunder_hours = 72\npremium = "surcharge"\namount = "5.00"\n' + HOLIDAY, "",
        JULY4, {"submitted": "2027-07-03T09:00"}, 3 * 8000, 6 * 8000),
}


def _quote(name: str, officers: int = 2):
    tables, top, shift, extra, _, _ = CASES[name]
    extra = dict(extra)
    submitted = extra.pop("submitted", "2027-01-04T09:00" if shift is not JULY4 else "2027-06-01T09:00")
    card = make_card(tables + WINDOWS, top=top)
    return price(card, [{**shift, "officers": officers}], submitted=submitted, **extra)


@pytest.mark.parametrize("name", CASES)
def test_minimum_pay_uses_every_rate_component_at_the_start(name):
    q = _quote(name)
    start = q.shifts[0].start
    minimum, full = CASES[name][4], CASES[name][5]
    # 24 h before the start: the 48 h window owes the minimum pay of both officers
    assert cancellation_fee(q, start.replace(day=start.day - 1)) == 2 * minimum
    assert reduction_fee(q, 0, {"officer": 1}, start.replace(day=start.day - 1)) == minimum
    # 6 h before: the 12 h window owes the full shift, as quoted (labour and premium lines alike)
    six_before = datetime.fromtimestamp(q.shifts[0].start.timestamp() - 6 * 3600, start.tzinfo)
    assert cancellation_fee(q, six_before) == 2 * full == q.total_cents
    assert reduction_fee(q, 0, {"officer": 1}, six_before) == full


@pytest.mark.parametrize("name", ["holiday surcharge", "notice surcharge", "selectable surcharge"])
def test_percentage_admin_fee_on_cancellation_includes_surcharges(name):
    tables, top, shift, extra, minimum, _ = CASES[name]
    extra = dict(extra)
    submitted = extra.pop("submitted", "2027-01-04T09:00" if shift is not JULY4 else "2027-06-01T09:00")
    card = make_card(tables + '[admin_fee]\nkind = "percent"\npercent = "10"\n[[cancellation]]\nwithin_hours = 48\n'
                     'pay = "minimum"\nadmin_fee_owed = "minimum_hours"\n', top=top)
    q = price(card, [{**shift, "officers": 1}], submitted=submitted, **extra)
    start = q.shifts[0].start
    # the minimum pay plus 10 % of it
    assert cancellation_fee(q, start.replace(day=start.day - 1)) == minimum + minimum // 10
