"""Rule shapes real agencies publish (issue 11, part 2), each on a Testville card with figures worked by hand.

Testville: officer $50.00, sergeant $60.00, lieutenant $70.00 an hour; minimum 3 h; America/Denver.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.pricing import cancellation_fee, check_card, load_card, reduction_fee
from tests.pricing.testville import HEAD, JULY4, REGULAR, SOURCES, WED, lines, make_card, price

at = datetime.fromisoformat

JULY_4TH = """
[[holidays]]
name = "Independence Day"
rule = "fixed"
month = 7
day = 4
"""

HOLIDAY_RATE = """
[schedules.regular.rates.holiday]
officer = "75.00"
"""


# -- a holiday rate for the whole shift (Celina, Texas) ----------------------------------------------------------

WHOLE_SHIFT = '[tiers.holiday]\nwhen = "holiday"\npremium = "rates"\nwhole_shift = true\nsource = "page#Holidays"\n' \
    + HOLIDAY_RATE + JULY_4TH


@pytest.mark.parametrize(("start", "end", "expected"), [
    # 21:00 on 3 July to 01:00 on 4 July: one scheduled hour on the holiday prices all 4 h at $75 = $300
    ("2027-07-03T21:00", "2027-07-04T01:00", [("holiday", 240, 7500, 30000)]),
    # 18:00-23:00 on 3 July: no holiday minute: 5 h x $50
    ("2027-07-03T18:00", "2027-07-03T23:00", [("regular", 300, 5000, 25000)]),
    # 22:00-23:00 on 3 July: the 3 h minimum pads to 01:00 on the 4th, but no *scheduled* minute is on the
    # holiday: regular, 3 h x $50
    ("2027-07-03T22:00", "2027-07-03T23:00", [("regular", 180, 5000, 15000)]),
])
def test_whole_shift_holiday(start, end, expected):
    q = price(make_card(WHOLE_SHIFT), [{"start": start, "end": end, "officers": 1}], submitted="2027-06-01T09:00")
    assert [(ln.tier, ln.minutes, ln.rate_cents, ln.amount_cents) for ln in lines(q)] == expected
    if expected[0][0] == "holiday":
        assert lines(q)[0].description == "Holiday rate, whole shift: Independence Day"
        n = next(n for n in q.notices if n.code == "holiday_rate")
        assert "to the whole shift" in n.message and n.source == "testville.txt, Holidays"


def test_minute_level_holiday_is_unchanged_beside_it():
    card = make_card(WHOLE_SHIFT.replace("whole_shift = true\n", ""))
    q = price(card, [{"start": "2027-07-03T21:00", "end": "2027-07-04T01:00", "officers": 1}],
              submitted="2027-06-01T09:00")
    assert q.total_cents == 3 * 5000 + 7500


# -- holiday periods starting at a time of day (Scottsdale, Arizona) --------------------------------------------

EVES = '[tiers.holiday]\nwhen = "holiday"\npremium = "rates"\n' + HOLIDAY_RATE + """
[[holidays]]
name = "Christmas Eve"
rule = "fixed"
month = 12
day = 24
from = "17:00"
[[holidays]]
name = "Christmas Day"
rule = "fixed"
month = 12
day = 25
[[holidays]]
name = "Late shift on the 26th"
rule = "fixed"
month = 12
day = 26
from = "22:00"
to = "02:00"
"""


@pytest.mark.parametrize(("start", "end", "expected", "total"), [
    # 15:00-19:00 on Christmas Eve: 2 h x $50 before 17:00, 2 h x $75 after
    ("2027-12-24T15:00", "2027-12-24T19:00", [(120, 5000), (120, 7500)], 25000),
    # 20:00 on the 24th to 02:00 on the 25th: all holiday (the eve's period runs into Christmas Day): 6 h x $75
    ("2027-12-24T20:00", "2027-12-25T02:00", [(360, 7500)], 45000),
    # a period crossing midnight, 22:00 on the 26th to 02:00 on the 27th: 21:00-04:00 is 1 h + 4 h + 2 h
    ("2027-12-26T21:00", "2027-12-27T04:00", [(60, 5000), (240, 7500), (120, 5000)], 5000 + 30000 + 10000),
])
def test_holiday_period_from_a_time_of_day(start, end, expected, total):
    q = price(make_card(EVES), [{"start": start, "end": end, "officers": 1}], submitted="2027-11-01T09:00")
    assert [(ln.minutes, ln.rate_cents) for ln in lines(q)] == expected
    assert q.total_cents == total


# -- blocked dates (Isle of Palms, South Carolina) ---------------------------------------------------------------

BLOCKED = """
[[blocked_dates]]
name = "Independence Day"
rule = "fixed"
month = 7
day = 4
message = "Testville officers take no off-duty work on the Fourth of July."
source = "page#Blackout"
"""


def test_blocked_date_refuses_the_shift_with_its_reason():
    card = make_card(BLOCKED)
    q = price(card, [{**JULY4, "officers": 1}], submitted="2027-06-01T09:00")
    assert [(b.code, b.message, b.source) for b in q.blocks] == [
        ("blocked_date", "Testville officers take no off-duty work on the Fourth of July.", "testville.txt, Blackout")]
    q = price(card, [{"start": "2027-07-03T10:00", "end": "2027-07-03T16:00", "officers": 1},
                     {"start": "2027-07-03T22:00", "end": "2027-07-04T02:00", "officers": 1}],
              submitted="2027-06-01T09:00")
    assert [(b.code, b.shifts) for b in q.blocks] == [("blocked_date", (1,))]
    assert "Shift 2 falls on it" in q.blocks[0].message
    assert not price(card, [{**WED, "officers": 1}]).blocks


# -- repeating supervisor rules (Charleston; "every 5th officer"; a lieutenant per 2 supervisors) -----------------

@pytest.mark.parametrize(("rules", "officers", "expected"), [
    # the 4th officer is a sergeant, then one more for each further 10 (the 14th, 24th, ...)
    ('rule = "nth"\nposition = 4\nevery = 10\nrank = "sergeant"', 3, {"officer": 3}),
    ('rule = "nth"\nposition = 4\nevery = 10\nrank = "sergeant"', 4, {"officer": 3, "sergeant": 1}),
    ('rule = "nth"\nposition = 4\nevery = 10\nrank = "sergeant"', 13, {"officer": 12, "sergeant": 1}),
    ('rule = "nth"\nposition = 4\nevery = 10\nrank = "sergeant"', 14, {"officer": 12, "sergeant": 2}),
    ('rule = "nth"\nposition = 4\nevery = 10\nrank = "sergeant"', 24, {"officer": 21, "sergeant": 3}),
    # every 5th officer is a sergeant: one rule, not one per multiple
    ('rule = "nth"\nposition = 5\nevery = 5\nrank = "sergeant"', 9, {"officer": 8, "sergeant": 1}),
    ('rule = "nth"\nposition = 5\nevery = 5\nrank = "sergeant"', 10, {"officer": 8, "sergeant": 2}),
    ('rule = "nth"\nposition = 5\nevery = 5\nrank = "sergeant"', 200, {"officer": 160, "sergeant": 40}),
    # one sergeant per 3 officers, on top
    ('rule = "per"\nper = 3\nrank = "sergeant"', 7, {"officer": 7, "sergeant": 2}),
])
def test_repeating_supervisor_rules(rules, officers, expected):
    card = make_card(f"[[supervisors]]\n{rules}\n")
    assert dict(price(card, [{**WED, "officers": officers}]).shifts[0].positions) == expected


RANK_COUNT = """
[[supervisors]]
rule = "per"
per = 3
rank = "sergeant"
[[supervisors]]
rule = "rank_count"
rank = "lieutenant"
of = "sergeant"
at_least = 2
source = "page#Supervision"
"""


@pytest.mark.parametrize(("request_positions", "expected"), [
    ({"officers": 5}, {"officer": 5, "sergeant": 1}),  # one sergeant: no lieutenant
    ({"officers": 6}, {"officer": 6, "sergeant": 2, "lieutenant": 1}),  # two sergeants: a lieutenant on top
    # a requested lieutenant fills one of the two supervisor places (a higher rank fills a lower rank's
    # requirement), so one sergeant is added and the lieutenant rule does not apply
    ({"positions": {"officer": 6, "lieutenant": 1}}, {"officer": 6, "sergeant": 1, "lieutenant": 1}),
])
def test_a_rank_required_by_a_count_of_another(request_positions, expected):
    q = price(make_card(RANK_COUNT), [{**WED, **request_positions}])
    assert dict(q.shifts[0].positions) == expected
    if expected.get("lieutenant") and "officers" in request_positions:
        assert any("2 or more sergeant positions" in x and "testville.txt, Supervision" in x
                   for x in q.shifts[0].explanations)


# -- a staffing minimum that raises the headcount from attendance ------------------------------------------------

ATTENDANCE = """
[attendance_minimum]
attendees_per_officer = 100
source = "page#Staffing"
"""


@pytest.mark.parametrize(("attendance", "officers", "expected"), [
    (950, 2, 10),  # ceil(950 / 100) = 10 officers
    (1000, 2, 10),
    (1001, 12, 12),  # 11 needed, 12 asked for
    (None, 2, 2),  # no attendance given: nothing to raise
])
def test_attendance_raises_the_headcount(attendance, officers, expected):
    venue = {} if attendance is None else {"venue": {"attendance": attendance}}
    q = price(make_card(ATTENDANCE), [{**WED, "officers": officers}], **venue)
    assert q.shifts[0].headcount == expected
    assert q.total_cents == expected * 6 * 5000
    raised = [n for n in q.notices if n.code == "attendance_minimum"]
    assert bool(raised) == (expected > officers)
    if raised:
        assert raised[0].source == "testville.txt, Staffing" and f"{attendance:,} attendees" in raised[0].message


# -- an administration fee per job (Honolulu) and percentage charges ---------------------------------------------

PER_JOB = """
[admin_fee]
kind = "per_job"
first_position = "14.00"
each_additional = "2.00"
source = "page#Fees"
[[cancellation]]
within_hours = 48
pay = "minimum"
admin_fee_owed = "per_job"
"""


def test_admin_fee_per_job():
    q = price(make_card(PER_JOB), [{"start": "2027-01-20T10:00", "end": "2027-01-20T14:00", "officers": 4}])
    # labour 4 x 4 h x $50 = $800; the job's fee $14 + 3 x $2 = $20
    admin = lines(q, "admin_fee")
    assert [(ln.count, ln.amount_cents, ln.unit) for ln in admin] == [(4, 2000, "per_shift")]
    assert "$14.00 for the first position" in admin[0].description
    assert q.total_cents == 80000 + 2000
    assert q.to_dict()["admin_fee"]["first_position_cents"] == 1400
    day_before = at("2027-01-19T10:00-07:00")
    # whole shift: minimum pay 4 x 3 h x $50 = $600 + the job's fee $20; one position less: $150 + $2
    assert cancellation_fee(q, day_before) == 60000 + 2000
    assert reduction_fee(q, 0, {"officer": 1}, day_before) == 15000 + 200


def test_percentage_charges_beside_the_admin_fee():
    card = make_card("""
[admin_fee]
kind = "percent"
percent = "10"
[charges.workers_comp]
label = "Workers' compensation"
percent = "5"
source = "page#Fees"
[charges.radio]
label = "Radio"
per_hour = "1.25"
""")
    q = price(card, [{"start": "2027-01-20T10:00", "end": "2027-01-20T14:00", "officers": 1}])
    # labour 4 h x $50 = $200; admin 10 % = $20; workers' comp 5 % of labour (not of the admin fee) = $10;
    # radio 4 h x $1.25 = $5
    assert [(ln.kind, ln.key, ln.amount_cents, ln.unit) for ln in lines(q) if ln.kind != "labour"] == [
        ("admin_fee", None, 2000, "percent"), ("charge", "workers_comp", 1000, "percent"),
        ("charge", "radio", 500, "per_hour")]
    assert lines(q, "charge")[0].description == "Workers' compensation: 5 % of labour"
    assert q.total_cents == 20000 + 2000 + 1000 + 500


# -- a vehicle with its own minimum (Mount Pleasant) --------------------------------------------------------------

def test_vehicle_minimum():
    card = make_card('[vehicle]\nfee = "per_hour"\nrate = "50.00"\nminimum_hours = 3\n')
    q = price(card, [{"start": "2027-01-20T10:00", "end": "2027-01-20T11:00", "officers": 2, "vehicles": 1}])
    # labour 2 x 3 h (minimum) x $50 = $300; the vehicle 3 h x $50 = $150
    assert [(ln.count, ln.minutes, ln.amount_cents) for ln in lines(q, "vehicle")] == [(1, 180, 15000)]
    q = price(card, [{"start": "2027-01-20T10:00", "end": "2027-01-20T15:00", "officers": 1, "vehicles": 1}])
    # 5 h worked: the vehicle follows its position, 5 h x $50 = $250
    assert [(ln.minutes, ln.amount_cents) for ln in lines(q, "vehicle")] == [(300, 25000)]


def test_vehicle_minimum_longer_than_the_labour_minimum():
    text = HEAD.replace("minimum_hours = 3", "minimum_hours = 2") + SOURCES + REGULAR + \
        '[vehicle]\nfee = "per_hour"\nrate = "50.00"\nminimum_hours = 3\n'
    card = load_card(text)
    q = price(card, [{"start": "2027-01-20T10:00", "end": "2027-01-20T12:00", "officers": 1, "vehicles": 1}])
    # labour 2 h x $50 = $100; the vehicle 3 h x $50 = $150
    assert [(ln.kind, ln.minutes, ln.amount_cents) for ln in lines(q)] == [("labour", 120, 10000),
                                                                            ("vehicle", 180, 15000)]
    assert "3-hour vehicle minimum" in lines(q, "vehicle")[0].description


# -- business days (Oro Valley: notice 3 business days, cancellation 1) ------------------------------------------

BUSINESS = """
[tiers.short]
label = "Short notice"
when = "notice"
under_business_days = 3
premium = "rates"
source = "page#Notice"
[schedules.regular.rates.short]
officer = "65.00"
[[cancellation]]
within_business_days = 1
pay = "minimum"
source = "page#Cancellation"
"""

MONDAY = {"start": "2027-01-25T10:00", "end": "2027-01-25T14:00", "officers": 1}  # Monday 25 January 2027


@pytest.mark.parametrize(("holiday", "submitted", "rate"), [
    # 3 business days before Monday 10:00 is Wednesday 10:00 (Thu, Wed... counting back over the weekend)
    ("", "2027-01-20T10:00", 5000),  # exactly then: not under
    ("", "2027-01-20T10:01", 6500),
    ("", "2027-01-19T10:00", 5000),
    # with Friday 22 January a holiday, the third business day back is Tuesday 19 January
    ('[[holidays]]\nname = "Founders Day"\nrule = "once"\non = 2027-01-22\n', "2027-01-19T10:01", 6500),
    ('[[holidays]]\nname = "Founders Day"\nrule = "once"\non = 2027-01-22\n', "2027-01-19T10:00", 5000),
])
def test_short_notice_in_business_days(holiday, submitted, rate):
    tiers = '[tiers.holiday]\nwhen = "holiday"\npremium = "surcharge"\namount = "0.00"\n' if holiday else ""
    card = make_card(BUSINESS + holiday + tiers)
    q = price(card, [MONDAY], submitted=submitted)
    assert lines(q)[0].rate_cents == rate
    if rate == 6500:
        n = next(n for n in q.notices if n.code == "short_rate")
        assert "3 business days" in n.message and n.source == "testville.txt, Notice"


def test_cancellation_window_in_business_days():
    q = price(make_card(BUSINESS), [MONDAY], submitted="2027-01-04T09:00")
    # 1 business day before Monday 10:00 is Friday 10:00: from 10:01 the minimum pay is owed, 3 h x $50
    assert cancellation_fee(q, at("2027-01-22T10:00-07:00")) == 0
    assert cancellation_fee(q, at("2027-01-22T10:01-07:00")) == 15000
    assert [(s.until.isoformat(), s.fee_cents) for s in q.cancellation] == [
        ("2027-01-22T10:01:00-07:00", 0), ("2027-01-25T10:00:00-07:00", 15000)]


# -- notice tiers with conditions (Honolulu) ----------------------------------------------------------------------

CONDITIONAL = """
[tiers.large_rush]
label = "Large request, short notice"
when = "notice"
under_hours = 336
premium = "surcharge"
amount = "10.00"
source = "page#Large events"
[tiers.large_rush.only_if]
headcount_at_least = 10
attendance_over = 900
"""


@pytest.mark.parametrize(("officers", "attendance", "submitted", "applies"), [
    (9, None, "2027-01-10T10:00", False),  # 10 days ahead but 9 officers and no crowd
    (10, None, "2027-01-10T10:00", True),  # 10 officers
    (2, 901, "2027-01-10T10:00", True),  # more than 900 attendees
    (2, 900, "2027-01-10T10:00", False),
    (10, None, "2027-01-05T10:00", False),  # 15 days ahead
])
def test_conditional_notice_tier(officers, attendance, submitted, applies):
    venue = {} if attendance is None else {"venue": {"attendance": attendance}}
    q = price(make_card(CONDITIONAL), [{**WED, "officers": officers}], submitted=submitted, **venue)
    # the surcharge: officers x 6 h x $10
    assert sum(ln.amount_cents for ln in lines(q, "premium")) == (officers * 6 * 1000 if applies else 0)
    assert any(n.code == "large_rush_rate" for n in q.notices) == applies


# -- a tier both required (short notice) and selectable (Casa Grande's priority rates) ---------------------------

PRIORITY = """
[tiers.priority]
label = "Priority"
when = "notice"
under_hours = 72
selectable = true
premium = "rates"
[schedules.regular.rates.priority]
officer = "70.00"
"""


@pytest.mark.parametrize(("submitted", "priority", "rate", "words"), [
    ("2027-01-10T10:00", None, 5000, "Regular rate"),
    ("2027-01-10T10:00", "priority", 7000, "Priority rate (priority chosen)"),
    ("2027-01-19T10:00", None, 7000, "Priority rate: requested 24 h before the start (under 72 hours)"),
    ("2027-01-19T10:00", "priority", 7000, "Priority rate: requested 24 h before the start (under 72 hours)"),
])
def test_tier_required_by_notice_and_selectable(submitted, priority, rate, words):
    extra = {"priority": priority} if priority else {}
    q = price(make_card(PRIORITY), [{**WED, "officers": 1}], submitted=submitted, **extra)
    assert (lines(q)[0].rate_cents, lines(q)[0].description) == (rate, words)


# -- floating religious holidays from a calendar library (Paradise Valley, Arizona) ------------------------------

def test_calendar_holidays():
    card = make_card('[tiers.holiday]\nwhen = "holiday"\npremium = "rates"\n' + HOLIDAY_RATE + """
[[holidays]]
name = "Rosh Hashanah"
rule = "calendar"
calendar = "hebrew"
holiday = "rosh_hashanah"
[[holidays]]
key = "yom_kippur"
name = "Yom Kippur"
rule = "calendar"
calendar = "hebrew"
holiday = "yom_kippur"
[[holidays]]
name = "Kol Nidre"
rule = "relative"
relative_to = "yom_kippur"
days = -1
from = "17:00"
""")
    # Yom Kippur 2027 is Monday 11 October; Rosh Hashanah 2027 Saturday 2 October; in 2028 Yom Kippur is 30 September
    days = card.holidays_in_year(2027)
    assert days[datetime(2027, 10, 11).date()] == ("Yom Kippur",)
    assert days[datetime(2027, 10, 2).date()] == ("Rosh Hashanah",)
    assert card.holidays_in_year(2028)[datetime(2028, 9, 30).date()] == ("Yom Kippur",)
    # Sunday 10 October 15:00-19:00: 2 h regular, then Kol Nidre from 17:00: 2 x $50 + 2 x $75
    q = price(card, [{"start": "2027-10-10T15:00", "end": "2027-10-10T19:00", "officers": 1}])
    assert q.total_cents == 25000


# -- located problems for every new field --------------------------------------------------------------------------

@pytest.mark.parametrize(("tables", "location", "words"), [
    ('[tiers.x]\nwhen = "notice"\npremium = "surcharge"\namount = "1.00"\n', "tiers.x.under_hours", "one of them"),
    ('[tiers.x]\nwhen = "notice"\nunder_hours = 2\nunder_business_days = 2\npremium = "surcharge"\namount = "1.00"\n',
     "tiers.x.under_hours", "one of them"),
    ('[tiers.x]\nwhen = "notice"\nunder_hours = 2\npremium = "surcharge"\namount = "1.00"\n[tiers.x.only_if]\n'
     'crowd = 5\n', "tiers.x.only_if.crowd", "unknown field"),
    ('[tiers.x]\nwhen = "notice"\nunder_hours = 2\npremium = "surcharge"\namount = "1.00"\n[tiers.x.only_if]\n',
     "tiers.x.only_if", "headcount_at_least"),
    ('[tiers.x]\nwhen = "holiday"\npremium = "multiplier"\nmultiplier = "1.5"\n[[holidays]]\nname = "A"\n'
     'rule = "fixed"\nmonth = 1\nday = 1\nfrom = "5pm"\n', "holidays[0].from", "23:00"),
    ('[tiers.x]\nwhen = "holiday"\npremium = "multiplier"\nmultiplier = "1.5"\n[[holidays]]\nname = "A"\n'
     'rule = "calendar"\ncalendar = "mayan"\nholiday = "x"\n', "holidays[0].calendar", "expected one of"),
    ('[tiers.x]\nwhen = "holiday"\npremium = "multiplier"\nmultiplier = "1.5"\n[[holidays]]\nname = "A"\n'
     'rule = "calendar"\ncalendar = "hebrew"\nholiday = "christmas"\n', "holidays[0].holiday", "yom_kippur"),
    ('[[blocked_dates]]\nname = "A"\nrule = "fixed"\nmonth = 2\nday = 30\n', "blocked_dates[0].day", "no 2/30"),
    ('[[blocked_dates]]\nname = "A"\nrule = "relative"\nrelative_to = "nope"\ndays = 1\n',
     "blocked_dates[0].relative_to", "unknown key"),
    ('[[blocked_dates]]\nname = "A"\nrule = "fixed"\nmonth = 7\nday = 4\nsource = "nowhere"\n',
     "blocked_dates[0].source", "unknown source"),
    ('[[supervisors]]\nrule = "nth"\nposition = 4\nevery = 0\nrank = "sergeant"\n', "supervisors[0].every",
     "from 1"),
    ('[[supervisors]]\nrule = "rank_count"\nrank = "lieutenant"\nat_least = 2\n', "supervisors[0].of", "required"),
    ('[[supervisors]]\nrule = "rank_count"\nrank = "lieutenant"\nof = "general"\nat_least = 2\n',
     "supervisors[0].of", "unknown rank"),
    ('[attendance_minimum]\nplus = 1\n', "attendance_minimum.attendees_per_officer", "required"),
    ('[admin_fee]\nkind = "per_job"\neach_additional = "2.00"\n', "admin_fee.first_position", "required"),
    ('[admin_fee]\nkind = "per_hour"\nrate = "2.00"\n[[cancellation]]\nadmin_fee_owed = "per_job"\n',
     "cancellation[0].admin_fee_owed", "per-job"),
    ('[charges.x]\nlabel = "X"\n', "charges.x.per_hour", "percent"),
    ('[charges.x]\nlabel = "X"\npercent = "five"\n', "charges.x.percent", "percentage"),
    ('[vehicle]\nfee = "per_hour"\nrate = "5.00"\nminimum_hours = "x"\n', "vehicle.minimum_hours", "hours"),
    ('[[cancellation]]\nwithin_hours = 24\nwithin_business_days = 1\n', "cancellation[0].within_business_days",
     "not both"),
    ('[[cancellation]]\nwithin_business_days = 1\n[[cancellation]]\nwithin_business_days = 1\n',
     "cancellation[1].within_business_days", "same length"),
    ('[notice_period]\nmessage = "m"\n', "notice_period.hours", "one of them"),
    ('[full_shift]\nif_worked_over_percent = 100\n', "full_shift.if_worked_over_percent", "from 1 to 99"),
])
def test_new_fields_report_located_problems(tables, location, words):
    text = HEAD + SOURCES + REGULAR + tables
    problems = check_card(text)
    assert any(p.location == location and words in p.message for p in problems), problems


def test_full_shift_said_twice_is_refused():
    text = HEAD + "paid_full_shift_if_released_early = true\n" + SOURCES + REGULAR + \
        "[full_shift]\nif_released_early = true\n"
    assert any(p.location == "paid_full_shift_if_released_early" for p in check_card(text))


# -- properties over a card using most of the new shapes ------------------------------------------------------------

MIXED = make_card("""
[tiers.short]
when = "notice"
under_business_days = 3
premium = "rates"
[schedules.regular.rates.short]
officer = "65.00"
[tiers.holiday]
when = "holiday"
premium = "surcharge"
amount = "10.00"
whole_shift = true
[tiers.night]
when = "daily_window"
from = "22:00"
to = "06:00"
premium = "multiplier"
multiplier = "1.25"
""" + JULY_4TH + """
[[holidays]]
name = "Christmas Eve"
rule = "fixed"
month = 12
day = 24
from = "17:00"
[admin_fee]
kind = "per_job"
first_position = "14.00"
each_additional = "2.00"
[[cancellation]]
flat_per_position = "5.00"
[[cancellation]]
within_business_days = 1
pay = "minimum"
admin_fee_owed = "per_job"
[[cancellation]]
within_hours = 12
pay = "minimum"
admin_fee_owed = "per_job"
flat_per_position = "20.00"
[attendance_minimum]
attendees_per_officer = 100
[[supervisors]]
rule = "nth"
position = 4
every = 10
rank = "sergeant"
""")


# (Not a full_shift window after a minimum-pay one: minimum pay is at the start's rate for all the minimum hours,
# spec section 4, so a short night shift whose minimum runs past 06:00 owes less in full than as a minimum.)
@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60 * 24 * 60), st.integers(60, 40 * 24 * 60), st.integers(15, 24 * 60), st.integers(1, 30),
       st.sampled_from([None, 300, 2500]))
def test_mixed_card_properties(submitted_offset, lead, length, officers, attendance):
    submitted = datetime(2027, 6, 1, 8, 0, tzinfo=MIXED.zone) + timedelta(minutes=submitted_offset)
    start = submitted + timedelta(minutes=lead)
    end = start + timedelta(minutes=length)
    venue = {} if attendance is None else {"venue": {"attendance": attendance}}
    q = price(MIXED, [{"start": start.strftime("%Y-%m-%dT%H:%M"), "end": end.strftime("%Y-%m-%dT%H:%M"),
                       "officers": officers}], submitted=submitted.isoformat(), **venue)
    s = q.shifts[0]
    assert s.total_cents == sum(ln.amount_cents for ln in s.lines) == q.total_cents
    assert 0 <= q.deposit_cents <= q.total_cents
    fees = [cancellation_fee(q, s.start - timedelta(minutes=m)) for m in (20000, 5000, 2000, 700, 60, 1)]
    assert fees == sorted(fees)
    for step in q.cancellation:
        probe = step.until - timedelta(minutes=1) if step.start is None else step.start
        assert cancellation_fee(q, probe) == step.fee_cents
