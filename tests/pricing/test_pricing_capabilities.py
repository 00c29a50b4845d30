"""Every capability of pricing spec section 9, on the made-up agency of ``testville.py``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.pricing import (
    cancellation_fee,
    reduction_fee,
    shift_cancellation_fee,
)
from portal.pricing.holidays import easter_sunday
from tests.pricing.testville import JULY4, REGULAR, WED, lines, make_card, price


def test_several_schedules_and_the_default():
    card = make_card(schedule=REGULAR + """
[schedules.event]
label = "Major event"
[schedules.event.rates.regular]
officer = "55.00"
sergeant = "66.00"
lieutenant = "77.00"
""")
    # default schedule: 2 officers x 6 h x $50 = $600
    assert price(card, [{**WED, "officers": 2}]).total_cents == 60000
    # event schedule: 2 x 6 x $55 = $660
    q = price(card, [{**WED, "officers": 2}], schedule="event")
    assert q.total_cents == 66000 and q.schedule == "event"


REPLACEMENT_TIERS = """
[tiers.holiday]
label = "Holiday"
when = "holiday"
premium = "rates"
[tiers.emergency]
label = "Emergency"
when = "notice"
under_hours = 72
premium = "rates"
[schedules.regular.rates.holiday]
officer = "75.00"
[schedules.regular.rates.emergency]
officer = "80.00"
[[holidays]]
name = "Independence Day"
rule = "fixed"
month = 7
day = 4
"""

def test_replacement_premiums_highest_wins_never_stack():
    card = make_card(REPLACEMENT_TIERS)
    # 25 h notice on a holiday: holiday $75 and emergency $80 both apply, highest wins: 6 h x $80 = $480.
    # The sergeant has no rate in either tier: max(own $60, officer's $75 / $80) -> $80: $480.
    q = price(card, [{**JULY4, "positions": {"officer": 1, "sergeant": 1}}], submitted="2027-07-03T09:00")
    assert [(ln.rank, ln.tier, ln.rate_cents, ln.amount_cents) for ln in lines(q)] == [
        ("officer", "emergency", 8000, 48000), ("sergeant", "emergency", 8000, 48000)]
    assert {n.code for n in q.notices} >= {"emergency_rate", "holiday_rate"}
    # Plenty of notice: holiday only, 6 x $75 = $450.
    q = price(card, [{**JULY4, "officers": 1}], submitted="2027-06-01T09:00")
    assert q.total_cents == 45000 and lines(q)[0].description == "Holiday rate: Independence Day"


def test_holiday_split_at_local_midnight_and_observed_days_do_not_count():
    card = make_card(REPLACEMENT_TIERS)
    # 2027-07-03 22:00 -> 07-04 02:00: 2 h at $50 + 2 h at $75 = $100 + $150 = $250.
    q = price(card, [{"start": "2027-07-03T22:00", "end": "2027-07-04T02:00", "officers": 1}],
              submitted="2027-06-01T09:00")
    assert [(ln.minutes, ln.rate_cents) for ln in lines(q)] == [(120, 5000), (120, 7500)]
    assert q.total_cents == 25000
    # July 4 2027 is a Sunday; Monday July 5 (the federal observed day) is a regular day: 6 x $50.
    q = price(card, [{"start": "2027-07-05T10:00", "end": "2027-07-05T16:00", "officers": 1}],
              submitted="2027-06-01T09:00")
    assert q.total_cents == 30000


def test_multiplier_premium_time_and_a_half():
    card = make_card("""
[tiers.holiday]
label = "Holiday"
when = "holiday"
premium = "multiplier"
multiplier = "1.5"
[[holidays]]
name = "Independence Day"
rule = "fixed"
month = 7
day = 4
""", schedule=REGULAR.replace('"50.00"', '"50.01"'))
    # officer $50.01 x 1.5 = $75.015 -> rate rounded half up to $75.02; 6 h -> $450.12
    # lieutenant $70 x 1.5 = $105; 6 h -> $630
    q = price(card, [{**JULY4, "positions": {"officer": 1, "lieutenant": 1}}], submitted="2027-06-01T09:00")
    assert [(ln.rate_cents, ln.amount_cents) for ln in lines(q)] == [(7502, 45012), (10500, 63000)]


def test_additive_surcharges_stack():
    card = make_card("""
[tiers.short_notice]
label = "Short notice"
when = "notice"
under_hours = 72
premium = "surcharge"
amount = "5.00"
[tiers.holiday]
label = "Holiday"
when = "holiday"
premium = "surcharge"
amount = "10.00"
amounts = { sergeant = "12.00" }
[[holidays]]
name = "Independence Day"
rule = "fixed"
month = 7
day = 4
""")
    # labour: 6 x $50 + 6 x $60 = $660; short notice: 6 x $5 x 2 = $60;
    # holiday: officer 6 x $10 = $60, sergeant 6 x $12 = $72. Total $852.
    q = price(card, [{**JULY4, "positions": {"officer": 1, "sergeant": 1}}], submitted="2027-07-03T09:00")
    prem = sorted((ln.tier, ln.rank, ln.amount_cents) for ln in lines(q, "premium"))
    assert prem == [("holiday", "officer", 6000), ("holiday", "sergeant", 7200),
                    ("short_notice", "officer", 3000), ("short_notice", "sergeant", 3000)]
    assert q.total_cents == 85200


def test_several_notice_thresholds_tightest_applies():
    card = make_card("""
[tiers.week]
label = "Under a week"
when = "notice"
under_hours = 168
premium = "rates"
[tiers.rush]
label = "Rush"
when = "notice"
under_hours = 72
premium = "rates"
[schedules.regular.rates.week]
officer = "55.00"
[schedules.regular.rates.rush]
officer = "65.00"
""")
    shift = [{**WED, "officers": 1}]
    assert price(card, shift, submitted="2027-01-10T10:00").total_cents == 30000  # 240 h: 6 x $50
    assert price(card, shift, submitted="2027-01-16T10:00").total_cents == 33000  # 96 h: 6 x $55
    assert price(card, shift, submitted="2027-01-18T10:00").total_cents == 39000  # 48 h: 6 x $65
    # exactly 72 h before: "under 72 h" does not apply yet -> the week rate
    assert price(card, shift, submitted="2027-01-17T10:00").total_cents == 33000


def test_night_differential_surcharge_window():
    card = make_card("""
[tiers.night]
label = "Night differential"
when = "daily_window"
from = "23:00"
to = "07:00"
premium = "surcharge"
amount = "2.00"
""")
    # 21:00 -> 01:00: 4 h x $50 = $200; 23:00-01:00 inside the window: 2 h x $2 = $4. Total $204.
    q = price(card, [{"start": "2027-01-20T21:00", "end": "2027-01-21T01:00", "officers": 1}])
    assert [(ln.minutes, ln.amount_cents) for ln in lines(q, "premium")] == [(120, 400)]
    assert q.total_cents == 20400


def test_night_window_as_replacement_rate():
    card = make_card("""
[tiers.night]
label = "Night"
when = "daily_window"
from = "23:00"
to = "07:00"
premium = "rates"
[schedules.regular.rates.night]
officer = "60.00"
""")
    # 05:00 -> 09:00: 2 h at $60 (05-07) + 2 h at $50 = $220
    q = price(card, [{"start": "2027-01-20T05:00", "end": "2027-01-20T09:00", "officers": 1}])
    assert [(ln.tier, ln.minutes, ln.rate_cents) for ln in lines(q)] == [("night", 120, 6000), ("regular", 120, 5000)]
    assert q.total_cents == 22000


def test_long_shift_premium_after_ten_hours():
    card = make_card("""
[tiers.long]
label = "Overtime"
when = "after_hours"
after_hours = 10
premium = "multiplier"
multiplier = "1.5"
""")
    # 06:00 -> 18:00: 10 h x $50 = $500, then 2 h x $75 = $150. Total $650.
    q = price(card, [{"start": "2027-01-20T06:00", "end": "2027-01-20T18:00", "officers": 1}])
    assert [(ln.tier, ln.minutes, ln.amount_cents) for ln in lines(q)] == [
        ("regular", 600, 50000), ("long", 120, 15000)]


HOLIDAY_RULES = """
[tiers.holiday]
label = "Holiday"
when = "holiday"
premium = "rates"
[schedules.regular.rates.holiday]
officer = "75.00"
[[holidays]]
name = "Independence Day"
rule = "fixed"
month = 7
day = 4
[[holidays]]
key = "thanksgiving"
name = "Thanksgiving Day"
rule = "nth_weekday"
month = 11
weekday = "thursday"
nth = 4
[[holidays]]
name = "Day after Thanksgiving"
rule = "relative"
relative_to = "thanksgiving"
days = 1
[[holidays]]
name = "Memorial Day"
rule = "last_weekday"
month = 5
weekday = "monday"
[[holidays]]
name = "Good Friday"
rule = "easter"
days = -2
[[holidays]]
name = "City centennial"
rule = "once"
on = 2027-06-15
[[holidays]]
key = "nye"
name = "New Year's Eve"
rule = "fixed"
month = 12
day = 31
[[holidays]]
name = "Day after New Year's Eve"
rule = "relative"
relative_to = "nye"
days = 1
"""


def test_holiday_rules_of_every_kind():
    card = make_card(HOLIDAY_RULES)
    days = card.holidays_in_year(2027)
    assert days[date(2027, 7, 4)] == ("Independence Day",)
    assert days[date(2027, 11, 25)] == ("Thanksgiving Day",)  # 4th Thursday of November 2027
    assert days[date(2027, 11, 26)] == ("Day after Thanksgiving",)
    assert days[date(2027, 5, 31)] == ("Memorial Day",)  # last Monday of May 2027
    assert days[date(2027, 3, 26)] == ("Good Friday",)  # Easter 2027 is 28 March
    assert days[date(2027, 6, 15)] == ("City centennial",)
    assert date(2028, 6, 15) not in card.holidays_in_year(2028)  # one-off
    # relative across New Year: the day after 31 Dec 2027 is 1 Jan 2028
    assert card.holidays_in_year(2028)[date(2028, 1, 1)] == ("Day after New Year's Eve",)
    # priced: Good Friday 2027 10:00-16:00 at the holiday rate, 6 x $75
    q = price(card, [{"start": "2027-03-26T10:00", "end": "2027-03-26T16:00", "officers": 1}])
    assert q.total_cents == 45000


@pytest.mark.parametrize(("year", "expected"), [
    (1818, date(1818, 3, 22)), (2000, date(2000, 4, 23)), (2024, date(2024, 3, 31)),
    (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
    (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22)),
])
def test_easter_computus(year, expected):
    assert easter_sunday(year) == expected


def test_minimum_hours_with_job_type_exception():
    card = make_card("""
[job_types.funeral_escort]
label = "Funeral escort"
minimum_hours = 2
[job_types.security]
label = "Security"
""")
    one_hour = {"start": "2027-01-20T10:00", "end": "2027-01-20T11:00", "officers": 1}
    # 1 h shift billed at the 3 h minimum: $150; the padding is at the end, one piece
    q = price(card, [one_hour])
    assert (lines(q)[0].minutes, q.total_cents) == (180, 15000)
    assert "3-hour minimum applies" in lines(q)[0].description
    # funeral escort: 2 h minimum: $100
    assert price(card, [{**one_hour, "job_type": "funeral_escort"}]).total_cents == 10000
    assert price(card, [{**one_hour, "job_type": "security"}]).total_cents == 15000


@pytest.mark.parametrize(("vehicle", "expected_vehicle_lines", "total"), [
    # per hour $10 with 30 extra minutes: the officer with the vehicle works 4.5 h:
    # labour 4.5 x $50 + 4 x $50 = $425; vehicle 4.5 x $10 = $45. Total $470.
    ('fee = "per_hour"\nrate = "10.00"\nextra_minutes = 30', [(1, 270, 4500)], 47000),
    # first hour $20 then $8 per further hour, no extra minutes: $20 + 3 x $8 = $44 (+ labour $400)
    ('fee = "first_hour"\nfirst_hour = "20.00"\nadditional_hour = "8.00"', [(1, 60, 2000), (1, 180, 2400)], 44400),
    # flat $25 per vehicle per shift
    ('fee = "flat"\nflat = "25.00"', [(1, 240, 2500)], 42500),
])
def test_vehicle_fees(vehicle, expected_vehicle_lines, total):
    card = make_card(f"[vehicle]\n{vehicle}\n")
    q = price(card, [{"start": "2027-01-20T10:00", "end": "2027-01-20T14:00", "officers": 2, "vehicles": 1}])
    assert [(ln.count, ln.minutes, ln.amount_cents) for ln in lines(q, "vehicle")] == expected_vehicle_lines
    assert q.total_cents == total


def test_vehicles_go_to_the_lowest_rank_first():
    card = make_card('[vehicle]\nfee = "per_hour"\nrate = "10.00"\nextra_minutes = 30\n')
    q = price(card, [{**WED, "positions": {"officer": 1, "sergeant": 1}, "vehicles": 1}])
    # officer 6.5 h x $50 = $325, sergeant 6 h x $60 = $360, vehicle 6.5 x $10 = $65
    assert [(ln.rank, ln.minutes) for ln in lines(q, "labour")] == [("officer", 390), ("sergeant", 360)]
    assert q.total_cents == 32500 + 36000 + 6500


SUPERVISORS = """
[[supervisors]]
rule = "nth"
position = 4
rank = "sergeant"
[[supervisors]]
rule = "per"
per = 10
rank = "lieutenant"
"""


@pytest.mark.parametrize(("request_positions", "expected"), [
    ({"officers": 3}, {"officer": 3}),
    ({"officers": 4}, {"officer": 3, "sergeant": 1}),  # the 4th position is a sergeant
    # 12: the 4th is a sergeant (11 + 1), and one lieutenant per 10 below that rank, added on top
    ({"officers": 12}, {"officer": 11, "sergeant": 1, "lieutenant": 1}),
    # a requested lieutenant fills the sergeant requirement (a higher rank can)
    ({"positions": {"officer": 3, "lieutenant": 1}}, {"officer": 3, "lieutenant": 1}),
    ({"positions": {"officer": 20, "sergeant": 1}}, {"officer": 20, "sergeant": 1, "lieutenant": 2}),
])
def test_supervisor_rules(request_positions, expected):
    card = make_card(SUPERVISORS)
    q = price(card, [{**WED, **request_positions}])
    assert dict(q.shifts[0].positions) == expected


def test_per_rule_rounding_up():
    card = make_card('[[supervisors]]\nrule = "per"\nper = 10\nrank = "sergeant"\nrounding = "up"\n')
    assert dict(price(card, [{**WED, "officers": 3}]).shifts[0].positions) == {"officer": 3, "sergeant": 1}


@pytest.mark.parametrize(("admin", "extra_lines", "total"), [
    # per hour $2 on every position-hour: 4 h -> $8 (labour $200)
    ('kind = "per_hour"\nrate = "2.00"', [("admin_fee", 800)], 20800),
    # 10 % of labour: $20
    ('kind = "percent"\npercent = "10"', [("admin_fee", 2000)], 22000),
    # included in the rates: no line at all
    ('kind = "included"\nrate = "2.00"', [], 20000),
])
def test_admin_fee_kinds(admin, extra_lines, total):
    card = make_card(f"[admin_fee]\n{admin}\n")
    q = price(card, [{"start": "2027-01-20T10:00", "end": "2027-01-20T14:00", "officers": 1}])
    assert [(ln.kind, ln.amount_cents) for ln in lines(q) if ln.kind != "labour"] == extra_lines
    assert q.total_cents == total


def test_other_per_hour_charges():
    card = make_card('[charges.workers_comp]\nlabel = "Workers\' compensation"\nper_hour = "1.25"\n')
    # 2 officers x 4 h x $1.25 = $10
    q = price(card, [{"start": "2027-01-20T10:00", "end": "2027-01-20T14:00", "officers": 2}])
    assert [(ln.key, ln.count, ln.minutes, ln.amount_cents) for ln in lines(q, "charge")] == [
        ("workers_comp", 2, 240, 1000)]
    assert q.total_cents == 40000 + 1000


def test_rates_are_minimums_with_offered_rates():
    card = make_card(top="rates_are_minimums = true\n")
    # offered $62.50 for 4 h = $250; the sergeant keeps the regular rate
    q = price(card, [{"start": "2027-01-20T10:00", "end": "2027-01-20T14:00",
                      "positions": {"officer": 1, "sergeant": 1}}], offered_rates={"officer": "62.50"})
    assert [(ln.rank, ln.rate_cents) for ln in lines(q)] == [("officer", 6250), ("sergeant", 6000)]
    assert q.total_cents == 25000 + 24000


def test_selectable_priority_tier():
    card = make_card("""
[tiers.priority]
label = "Priority"
when = "selectable"
premium = "surcharge"
amount = "15.00"
""")
    shift = [{"start": "2027-01-20T10:00", "end": "2027-01-20T14:00", "officers": 1}]
    assert price(card, shift).total_cents == 20000
    # 4 h x $15 on top
    q = price(card, shift, priority="priority")
    assert q.total_cents == 26000 and q.to_dict()["priority"] == "priority"


CANCEL = """
[admin_fee]
kind = "included"
rate = "3.00"
[[cancellation]]
flat_per_booking = "25.00"
[[cancellation]]
within_hours = 168
flat_per_position = "10.00"
[[cancellation]]
within_hours = 48
pay = "minimum"
admin_fee_owed = "first_hours"
admin_fee_hours = 24
[[cancellation]]
within_hours = 12
pay = "full_shift"
"""


def test_cancellation_windows_and_steps():
    card = make_card(CANCEL)
    q = price(card, [{**WED, "officers": 2}])  # labour 2 x 6 x $50 = $600
    at = datetime.fromisoformat
    assert cancellation_fee(q, at("2027-01-05T10:00-07:00")) == 2500  # any time: $25 per booking
    assert cancellation_fee(q, at("2027-01-15T10:00-07:00")) == 2000  # < 7 days: $10 x 2 positions
    # < 48 h: minimum pay 2 x 3 h x $50 = $300 + admin 2 x 6 h x $3 = $36
    assert cancellation_fee(q, at("2027-01-19T10:00-07:00")) == 33600
    assert cancellation_fee(q, at("2027-01-20T00:00-07:00")) == 60000  # < 12 h: the whole shift
    assert cancellation_fee(q, at("2027-01-20T10:00-07:00")) == 0  # started: invoiced, not cancelled
    assert [(s.start and s.start.isoformat(), s.until.isoformat(), s.fee_cents) for s in q.cancellation] == [
        (None, "2027-01-13T10:01:00-07:00", 2500),
        ("2027-01-13T10:01:00-07:00", "2027-01-18T10:01:00-07:00", 2000),
        ("2027-01-18T10:01:00-07:00", "2027-01-19T22:01:00-07:00", 33600),
        ("2027-01-19T22:01:00-07:00", "2027-01-20T10:00:00-07:00", 60000),
    ]
    assert q.deposit_cents == 60000
    # reducing the headcount by one officer 24 h before: 3 h x $50 + 6 h x $3 = $168
    assert reduction_fee(q, 0, {"officer": 1}, at("2027-01-19T10:00-07:00")) == 16800
    assert shift_cancellation_fee(q, 0, at("2027-01-19T10:00-07:00")) == 33600
    with pytest.raises(ValueError):
        reduction_fee(q, 0, {"officer": 3}, at("2027-01-19T10:00-07:00"))


def test_booking_flat_fee_counts_once_for_several_shifts():
    card = make_card(CANCEL)
    q = price(card, [{**WED, "officers": 1},
                     {"start": "2027-01-27T10:00", "end": "2027-01-27T16:00", "officers": 1}])
    assert cancellation_fee(q, datetime(2027, 1, 5, tzinfo=UTC)) == 2500


def test_hours_worked_or_minimum_before_start_is_the_minimum():
    card = make_card('[[cancellation]]\nwithin_hours = 24\npay = "greater_of_worked_and_minimum"\n')
    q = price(card, [{**WED, "officers": 1}])
    assert cancellation_fee(q, datetime.fromisoformat("2027-01-20T09:00-07:00")) == 15000  # 3 h x $50


def test_paid_full_shift_if_released_early_is_carried():
    card = make_card(top="paid_full_shift_if_released_early = true\n")
    assert card.paid_full_shift_if_released_early


SCREENING = """
[jurisdiction]
city = "Testville"
state = "CO"
state_names = ["CO", "Colorado"]
zips = ["80001", "80002"]
restrict = true
source = "page#1"
[screening.casino]
question = "Is it a casino?"
help = "Includes its parking lot."
[[screening.casino.effects]]
effect = "block"
code = "casino"
message = "No casino work."
source = "page#2.a"
[screening.bar]
question = "Is it a bar?"
[[screening.bar.effects]]
effect = "minimum"
minimum_headcount = 4
message = "Bars need 4 officers."
source = "page#2.b"
[[screening.bar.effects]]
effect = "approval"
code = "bar_approval"
approval = "Chief of Police"
message = "The Chief approves bar work."
source = "page#2.c"
[screening.crowd]
question = "Over 1,000 people?"
[[screening.crowd.effects]]
effect = "notice"
code = "crowd"
message = "Expect a staffing review."
"""


def test_screening_effects_with_citations():
    card = make_card(SCREENING)
    shift = [{**WED, "officers": 2}]
    q = price(card, shift, screening={"casino": True})
    assert [(b.code, b.source) for b in q.blocks] == [("casino", "testville.txt, 2.a")]
    q = price(card, shift, screening={"bar": True, "crowd": True, "casino": False})
    assert not q.blocks
    assert dict(q.shifts[0].positions) == {"officer": 4}
    assert [(a.code, a.name) for a in q.approvals] == [("bar_approval", "Chief of Police")]
    assert {"crowd", "bar_approval", "bar_minimum"} <= {n.code for n in q.notices}
    assert q.total_cents == 4 * 6 * 5000


@pytest.mark.parametrize(("location", "blocked", "notice"), [
    ({"city": " testville ", "state": "colorado", "zip": "80001"}, False, False),
    ({"city": "Testville", "state": "CO", "zip": "80999"}, True, False),
    ({"city": "Denver", "state": "CO"}, True, False),
    ({"city": "Testville", "state": "KS"}, True, False),
    ({"city": "Testville"}, False, True),
    (None, False, True),
])
def test_jurisdiction(location, blocked, notice):
    card = make_card(SCREENING)
    extra = {} if location is None else {"location": location}
    q = price(card, [{**WED, "officers": 1}], **extra)
    assert bool(q.blocks) == blocked
    assert any(n.code == "location_unchecked" for n in q.notices) == notice


def test_advisory_notice_period_separate_from_emergency():
    card = make_card(REPLACEMENT_TIERS + '[notice_period]\nhours = 96\nmessage = "Please give 4 days."\n')
    shift = [{**WED, "officers": 1}]
    q = price(card, shift, submitted="2027-01-17T09:00")  # 73 h: advisory notice only
    assert {n.code for n in q.notices} == {"short_notice"} and q.total_cents == 30000
    q = price(card, shift, submitted="2027-01-19T09:00")  # 25 h: both, emergency priced
    assert {"short_notice", "emergency_rate"} <= {n.code for n in q.notices} and q.total_cents == 48000


def test_dst_elapsed_minutes_are_billed():
    card = make_card()
    # Denver springs forward at 02:00 on 2027-03-14: 00:00 -> 05:00 on the wall is 4 h elapsed.
    q = price(card, [{"start": "2027-03-14T00:00", "end": "2027-03-14T05:00", "officers": 1}])
    assert (lines(q)[0].minutes, q.total_cents) == (240, 20000)
    # and falls back on 2027-11-07: 00:00 -> 04:00 on the wall is 5 h elapsed.
    q = price(card, [{"start": "2027-11-07T00:00", "end": "2027-11-07T04:00", "officers": 1}])
    assert (lines(q)[0].minutes, q.total_cents) == (300, 25000)


def test_card_version_is_recorded():
    card = make_card().with_version(7)
    q = price(card, [{**WED, "officers": 1}])
    assert q.rate_card_version == 7 and q.to_dict()["rate_card_version"] == 7
