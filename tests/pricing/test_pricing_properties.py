"""Property tests over random valid requests for the four shipped cards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.pricing import SEED_SLUGS, cancellation_fee, load_seed_card, parse_request, quote

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
CARDS = {slug: load_seed_card(slug) for slug in SEED_SLUGS}
FAST = settings(max_examples=60, deadline=None)


@st.composite
def requests(draw: st.DrawFn, slug: str | None = None, max_shifts: int = 3) -> tuple[str, dict[str, Any]]:
    slug = slug or draw(st.sampled_from(SEED_SLUGS))
    card = CARDS[slug]
    zone = card.zone
    # submitted between Nov 2026 and Dec 2027 (covers holidays and both DST changes), in local time
    submitted = datetime(2026, 11, 1, 8, 0, tzinfo=zone) + timedelta(minutes=draw(st.integers(0, 400 * 24 * 60)))
    shifts = []
    for _ in range(draw(st.integers(1, max_shifts))):
        lead = draw(st.integers(1, 20 * 24 * 60))
        start = (submitted + timedelta(minutes=lead)).astimezone(UTC).replace(second=0, microsecond=0)
        length = draw(st.integers(15, 24 * 60))
        end = start + timedelta(minutes=length)
        officers = draw(st.integers(1, 20))
        shifts.append({"start": start.isoformat(), "end": end.isoformat(), "officers": officers,
                       "vehicles": draw(st.integers(0, officers))})
    body: dict[str, Any] = {"submitted_at": submitted.isoformat(), "shifts": shifts,
                            "schedule": draw(st.sampled_from([s.key for s in card.schedules]))}
    if card.screening and draw(st.booleans()):
        body["screening"] = {draw(st.sampled_from([q.key for q in card.screening])): True}
    return slug, body


def priced(slug: str, body: dict[str, Any]):
    card = CARDS[slug]
    return quote(parse_request(body, card, now=NOW), card)


@FAST
@given(requests())
def test_totals_are_sums_of_lines(sr):
    q = priced(*sr)
    for s in q.shifts:
        assert s.total_cents == sum(ln.amount_cents for ln in s.lines)
        assert all(ln.amount_cents >= 0 and ln.count > 0 for ln in s.lines)
    assert q.total_cents == sum(s.total_cents for s in q.shifts)
    d = q.to_dict()
    assert d["total_cents"] == sum(ln["amount_cents"] for s in d["shifts"] for ln in s["lines"])


@FAST
@given(requests())
def test_deposit_between_zero_and_total(sr):
    q = priced(*sr)
    assert 0 <= q.deposit_cents <= q.total_cents


@FAST
@given(requests())
def test_deterministic(sr):
    assert priced(*sr).to_dict() == priced(*sr).to_dict()


@FAST
@given(requests(), st.data())
def test_one_more_officer_never_costs_less(sr, data):
    slug, body = sr
    i = data.draw(st.integers(0, len(body["shifts"]) - 1))
    more = {**body, "shifts": [dict(s) for s in body["shifts"]]}
    more["shifts"][i]["officers"] += 1
    assert priced(slug, more).total_cents >= priced(slug, body).total_cents


@FAST
@given(requests(), st.data())
def test_one_more_hour_never_costs_less(sr, data):
    slug, body = sr
    i = data.draw(st.integers(0, len(body["shifts"]) - 1))
    s = body["shifts"][i]
    end = datetime.fromisoformat(s["end"]) + timedelta(hours=1)
    if end - datetime.fromisoformat(s["start"]) > timedelta(hours=24):
        end = datetime.fromisoformat(s["start"]) + timedelta(hours=24)
    longer = {**body, "shifts": [dict(x) for x in body["shifts"]]}
    longer["shifts"][i]["end"] = end.isoformat()
    assert priced(slug, longer).total_cents >= priced(slug, body).total_cents


@FAST
@given(requests(max_shifts=1), st.lists(st.integers(0, 30 * 24 * 60), min_size=2, max_size=6))
def test_cancellation_fee_never_decreases_as_the_start_approaches(sr, offsets):
    q = priced(*sr)
    start = q.shifts[0].start
    fees = [cancellation_fee(q, start - timedelta(minutes=m + 1)) for m in sorted(offsets, reverse=True)]
    assert fees == sorted(fees)
    assert [s.fee_cents for s in q.cancellation] == sorted(s.fee_cents for s in q.cancellation)
    assert cancellation_fee(q, start) == 0
    assert min(cancellation_fee(q, start - timedelta(minutes=1)), q.total_cents) == q.deposit_cents


@FAST
@given(requests())
def test_steps_agree_with_the_fee_function(sr):
    q = priced(*sr)
    for step in q.cancellation:
        probe = step.until - timedelta(minutes=1) if step.start is None else step.start
        assert cancellation_fee(q, probe) == step.fee_cents


@FAST
@given(st.sampled_from(SEED_SLUGS), st.integers(-300, 300), st.integers(60, 600), st.integers(1, 6))
def test_dst_days_bill_elapsed_minutes(slug, offset, length, officers):
    """Labour minutes per position equal max(minimum, elapsed minutes), whatever the wall clock says.

    Around Denver's change on 2027-03-14 02:00 (and the same instants in the other zones).
    """
    card = CARDS[slug]
    change = datetime(2027, 3, 14, 9, 0, tzinfo=UTC)  # 02:00 MST in Denver
    start = change + timedelta(minutes=offset)
    end = start + timedelta(minutes=length)
    local = card.zone
    body = {"submitted_at": "2027-02-01T09:00:00+00:00", "shifts": [{
        "start": start.astimezone(local).strftime("%Y-%m-%dT%H:%M"),  # wall clock, no offset
        "end": end.astimezone(local).strftime("%Y-%m-%dT%H:%M"), "officers": officers}]}
    q = priced(slug, body)
    s = q.shifts[0]
    labour_minutes = sum(ln.count * ln.minutes for ln in s.lines if ln.kind == "labour")
    assert labour_minutes == s.headcount * max(card.minimum_minutes, length)
