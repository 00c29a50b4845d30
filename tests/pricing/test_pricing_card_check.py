"""A format an administrator can write (issue 11 part 3): a key under the wrong table explained once, warnings
that do not fail the check (a tier nothing can trigger, a one-off date in the past or passing soon, a field the
rule's kind ignores), and names that say one thing each (``admin_fee_owed`` in cancellation windows)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.pricing import check_card, load_card, review_card
from tests.pricing.testville import HEAD, REGULAR, SOURCES, make_card

TODAY = date(2027, 3, 1)
CARD = HEAD + SOURCES + REGULAR
ADMIN = '[admin_fee]\nkind = "included"\nrate = "10.00"\n'

# -- a key written under the wrong table ---------------------------------------------------------------------------


@pytest.mark.parametrize(("move", "location", "words"), [
    # the issue's own example: minimum_hours after [schedules.regular.rates.holiday] (it was "unknown rank" plus
    # "minimum_hours: required")
    (("minimum_hours = 3\n", "", '[tiers.holiday]\nwhen = "holiday"\npremium = "rates"\n'
      '[schedules.regular.rates.holiday]\nofficer = "75.00"\nminimum_hours = 3\n[[holidays]]\nname = "A"\n'
      'rule = "fixed"\nmonth = 1\nday = 1\n'),
     "schedules.regular.rates.holiday.minimum_hours",
     "minimum_hours belongs at the top of the card; it is written inside [schedules.regular.rates.holiday]"),
    (('time_zone = "America/Denver"\n', "", '[vehicle]\nfee = "none"\ntime_zone = "America/Denver"\n'),
     "vehicle.time_zone", "inside [vehicle]"),
    (('slug = "testville"\n', "", '[[cancellation]]\nwithin_hours = 24\nslug = "testville"\n'),
     "cancellation[0].slug", "inside [[cancellation]] (the 1st)"),
    (('name = "Testville Police Department"\n', "", '[tiers.x]\nwhen = "selectable"\npremium = "surcharge"\n'
      'amount = "1.00"\nname = "Testville Police Department"\n'), "tiers.x.name", "inside [tiers.x]"),
    (("minimum_hours = 3\n", "", '[tiers]\nminimum_hours = 3\n'), "tiers.minimum_hours", "inside [tiers]"),
])
def test_a_top_level_field_under_a_table_is_one_problem_that_says_so(move, location, words):
    old, new, tables = move
    problems = check_card(CARD.replace(old, new, 1) + tables)
    assert [(p.location, words in p.message) for p in problems] == [(location, True)], problems


def test_a_field_of_another_table_is_named_where_it_belongs():
    problems = check_card(CARD + '[vehicle]\nfee = "none"\n[[supervisors]]\nrule = "nth"\nposition = 5\n'
                                 'rank = "sergeant"\napproval = "Chief"\n')
    assert [p.location for p in problems] == ["supervisors[0].approval"]
    assert "approval is a field of [vehicle], [[screening.KEY.effects]]" in problems[0].message


def test_a_top_level_field_written_twice_is_not_said_to_belong_at_the_top():
    problems = check_card(CARD + '[vehicle]\nfee = "none"\nminimum_hours = 2\nslug = "other"\n')
    assert [(p.location, p.message.split(" (")[0]) for p in problems] == [("vehicle.slug", "unknown field")]


# -- warnings: the check still passes --------------------------------------------------------------------------------

HOLIDAY_TIER = '[tiers.holiday]\nwhen = "holiday"\npremium = "multiplier"\nmultiplier = "1.5"\n'
ONCE = '[[holidays]]\nname = "Parade"\nrule = "once"\non = {}\n'
BLOCKED_ONCE = '[[blocked_dates]]\nname = "Summit"\nrule = "once"\non = {}\nmessage = "No work."\n'


@pytest.mark.parametrize(("tables", "location", "words"), [
    # tiers nothing can trigger
    (HOLIDAY_TIER, "tiers.holiday", "the card lists no holidays"),
    (HOLIDAY_TIER + ONCE.format("2027-02-27"), "tiers.holiday", "one-off date in the past"),
    ('[tiers.ot]\nwhen = "after_hours"\nafter_hours = 24\npremium = "multiplier"\nmultiplier = "1.5"\n',
     "tiers.ot", "no position is billed more than 24 hours"),
    ('[tiers.rush]\nwhen = "notice"\nunder_hours = 24\npremium = "rates"\n[schedules.regular.rates.rush]\n'
     'officer = "45.00"\nsergeant = "55.00"\nlieutenant = "65.00"\n', "tiers.rush", "below the regular rates"),
    ('[tiers.night]\nwhen = "daily_window"\nfrom = "22:00"\nto = "06:00"\npremium = "surcharge"\namount = "0.00"\n',
     "tiers.night", "its amounts are 0.00"),
    # one-off dates in the past or passing within 90 days (today: 1 March 2027)
    (HOLIDAY_TIER + ONCE.format("2027-02-28"), "holidays[0].on", "2027-02-28 is in the past"),
    (HOLIDAY_TIER + ONCE.format("2027-05-30"), "holidays[0].on", "passes within 90 days"),
    (BLOCKED_ONCE.format("2027-03-01"), "blocked_dates[0].on", "passes within 90 days"),
    (BLOCKED_ONCE.format("2026-07-04"), "blocked_dates[0].on", "in the past"),
    # fields a rule of that kind ignores
    ('[tiers.x]\nwhen = "after_hours"\nafter_hours = 8\nwhole_shift = true\npremium = "multiplier"\n'
     'multiplier = "1.5"\n', "tiers.x.whole_shift", 'ignored: when = "after_hours" does not use it'),
    (HOLIDAY_TIER.replace("[tiers.holiday]\n", "[tiers.holiday]\nselectable = true\n") + ONCE.format("2028-01-01"),
     "tiers.holiday.selectable", 'ignored: when = "holiday"'),
    ('[tiers.x]\nwhen = "notice"\nunder_hours = 24\nfrom = "22:00"\npremium = "surcharge"\namount = "1.00"\n',
     "tiers.x.from", "it uses: under_hours, under_business_days, selectable, only_if"),
    ('[tiers.x]\nwhen = "selectable"\npremium = "surcharge"\namount = "1.00"\nmultiplier = "1.5"\n',
     "tiers.x.multiplier", 'premium = "surcharge" does not use it'),
    ('[tiers.x]\nwhen = "selectable"\npremium = "multiplier"\nmultiplier = "1.5"\namount = "1.00"\n',
     "tiers.x.amount", 'premium = "multiplier" does not use it'),
    (HOLIDAY_TIER + '[[holidays]]\nname = "Good Friday"\nrule = "easter"\ndays = -2\nmonth = 4\n',
     "holidays[0].month", 'rule = "easter" does not use it'),
    ('[[supervisors]]\nrule = "per"\nper = 3\nevery = 5\nrank = "sergeant"\n', "supervisors[0].every",
     'rule = "per" does not use it'),
    ('[vehicle]\nfee = "flat"\nflat = "20.00"\nrate = "5.00"\n', "vehicle.rate", 'fee = "flat" does not use it'),
    ('[vehicle]\nfee = "flat"\nflat = "20.00"\nminimum_hours = 3\n', "vehicle.minimum_hours", 'fee = "flat"'),
    ('[vehicle]\nfee = "none"\napproval_message = "Ask first."\n', "vehicle.approval_message", "only with approval"),
    ('[admin_fee]\nkind = "unpublished"\nrate = "1.00"\n', "admin_fee.rate", "takes no hourly rate"),
    ('[admin_fee]\nkind = "per_hour"\nrate = "2.00"\nfirst_position = "2.00"\n', "admin_fee.first_position",
     'kind = "per_hour" does not use it'),
    ('[admin_fee]\nkind = "none"\npublished_max = "2.00"\n', "admin_fee.published_max", "no administration fee"),
    (ADMIN + '[[cancellation]]\nwithin_hours = 24\nadmin_fee_owed = "minimum_hours"\nadmin_fee_hours = 12\n',
     "cancellation[0].admin_fee_hours", 'only admin_fee_owed = "first_hours" counts hours'),
    ('[screening.q]\nquestion = "?"\n[[screening.q.effects]]\neffect = "block"\nmessage = "No."\n'
     'approval = "Chief"\n', "screening.q.effects[0].approval", 'only used with effect = "approval"'),
    ('[screening.q]\nquestion = "?"\n[[screening.q.effects]]\neffect = "notice"\nmessage = "Hm."\n'
     'minimum_headcount = 2\n', "screening.q.effects[0].minimum_headcount", 'effect = "minimum"'),
])
def test_warnings_are_located_and_do_not_fail_the_check(tables, location, words):
    review = review_card(CARD + tables, today=TODAY)
    assert review.problems == () and review.card is not None
    assert any(w.location == location and words in w.message for w in review.warnings), review.warnings


@pytest.mark.parametrize("tables", [
    HOLIDAY_TIER + ONCE.format("2027-05-31"),  # 91 days ahead
    HOLIDAY_TIER + ONCE.format("2027-02-27") + '[[holidays]]\nname = "A"\nrule = "fixed"\nmonth = 1\nday = 1\n',
    '[tiers.ot]\nwhen = "after_hours"\nafter_hours = "23.5"\npremium = "multiplier"\nmultiplier = "1.5"\n',
    '[tiers.rush]\nwhen = "notice"\nunder_hours = 24\npremium = "rates"\n[schedules.regular.rates.rush]\n'
    'officer = "45.00"\n',  # sergeants and lieutenants fall back to their regular rate: the tier applies to them
])
def test_no_warning_where_the_rule_can_apply(tables):
    review = review_card(CARD + tables, today=TODAY)
    assert review.problems == () and [w for w in review.warnings if not w.location.startswith("holidays[0]")] == []


def test_date_warnings_need_today():
    review = review_card(CARD + HOLIDAY_TIER + ONCE.format("2020-01-01"))
    assert review.problems == () and review.warnings == ()
    assert review_card(CARD + HOLIDAY_TIER + ONCE.format("2020-01-01"), today=TODAY).warnings


def test_an_ignored_field_changes_nothing():
    """A warned field is not read: the rule prices as its kind says."""
    tiers = ('[tiers.h]\nwhen = "holiday"\nselectable = true\npremium = "multiplier"\nmultiplier = "1.5"\n'
             '[[holidays]]\nname = "A"\nrule = "fixed"\nmonth = 1\nday = 1\n'
             '[tiers.ot]\nwhen = "after_hours"\nafter_hours = 8\nwhole_shift = true\npremium = "multiplier"\n'
             'multiplier = "1.5"\n[vehicle]\nfee = "flat"\nflat = "20.00"\nrate = "5.00"\nminimum_hours = 3\n'
             '[[supervisors]]\nrule = "per"\nper = 3\nposition = 2\nrank = "sergeant"\n')
    card = make_card(tiers)
    assert not card.tier("h").selectable and not card.tier("ot").whole_shift
    assert (card.vehicle.rate, card.vehicle.minimum_minutes) == (0, 0)
    assert card.supervisors[0].position == 0


# -- names that say one thing each ---------------------------------------------------------------------------------

WINDOW = ADMIN + '[[cancellation]]\nwithin_hours = 24\npay = "minimum"\n{} = "first_hours"\nadmin_fee_hours = 12\n'


def test_admin_fee_owed_and_its_older_spelling_read_the_same_window():
    new = review_card(CARD + WINDOW.format("admin_fee_owed"))
    old = review_card(CARD + WINDOW.format("admin_fee"))
    assert new.warnings == () and old.problems == ()
    assert old.card.cancellation == new.card.cancellation
    assert (new.card.cancellation[0].admin, new.card.cancellation[0].admin_hours) == ("first_hours", 12)
    assert [(w.location, "older spelling of admin_fee_owed" in w.message) for w in old.warnings] == [
        ("cancellation[0].admin_fee", True)]


def test_a_window_may_not_say_both_spellings():
    both = CARD + WINDOW.format("admin_fee_owed") + 'admin_fee = "first_hours"\n'
    assert any(p.location == "cancellation[0].admin_fee" and "say it once" in p.message for p in check_card(both))


@pytest.mark.parametrize(("value", "words"), [("true", "if_released_early"), ("false", "leave it out")])
def test_the_older_full_shift_spelling_is_still_read_with_a_warning(value, words):
    review = review_card(HEAD + f"paid_full_shift_if_released_early = {value}\n" + SOURCES + REGULAR)
    assert review.problems == () and review.card.full_shift.if_released_early is (value == "true")
    assert [(w.location, words in w.message) for w in review.warnings] == [("paid_full_shift_if_released_early", True)]


def test_a_stored_version_with_the_older_spellings_still_loads():
    card = load_card(HEAD + "paid_full_shift_if_released_early = true\n" + SOURCES + REGULAR
                     + WINDOW.format("admin_fee"))
    assert card.full_shift.if_released_early and card.cancellation[0].admin == "first_hours"
