"""The invoice (spec section 6): billed minutes of a worked position, worked examples per agency, attendance
that does not fit the booking, and the invoice of work done exactly as scheduled equal to the quote."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.pricing import SEED_SLUGS, RequestError, load_seed_card, parse_request, quote
from portal.pricing.invoice import Worked, billed_minutes, invoice, parse_attendance, vehicle_minutes
from tests.pricing.test_pricing_properties import priced, requests
from tests.pricing.test_pricing_rule_shapes import MIXED
from tests.pricing.testville import make_card
from tests.pricing.testville import price as price_on_card

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


# -- the invoice ------------------------------------------------------------------------------------------------------
# Worked examples, one or more per agency, with the arithmetic in each one's note: tests/data/examples/invoices.json
# (also reproduced through `flask invoice -` in tests/test_invoice_command.py).

INVOICE_EXAMPLES_FILE = Path(__file__).resolve().parents[1] / "data" / "examples" / "invoices.json"
INVOICE_EXAMPLES = json.loads(INVOICE_EXAMPLES_FILE.read_text(encoding="utf-8"))
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def invoiced(data: dict[str, Any]):
    card = load_seed_card(data["quote_request"]["agency"])
    q = quote(parse_request(data["quote_request"], card, now=NOW), card)
    return invoice(q, parse_attendance(data["attendance"], card, q), data.get("deposit_held_cents"))


def line_figures(shifts) -> list[list[Any]]:
    return [[ln["kind"], ln["rank"], ln["count"], ln["minutes"], ln["rate_cents"], ln["amount_cents"]]
            for s in shifts for ln in s["lines"]]


def test_every_agency_and_case_has_a_worked_example():
    agencies = {e["input"]["quote_request"]["agency"] for e in INVOICE_EXAMPLES}
    assert agencies == set(SEED_SLUGS)
    notes = " ".join(e["note"] for e in INVOICE_EXAMPLES)
    for case in ("Released", "Past the end", "did not come", "New Year's Eve", "vehicle"):
        assert case.lower() in notes.lower(), case


@pytest.mark.parametrize("example", INVOICE_EXAMPLES, ids=[e["name"] for e in INVOICE_EXAMPLES])
def test_worked_invoice_examples(example):
    d = json.loads(json.dumps(invoiced(example["input"]).to_dict()))
    expect = example["expect"]
    assert line_figures(d["shifts"]) == expect["lines"]
    assert [s["total_cents"] for s in d["shifts"]] == expect["shift_total_cents"]
    assert d["total_cents"] == expect["total_cents"] == sum(ln[-1] for ln in expect["lines"])
    assert (d["deposit_held_cents"], d["balance_cents"]) == (expect["deposit_held_cents"], expect["balance_cents"])
    assert d["balance_cents"] == d["total_cents"] - d["deposit_held_cents"]
    assert d["agency"] == example["input"]["quote_request"]["agency"] and d["rate_card_version"] == 1


def test_positions_say_why_they_are_billed_longer():
    [wvc] = [e for e in INVOICE_EXAMPLES if e["name"] == "west-valley-city-christmas-eve-spec"]
    [shift] = invoiced(wvc["input"]).shifts
    early, late = shift.positions
    assert (early.worked_minutes, early.billed_minutes) == (180, 480) and "full shift" in early.note
    assert (late.worked_minutes, late.billed_minutes, late.note) == (525, 525, "")
    assert "billed the full shift" in shift.lines[0].description
    assert "Christmas Eve, Christmas Day" in shift.lines[1].description
    [kcpd] = [e for e in INVOICE_EXAMPLES if e["input"]["quote_request"]["agency"] == "kcpd"]
    short = invoiced(kcpd["input"]).shifts[0].positions[0]
    assert (short.billed_minutes, short.note) == (180, "the 3-hour minimum applies")


def test_the_tiers_of_the_whole_shift_stay_as_quoted():
    """Mesa's emergency rate applies under 72 h's notice of the scheduled start: an officer who clocks in early
    does not turn a regular booking into an emergency one, nor one who clocks in late the other way round."""
    mesa = load_seed_card("mesa")
    shift = {"start": "2026-12-20T18:00", "end": "2026-12-20T22:00", "officers": 1}
    for submitted, rate in (("2026-12-17T17:58:00-07:00", 7805), ("2026-12-17T18:02:00-07:00", 8920)):
        q = quote(parse_request({"submitted_at": submitted, "shifts": [shift]}, mesa, now=NOW), mesa)
        assert q.shifts[0].lines[0].rate_cents == rate
        for clock_in in ("2026-12-20T17:50", "2026-12-20T18:10"):
            att = parse_attendance([[{"rank": "officer", "clock_in": clock_in, "clock_out": "2026-12-20T22:00"}]],
                                   mesa, q)
            assert {ln.rate_cents for ln in invoice(q, att).shifts[0].lines} == {rate}, (submitted, clock_in)


def booked(slug: str, submitted: str, start: str, end: str, officers: int = 1):
    """A seed card and its quote of one shift."""
    card = load_seed_card(slug)
    body = {"submitted_at": submitted, "shifts": [{"start": start, "end": end, "officers": officers}]}
    return card, quote(parse_request(body, card, now=NOW), card)


def worked_lines(card, q, clock_in: str, clock_out: str) -> list[tuple[str, int]]:
    """(tier, minutes) of the invoice lines of one officer's attendance on the first shift."""
    att = parse_attendance([[{"rank": "officer", "clock_in": clock_in, "clock_out": clock_out}]], card, q)
    return [(ln.tier, ln.minutes) for ln in invoice(q, att).shifts[0].lines]


def test_holiday_minutes_are_those_of_the_dates_worked():
    """A shift booked on 3 July that runs past midnight into Independence Day bills the minutes after midnight
    at the holiday rate, and one clocked out at 23:30 none."""
    wvc, q = booked("west-valley-city", "2026-06-01T09:00", "2026-07-03T20:00", "2026-07-03T23:59")
    assert worked_lines(wvc, q, "2026-07-03T20:00", "2026-07-04T01:00") == [("regular", 240), ("holiday", 60)]
    # released early at West Valley City: the full 239 scheduled minutes, all on 3 July
    assert worked_lines(wvc, q, "2026-07-03T20:00", "2026-07-03T23:30") == [("regular", 239)]


def test_nobody_worked_bills_nothing():
    _, q = booked("tucson", "2026-11-01T09:00", "2026-12-05T08:00", "2026-12-05T12:00", officers=2)
    inv = invoice(q, [[]], deposit_held=q.deposit_cents)
    assert (inv.total_cents, inv.shifts[0].lines, inv.balance_cents) == (0, (), -q.deposit_cents)


def test_the_elapsed_minutes_are_billed_across_a_daylight_saving_change():
    """Denver falls back on 2026-11-01 at 02:00: 00:00-04:00 on the wall clock is 5 hours of work."""
    wvc, q = booked("west-valley-city", "2026-10-01T09:00", "2026-11-01T00:00", "2026-11-01T04:00")
    assert worked_lines(wvc, q, "2026-11-01T00:00", "2026-11-01T04:00") == [("regular", 300)]


BOOKED = {"submitted_at": "2026-11-01T09:00", "shifts": [{"start": "2026-12-05T18:00", "end": "2026-12-05T23:00",
                                                          "officers": 5, "vehicles": 1}]}
ON_TIME = {"clock_in": "2026-12-05T18:00", "clock_out": "2026-12-05T23:00"}


@pytest.mark.parametrize(("attendance", "field", "words"), [
    ([], "attendance", "one list of records per shift"),
    ([[{"rank": "officer", **ON_TIME}]] * 2, "attendance", "one list of records per shift"),
    ([[{"rank": "sergeant", **ON_TIME}]], "attendance[0][0].rank", "a rank of the card"),
    ([[{"rank": "officer", **ON_TIME}] * 5], "attendance[0][4].rank", "booked 4 officer positions"),
    ([[{"rank": "officer", **ON_TIME}, {"rank": "supervisor", **ON_TIME}, {"rank": "supervisor", **ON_TIME}]],
     "attendance[0][2].rank", "booked 1 supervisor position;"),
    ([[{"rank": "officer", **ON_TIME, "vehicle": True}] * 2], "attendance[0][1].vehicle", "booked 1 vehicle;"),
    ([[{"rank": "officer", "clock_in": "2026-12-05T18:00", "clock_out": "2026-12-05T18:00"}]],
     "attendance[0][0].clock_out", "after the clock-in"),
    ([[{"rank": "officer", "clock_in": "2026-12-05T18:00", "clock_out": "2026-12-06T18:01"}]],
     "attendance[0][0].clock_out", "at most 24 hours"),
    ([[{"rank": "officer", "clock_in": "2026-12-06T18:00", "clock_out": "2026-12-06T23:00"}]],
     "attendance[0][0].clock_in", "does not meet shift 1"),
    ([[{"rank": "officer", "clock_in": "2026-12-05T18:00"}]], "attendance[0][0].clock_out", "required"),
    ([[{"rank": "officer", **ON_TIME, "vehicle": "yes"}]], "attendance[0][0].vehicle", "true or false"),
    ([[{"rank": "officer", **ON_TIME, "overtime": True}]], "attendance[0][0].overtime", "unknown field"),
    ([[{"rank": "officer", "clock_in": "2026-12-05 6pm", "clock_out": "2026-12-05T23:00"}]],
     "attendance[0][0].clock_in", "expected a date and time"),
    ([["officer"]], "attendance[0][0]", "an object"),
])
def test_attendance_that_does_not_fit_the_booking_is_refused(attendance, field, words):
    wvc = load_seed_card("west-valley-city")
    q = quote(parse_request(BOOKED, wvc, now=NOW), wvc)
    with pytest.raises(RequestError) as refused:
        invoice(q, parse_attendance(attendance, wvc, q))
    assert any(e.field == field and words in e.message for e in refused.value.errors), refused.value.errors


def test_a_clock_time_the_clocks_skip_is_refused():
    wvc, q = booked("west-valley-city", "2027-03-01T09:00", "2027-03-14T00:00", "2027-03-14T05:00")
    with pytest.raises(RequestError) as refused:
        worked_lines(wvc, q, "2027-03-14T02:30", "2027-03-14T05:00")
    assert refused.value.errors[0].field == "attendance[0][0].clock_in"
    assert "does not exist" in refused.value.errors[0].message


def as_scheduled(q) -> list[list[Worked]]:
    """Every booked position worked exactly its scheduled shift, the vehicles with the positions the quote gave
    them."""
    return [[Worked(g.rank, sq.start, sq.end, g.vehicle) for g in sq.groups for _ in range(g.count)]
            for sq in q.shifts]


def figures(lines) -> list[tuple]:
    return sorted((ln.kind, ln.rank or "", ln.tier or "", ln.count, ln.minutes, ln.rate_cents, ln.amount_cents,
                   ln.unit, ln.key or "") for ln in lines)


@settings(max_examples=60, deadline=None)
@given(requests())
def test_work_exactly_as_scheduled_is_invoiced_as_quoted(sr):
    """The invoice and the quote are one computation: worked as booked, every line is the quote's."""
    slug, body = sr
    q = priced(slug, body)
    inv = invoice(q, as_scheduled(q))
    for sq, shift in zip(q.shifts, inv.shifts, strict=True):
        assert figures(shift.lines) == figures(sq.lines)
        assert shift.total_cents == sq.total_cents == sum(ln.amount_cents for ln in shift.lines)
    assert inv.total_cents == q.total_cents and inv.balance_cents == q.total_cents - q.deposit_cents


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60 * 24 * 60), st.integers(60, 40 * 24 * 60), st.integers(15, 24 * 60), st.integers(1, 30),
       st.integers(0, 3))
def test_work_as_scheduled_on_a_card_of_many_rule_shapes(submitted_offset, lead, length, officers, vehicles):
    """The same over a card with a whole-shift holiday surcharge, a night multiplier, a business-day notice tier,
    a per-job administration fee and a supervisor rule (tests/pricing/test_pricing_rule_shapes.py)."""
    submitted = datetime(2027, 6, 1, 8, 0, tzinfo=MIXED.zone) + timedelta(minutes=submitted_offset)
    start = submitted + timedelta(minutes=lead)
    end = start + timedelta(minutes=length)
    q = price_on_card(MIXED, [{"start": start.strftime("%Y-%m-%dT%H:%M"), "end": end.strftime("%Y-%m-%dT%H:%M"),
                                 "officers": officers, "vehicles": min(vehicles, officers)}],
                        submitted=submitted.isoformat())
    inv = invoice(q, as_scheduled(q))
    assert figures(inv.shifts[0].lines) == figures(q.shifts[0].lines)
    assert inv.total_cents == q.total_cents
