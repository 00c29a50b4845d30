"""Settling a cancellation (pricing spec sections 4, 5 and 10), pure: the spec's own example, every worked
example's dated fees, refusals naming the field, and properties of the figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.pricing import RequestError, parse_request, quote, reduction_fee, shift_cancellation_fee
from portal.pricing.settlement import settle
from tests.pricing.conftest import NOW
from tests.support.examples import EXAMPLE_IDS, EXAMPLES

SPEC_REQUEST = {"agency": "mesa", "submitted_at": "2026-12-01T09:00:00-07:00",
                "shifts": [{"start": "2026-12-20T18:00", "end": "2026-12-20T23:00", "officers": 3}]}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_spec_example(seed_cards):
    """Section 10: Mesa, 3 officers, one removed at 08:00 on the day (inside the 24 h window)."""
    s = settle(SPEC_REQUEST, seed_cards["mesa"], at=at("2026-12-20T08:00:00-07:00"), now=NOW, deposit_held=70245,
               cancel=[{"shift": 0, "positions": {"officer": 1}}])
    assert s.fee_cents == 3 * 7805  # the 3-hour minimum at $78.05; the unpublished admin fee is left out
    assert s.deposit_after_cents == 2 * 3 * 7805
    assert (s.refund_cents, s.charge_cents) == (0, 0)
    [shift] = s.shifts
    assert [(ln.rank, ln.count, ln.minutes, ln.rate_cents, ln.amount_cents) for ln in shift.lines] == [
        ("officer", 1, 180, 7805, 23415)]
    assert "within 24 hours" in s.rule and "publishes no amount" in s.rule
    assert s.source.startswith("mesa-pd-off-duty-employment.txt")


def test_outside_the_window_and_before_approval(seed_cards):
    card = seed_cards["mesa"]
    outside = settle(SPEC_REQUEST, card, at=at("2026-12-10T08:00:00-07:00"), now=NOW, cancel=None)
    assert (outside.fee_cents, outside.refund_cents, outside.deposit_after_cents) == (0, 70245, 0)
    before = settle(SPEC_REQUEST, card, at=at("2026-12-20T08:00:00-07:00"), now=NOW, approved=False,
                    cancel=[{"shift": 0, "positions": {"officer": 1}}])
    assert (before.fee_cents, before.refund_cents) == (0, 70245 - 46830)
    assert before.rule == "Before Mesa PD approves the booking nothing is owed."


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e["expect"].get("cancellation_fee_cents_at")
                                     and not e["expect"]["blocked"]],
                         ids=[i for e, i in zip(EXAMPLES, EXAMPLE_IDS, strict=True)
                              if e["expect"].get("cancellation_fee_cents_at") and not e["expect"]["blocked"]])
def test_whole_booking_fees_of_the_worked_examples(seed_cards, example: dict[str, Any]):
    card = seed_cards[example["request"]["agency"]]
    deposit = example["expect"]["deposit_cents"]
    for moment, fee in example["expect"]["cancellation_fee_cents_at"].items():
        s = settle(example["request"], card, at=at(moment), now=NOW, cancel=None)
        assert s.fee_cents == fee, moment
        if s.whole:  # every shift cancelled: nothing remains to hold a deposit for
            assert s.deposit_after_cents == 0
        assert s.refund_cents == max(0, deposit - fee - s.deposit_after_cents)
        assert s.charge_cents == max(0, fee - deposit)
        assert sum(ln.amount_cents for f in s.shifts for ln in f.lines) + s.booking_fee_cents == fee


@pytest.mark.parametrize(("cancel", "field", "words"), [
    ([{"shift": 3}], "cancel[0].shift", "a shift number from 0 to 0"),
    ([{"shift": 0}, {"shift": 0}], "cancel[1].shift", "named twice"),
    ([{"shift": 0, "positions": {"sergeant": 1}}], "cancel[0].positions.sergeant", "no sergeant positions"),
    ([{"shift": 0, "positions": {"officer": 4}}], "cancel[0].positions.officer", "has 3 officer positions"),
    ([{"shift": 0, "positions": {"officer": 0}}], "cancel[0].positions.officer", "at least 1"),
    ([{"shift": 0, "extra": 1}], "cancel[0].extra", "unknown field"),
    ([], "cancel", "a list of"),
    ("all", "cancel", "a list of"),
])
def test_refusals_name_the_field(seed_cards, cancel, field, words):
    with pytest.raises(RequestError) as refused:
        settle(SPEC_REQUEST, seed_cards["mesa"], at=at("2026-12-20T08:00:00-07:00"), now=NOW, cancel=cancel)
    [error] = refused.value.errors
    assert error.field == field and words in error.message


def test_a_started_shift_is_invoiced_not_cancelled(seed_cards):
    card = seed_cards["mesa"]
    started = at("2026-12-20T18:00:00-07:00")
    with pytest.raises(RequestError) as refused:
        settle(SPEC_REQUEST, card, at=started, now=NOW, cancel=[{"shift": 0}])
    assert refused.value.errors[0].field == "cancel[0].shift" and "has started" in refused.value.errors[0].message
    with pytest.raises(RequestError) as whole:
        settle(SPEC_REQUEST, card, at=started, now=NOW, cancel=None)
    assert whole.value.errors[0].field == "cancel"


def test_a_supervisor_the_rules_still_need_stays(seed_cards):
    """West Valley City, 6 positions (one a supervisor): removing the supervisor is refused while 5 remain."""
    body = {"agency": "west-valley-city", "submitted_at": "2026-11-01T09:00:00-06:00",
            "shifts": [{"start": "2026-12-10T18:00", "end": "2026-12-10T22:00", "officers": 6}]}
    card = seed_cards["west-valley-city"]
    with pytest.raises(RequestError) as refused:
        settle(body, card, at=at("2026-12-09T18:00:00-07:00"), now=NOW,
               cancel=[{"shift": 0, "positions": {"supervisor": 1}}])
    assert "rules need 4 officers, 1 supervisor" in refused.value.errors[0].message
    ok = settle(body, card, at=at("2026-12-09T18:00:00-07:00"), now=NOW,
                cancel=[{"shift": 0, "positions": {"officer": 2}}])
    assert ok.remaining["shifts"][0]["positions"] == {"officer": 3, "supervisor": 1}  # stays a supervisor


BODIES = [e["request"] for e in EXAMPLES if not e["expect"]["blocked"]]


@settings(max_examples=60, deadline=None)
@given(body=st.sampled_from(BODIES), hours_before=st.integers(min_value=1, max_value=24 * 30),
       data=st.data(), approved=st.booleans())
def test_figures_add_up(seed_cards, body, hours_before, data, approved):
    card = seed_cards[body["agency"]]
    q = quote(parse_request(body, card, now=NOW), card)
    index = data.draw(st.integers(min_value=0, max_value=len(q.shifts) - 1))
    sq = q.shifts[index]
    moment = sq.start - timedelta(hours=hours_before)
    if moment < q.submitted_at:
        return
    rank, have = data.draw(st.sampled_from(list(sq.positions)))
    n = data.draw(st.integers(min_value=1, max_value=have))
    held = data.draw(st.integers(min_value=0, max_value=q.deposit_cents))
    for cancel, expected in (([{"shift": index}], shift_cancellation_fee(q, index, moment)),
                             ([{"shift": index, "positions": {rank: n}}], reduction_fee(q, index, {rank: n}, moment))):
        try:
            s = settle(body, card, at=moment, now=NOW, approved=approved, deposit_held=held, cancel=cancel)
        except RequestError:
            continue  # a reduction the staffing rules refuse
        assert s.fee_cents == (expected if approved else 0)
        assert s.fee_cents == sum(ln.amount_cents for f in s.shifts for ln in f.lines) + s.booking_fee_cents
        assert s.refund_cents >= 0 and s.charge_cents >= 0
        assert s.refund_cents <= held  # never more than is held
        kept = min(s.fee_cents, held)
        assert held - kept - s.refund_cents == min(held - kept, s.deposit_after_cents)  # the deposit is not topped up
