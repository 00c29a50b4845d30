"""Cards that prove themselves (issue 11 part 3): worked examples carried by a card, priced by ``review_card``.

The shared worked examples (tests/data/examples/quotes.json) live in their agencies' cards too; a card whose
examples do not come out exact is refused, each wrong figure located.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.pricing import SEED_CARD_DIR, SEED_SLUGS, check_card, load_card, load_seed_card, review_card
from tests.pricing.testville import HEAD, REGULAR, SOURCES, make_card, price
from tests.support.examples import EXAMPLE_IDS, EXAMPLES

TODAY = date(2026, 12, 2)


def _text(slug: str) -> str:
    return (SEED_CARD_DIR / f"{slug}.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_seed_cards_prove_themselves_without_a_warning(slug):
    review = review_card(_text(slug), today=TODAY)
    assert review.problems == () and review.warnings == ()
    assert review.examples_priced == sum(e["request"]["agency"] == slug for e in EXAMPLES) > 0


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_every_shared_example_is_in_its_agencys_card(example):
    """The card carries the shared example: the same request and the same figures, in dollars."""
    card = load_seed_card(example["request"]["agency"])
    carried = {ex.name: ex for ex in card.examples}[example["name"]]
    expect = example["expect"]
    assert {"agency": card.slug, **carried.body()} == example["request"]
    assert (carried.total, carried.deposit, carried.shift_totals, carried.blocked) == (
        expect["total_cents"], expect["deposit_cents"], tuple(expect["shift_total_cents"]), expect["blocked"])
    assert [dict(p) for p in carried.positions] == expect["positions"]
    assert {at.isoformat(): fee for at, fee in carried.cancellation_fees} == expect.get("cancellation_fee_cents_at",
                                                                                         {})


# A Testville card with one example: Wednesday 20 January 2027, 10:00-16:00, 2 officers at $50 = $600.00;
# cancellation: 3 h minimum pay inside 24 h = 2 x 3 x $50 = $300.00, so the deposit is $300.00.
CANCELLATION = '[[cancellation]]\nwithin_hours = 24\npay = "minimum"\n'
EXAMPLE = """
[[examples]]
name = "wednesday"
note = "6 h x 2 officers x $50; 3 h minimum pay inside 24 h"
total = "600.00"
deposit = "300.00"
shift_totals = ["600.00"]
positions = [{ officer = 2 }]
blocked = false
cancellation_fees = [
  { at = 2027-01-19T10:00:00-07:00, fee = "0.00" },
  { at = 2027-01-19T10:01:00-07:00, fee = "300.00" },
]

[examples.request]
submitted_at = 2027-01-04T09:00:00-07:00
shifts = [{ start = "2027-01-20T10:00", end = "2027-01-20T16:00", officers = 2 }]
"""
CARD = HEAD + SOURCES + REGULAR + CANCELLATION + EXAMPLE


def test_an_exact_example_passes():
    review = review_card(CARD, today=TODAY)
    assert (review.problems, review.warnings, review.examples_priced) == ((), (), 1)
    assert review.card is not None and review.card.examples[0].note.startswith("6 h")


@pytest.mark.parametrize(("change", "location", "words"), [
    (('total = "600.00"', 'total = "610.00"'), "examples[0].total",
     "the card gives $600.00, the example states $610.00"),
    (('deposit = "300.00"', 'deposit = "150.00"'), "examples[0].deposit", "gives $300.00"),
    (('shift_totals = ["600.00"]', 'shift_totals = ["600.00", "0.00"]'), "examples[0].shift_totals", "$600.00, $0.00"),
    (("positions = [{ officer = 2 }]", "positions = [{ officer = 1, sergeant = 1 }]"), "examples[0].positions",
     "gives 2 officer, the example states 1 officer, 1 sergeant"),
    (("blocked = false", "blocked = true"), "examples[0].blocked", "gives no block"),
    (('fee = "300.00"', 'fee = "299.99"'), "examples[0].cancellation_fees[1].fee",
     "cancelled at 2027-01-19T10:01:00-07:00, the card gives $300.00"),
    (('end = "2027-01-20T16:00"', 'end = "2027-01-20T09:00"'), "examples[0].request.shifts[0].end", "after"),
    (("officers = 2", "officers = 2, colour = 1"), "examples[0].request.shifts[0].colour", "unknown field"),
])
def test_an_example_that_does_not_come_out_exact_refuses_the_card(change, location, words):
    problems = check_card(CARD.replace(*change))
    assert [p.location for p in problems] == [location], problems
    assert words in problems[0].message
    assert '"wednesday"' in problems[0].message or ".request." in location


@pytest.mark.parametrize(("change", "location", "words"), [
    (("submitted_at = 2027-01-04T09:00:00-07:00\n", ""), "examples[0].request.submitted_at", "required"),
    (('name = "wednesday"\n', ""), "examples[0].name", "required"),
    (("[examples.request]", '[examples.request]\nagency = "kcpd"'), "examples[0].request.agency", "testville"),
    (('{ at = 2027-01-19T10:00:00-07:00, fee = "0.00" }', '{ at = "yesterday", fee = "0.00" }'),
     "examples[0].cancellation_fees[0].at", "expected a date and time"),
    (('total = "600.00"', "total = 600"), "examples[0].total", "in quotes"),
    (("positions = [{ officer = 2 }]", "positions = [{ constable = 2 }]"), "examples[0].positions[0].constable",
     "unknown rank"),
    (("note = ", "colour = "), "examples[0].colour", "unknown field"),
])
def test_example_format_problems_are_located(change, location, words):
    problems = check_card(CARD.replace(*change))
    assert any(p.location == location and words in p.message for p in problems), problems


def test_an_example_must_state_a_figure():
    bare = CARD[:CARD.index("total =")] + CARD[CARD.index("[examples.request]"):]
    assert [(p.location, "states no figure" in p.message) for p in check_card(bare)] == [("examples[0]", True)]


def test_two_examples_need_two_names():
    assert any(p.location == "examples[1].name" and "another example" in p.message
               for p in check_card(CARD + EXAMPLE))


def test_load_card_reads_a_stored_version_without_pricing_its_examples():
    """A stored version was proved when imported; reading it again never refuses it for an example."""
    wrong = CARD.replace('total = "600.00"', 'total = "610.00"')
    assert load_card(wrong).examples[0].total == 61000
    assert check_card(wrong) != []


def test_example_times_may_be_text_or_toml_and_default_to_the_agencys_zone():
    card = load_card(CARD.replace("submitted_at = 2027-01-04T09:00:00-07:00", 'submitted_at = "2027-01-04T09:00"')
                     .replace("at = 2027-01-19T10:01:00-07:00", 'at = "2027-01-19T10:01"'))
    assert card.examples[0].body()["submitted_at"] == "2027-01-04T09:00"
    assert card.examples[0].cancellation_fees[1][0] == datetime.fromisoformat("2027-01-19T10:01-07:00")
    assert check_card(CARD.replace("submitted_at = 2027-01-04T09:00:00-07:00",
                                   "submitted_at = 2027-01-04T09:00:00")) == []


# -- property: a card proves any example written from its own quote, and refuses it a cent off --------------------

PROVEN = make_card(CANCELLATION)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 400), st.integers(60, 16 * 60), st.integers(1, 12), st.integers(1, 60 * 24 * 20),
       st.sampled_from(["total", "deposit"]), st.sampled_from([-1, 1, 100]))
def test_an_example_from_the_cards_own_quote_proves_and_a_cent_off_does_not(
        day, minutes, officers, lead, figure, off):
    start = datetime(2027, 2, 1, 6, 0, tzinfo=PROVEN.zone) + timedelta(days=day, minutes=15 * (day % 40))
    end = start + timedelta(minutes=minutes)
    submitted = start - timedelta(minutes=lead)
    shift = {"start": start.strftime("%Y-%m-%dT%H:%M"), "end": end.strftime("%Y-%m-%dT%H:%M"), "officers": officers}
    q = price(PROVEN, [shift], submitted=submitted.isoformat())
    stated = {"total": q.total_cents, "deposit": q.deposit_cents}

    def card(figures: dict[str, int]) -> str:
        lines = "".join(f'{k} = "{v // 100}.{v % 100:02d}"\n' for k, v in figures.items())
        return (CARD[:CARD.index("[[examples]]")] + f'[[examples]]\nname = "p"\n{lines}\n[examples.request]\n'
                f"submitted_at = {json.dumps(submitted.isoformat())}\nshifts = [{_inline(shift)}]\n")

    assert check_card(card(stated)) == []
    if stated[figure] + off >= 0:
        wrong = check_card(card({**stated, figure: stated[figure] + off}))
        assert [p.location for p in wrong] == [f"examples[0].{figure}"]


def _inline(d: dict) -> str:
    return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in d.items()) + " }"


def test_the_day_of_the_check_does_not_change_what_an_example_owes():
    """Examples carry submitted_at: ``today`` decides warnings only, never a problem."""
    assert review_card(CARD).problems == review_card(CARD, today=date(2031, 1, 1)).problems == ()
