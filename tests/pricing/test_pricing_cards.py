"""The rate-card validator: every problem reported, each with its location."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from portal.pricing import SEED_CARD_DIR, SEED_SLUGS, CardError, check_card, load_card, review_card

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rate-cards.md"

MINIMAL = """
slug = "minimal"
name = "Minimal PD"
time_zone = "America/Chicago"
effective = 2027-01-01
minimum_hours = 3
ranks = [{ key = "officer", label = "Officer" }, { key = "sergeant", label = "Sergeant" }]
[schedules.regular]
default = true
[schedules.regular.rates.regular]
officer = "40.00"
sergeant = "50.00"
"""

BAD = """
slug = "Bad Slug"
name = "Bad"
time_zone = "Mars/Olympus"
effective = 2027-01-01
minimum_hours = 2.5
colour = "blue"
ranks = [{key = "officer"}, {key = "officer"}]
[sources.page]
title = "x"
[tiers.holiday]
when = "holiday"
premium = "rates"
[tiers.emergency]
when = "notice"
under_hours = 72
premium = "rates"
[tiers.rush]
when = "notice"
under_hours = 72
premium = "rates"
source = "nowhere#1"
[schedules.regular]
default = true
[schedules.regular.rates.regular]
officer = "57.00"
captain = "10.00"
[schedules.regular.rates.holiday]
officer = "eighty"
[schedules.regular.rates.emergency]
officer = 85.50
[schedules.other]
default = true
[schedules.other.rates.regular]
officer = "57.005"
[[supervisors]]
rule = "nth"
position = 5
rank = "sergeant"
[[cancellation]]
within_hours = 24
pay = "minimum"
[[cancellation]]
within_hours = 24
pay = "sometimes"
[[holidays]]
name = "X"
rule = "fixed"
month = 2
day = 30
[[holidays]]
name = "Y"
rule = "relative"
relative_to = "nope"
days = 1
[vehicle]
fee = "per_hour"
[admin_fee]
kind = "included"
rate = "12.50"
published_min = "6.40"
published_max = "12.00"
[screening.x]
question = "?"
effects = [{effect = "minimum", message = "m"}]
"""


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_seed_cards_are_valid(slug):
    text = (SEED_CARD_DIR / f"{slug}.toml").read_text(encoding="utf-8")
    assert check_card(text) == []
    card = load_card(text)
    assert card.slug == slug and card.version == 1
    assert card.default_schedule.key == "regular"


def test_minimal_card_loads():
    card = load_card(MINIMAL)
    assert card.minimum_minutes == 180 and card.rank_keys == ("officer", "sergeant")


def test_documented_example_card_is_valid():
    """The complete example in docs/rate-cards.md must itself be a valid card."""
    text = DOCS.read_text(encoding="utf-8")
    m = re.search(r"<!-- example-card -->\s*```toml\n(.*?)```", text, re.S)
    assert m, "docs/rate-cards.md lost its example card"
    review = review_card(m.group(1), today=date(2027, 1, 1))
    assert (review.problems, review.warnings) == ((), ())


def test_every_problem_is_reported_with_its_location():
    problems = {(p.location, p.message) for p in check_card(BAD)}
    locations = {loc for loc, _ in problems}
    assert {
        "colour", "slug", "time_zone", "ranks[1].key", "minimum_hours", "tiers.rush.source",
        "tiers.rush.under_hours", "schedules.regular.rates.regular.captain",
        "schedules.regular.rates.holiday.officer", "schedules.regular.rates.emergency.officer",
        "schedules.other.rates.regular.officer", "schedules.other.rates.holiday.officer", "schedules",
        "holidays[0].day", "holidays[1].relative_to", "vehicle.rate", "supervisors[0].rank", "admin_fee.rate",
        "cancellation[1].within_hours", "cancellation[1].pay", "screening.x.effects[0].minimum_headcount",
    } <= locations
    assert ("schedules.regular.rates.holiday.officer", 'expected an amount like "85.50", got "eighty"') in problems
    assert str(next(p for p in check_card(BAD) if p.location == "schedules.regular.rates.holiday.officer")) == (
        'schedules.regular.rates.holiday.officer: expected an amount like "85.50", got "eighty"')


def test_load_card_raises_with_all_problems():
    with pytest.raises(CardError) as err:
        load_card(BAD)
    assert len(err.value.problems) == len(check_card(BAD)) >= 20


@pytest.mark.parametrize(("change", "location", "words"), [
    (lambda t: t.replace('officer = "40.00"', "officer = 40.50"), "schedules.regular.rates.regular.officer",
     "in quotes"),
    (lambda t: t.replace('officer = "40.00"', 'officer = "40.123"'), "schedules.regular.rates.regular.officer",
     "at most 2 decimals"),
    (lambda t: t.replace('officer = "40.00"', 'officer = "-40.00"'), "schedules.regular.rates.regular.officer",
     "expected an amount"),
    (lambda t: t.replace('sergeant = "50.00"\n', ""), "schedules.regular.rates.regular.sergeant",
     "every rank needs a regular rate"),
    (lambda t: re.sub(r"ranks = .*\n", "", t), "ranks", "lowest first"),
    (lambda t: t + '[schedules.second]\ndefault = true\n[schedules.second.rates.regular]\nofficer = "1.00"\n'
     'sergeant = "2.00"\n', "schedules", "exactly one schedule"),
    (lambda t: t.replace("default = true\n", "") + '[schedules.second]\n[schedules.second.rates.regular]\n'
     'officer = "1.00"\nsergeant = "2.00"\n', "schedules", "found none"),
    (lambda t: t + '[tiers.holiday]\nwhen = "holiday"\npremium = "rates"\n[schedules.regular.rates.holiday]\n'
     'sergeant = "80.00"\n', "schedules.regular.rates.holiday.officer", "no fallback"),
    (lambda t: t + '[[supervisors]]\nrule = "nth"\nposition = 5\nrank = "captain"\n', "supervisors[0].rank",
     "unknown rank"),
    (lambda t: t + '[[supervisors]]\nrule = "nth"\nposition = 5\nrank = "officer"\n', "supervisors[0].rank",
     "lowest rank"),
    (lambda t: t + '[[supervisors]]\nrule = "nth"\nposition = 5\nrank = "sergeant"\n'
     '[[supervisors]]\nrule = "nth"\nposition = 5\nrank = "sergeant"\n', "supervisors[1].position", "ambiguous"),
    (lambda t: t + "[[cancellation]]\nwithin_hours = 24\n[[cancellation]]\nwithin_hours = 24\n",
     "cancellation[1].within_hours", "same length"),
    (lambda t: t + '[[cancellation]]\npay = "minimum"\n[[cancellation]]\npay = "none"\n',
     "cancellation[1].within_hours", "any time"),
    (lambda t: t + '[[cancellation]]\nwithin_hours = 24\nadmin_fee_owed = "first_hours"\n',
     "cancellation[0].admin_fee_owed", "no administration fee"),
    (lambda t: t + '[tiers.h]\nwhen = "holiday"\npremium = "multiplier"\n[[holidays]]\nkey = "a"\nname = "A"\n'
     'rule = "relative"\nrelative_to = "b"\ndays = 1\n[[holidays]]\nkey = "b"\nname = "B"\nrule = "relative"\n'
     'relative_to = "a"\ndays = 1\n', "holidays[0].relative_to", "loop"),
    (lambda t: t + '[[holidays]]\nname = "A"\nrule = "fixed"\nmonth = 1\nday = 1\n', "holidays",
     "no tier"),
    (lambda t: t + '[[holidays]]\nname = "A"\nrule = "nth_weekday"\nmonth = 1\nweekday = "funday"\nnth = 1\n',
     "holidays[0].weekday", "expected one of"),
    (lambda t: t + '[[holidays]]\nname = "A"\nrule = "fixed"\nmonth = 1\nday = 1\nobserved = true\n',
     "holidays[0].observed", "unknown field"),
    (lambda t: t + '[tiers.night]\nwhen = "daily_window"\nfrom = "25:00"\nto = "07:00"\npremium = "surcharge"\n'
     'amount = "1.00"\n', "tiers.night.from", "23:00"),
    (lambda t: t + '[tiers.x]\nwhen = "sometimes"\npremium = "rates"\n', "tiers.x.when", "expected one of"),
    (lambda t: t + '[tiers.regular]\nwhen = "holiday"\npremium = "rates"\n', "tiers.regular", "base tier"),
    (lambda t: t + '[screening.q]\nquestion = "?"\n[[screening.q.effects]]\neffect = "approval"\nmessage = "m"\n',
     "screening.q.effects[0].approval", "required"),
    (lambda t: t + '[screening.q]\nquestion = "?"\n', "screening.q.effects", "at least one"),
    (lambda t: t + '[jurisdiction]\ncity = "X"\nstate = "MO"\nzips = ["6410"]\n', "jurisdiction.zips[0]",
     "5-digit"),
    (lambda t: t + '[staffing]\n[staffing.venues.a]\nlow = 900\nhigh = 100\n', "staffing.venues.a.low",
     "not be above"),
    (lambda t: t + '[vehicle]\nfee = "flat"\n', "vehicle.flat", "required"),
    (lambda t: t + '[sources.a]\ntitle = "A"\n[max_shift]\nhours = 16\nsource = "b#1"\n', "max_shift.source",
     "unknown source"),
    (lambda t: "this is = not toml [", "line 1, column 6", "not valid TOML"),
])
def test_single_problems(change, location, words):
    problems = check_card(change(MINIMAL))
    assert any(p.location == location and words in p.message for p in problems), problems


def test_documented_example_card_prices():
    from datetime import UTC, datetime

    from portal.pricing import cancellation_fee, parse_request, quote

    text = DOCS.read_text(encoding="utf-8")
    card = load_card(re.search(r"<!-- example-card -->\s*```toml\n(.*?)```", text, re.S).group(1))
    body = {"submitted_at": "2027-11-20T09:00", "priority": "priority", "location": {"city": "Springfield",
            "state": "CO"}, "venue": {"kind": "stadium_with_alcohol", "attendance": 12000},
            "shifts": [{"start": "2027-11-25T17:00", "end": "2027-11-26T07:30", "officers": 25, "vehicles": 2}]}
    q = quote(parse_request(body, card, now=datetime(2027, 11, 1, tzinfo=UTC)), card)
    s = q.shifts[0]
    assert dict(s.positions) == {"officer": 24, "sergeant": 1, "lieutenant": 1}  # 25 + 1 added
    assert {ln.kind for ln in s.lines} == {"labour", "premium", "vehicle", "admin_fee", "charge"}
    assert q.total_cents == sum(ln.amount_cents for ln in s.lines)
    assert {"holiday_rate", "week_rate", "staffing_recommendation"} <= {
        n.code for n in q.notices}
    assert [b.code for b in q.blocks] == ["shift_too_long"]
    assert 0 < cancellation_fee(q, s.start.replace(hour=16)) <= q.total_cents


def test_employer_review_is_read_with_its_citation():
    card = load_card(
        MINIMAL
        + '\n[sources.page]\ntitle = "Hiring page"\nfile = "page.txt"\n'
        + '\n[employer_review]\nmessage = "We check every new employer."\nsource = "page#Vetting"\n'
    )
    assert card.employer_review.message == "We check every new employer."
    assert card.employer_review.source == "page.txt, Vetting"
    assert load_card(MINIMAL).employer_review is None
    problems = [str(p) for p in check_card(MINIMAL + "\n[employer_review]\nsource = 'nowhere'\n")]
    assert any(p.startswith("employer_review.message:") for p in problems), problems
    assert any(p.startswith("employer_review.source:") for p in problems), problems
    assert card.employer_review.background_check is False  # the default
    kcpd = load_card((SEED_CARD_DIR / "kcpd.toml").read_text()).employer_review
    assert kcpd.source.startswith("kcpd-policy-630-9-secondary-employment.txt, III.R")  # R is under III. POLICY
    assert kcpd.background_check is True
    for slug in ("mesa", "west-valley-city", "tucson"):
        review = load_card((SEED_CARD_DIR / f"{slug}.toml").read_text()).employer_review
        assert review is None or not review.background_check, slug


def test_employer_review_background_check_is_true_or_false():
    card = load_card(MINIMAL + '\n[employer_review]\nmessage = "Checked."\nbackground_check = true\n')
    assert card.employer_review.background_check is True
    problems = [str(p) for p in check_card(MINIMAL + '\n[employer_review]\nmessage = "x"\nbackground_check = "yes"\n')]
    assert any(p.startswith("employer_review.background_check: expected true or false") for p in problems), problems
