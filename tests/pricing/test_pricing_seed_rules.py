"""Agency rules of spec sections 7 and 8 on the shipped cards, beyond the worked examples."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.pricing import cancellation_fee, load_seed_card, parse_request, quote

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def kc(**extra):
    card = load_seed_card("kcpd")
    body = {"submitted_at": "2026-12-01T10:00:00-06:00", "location": {"city": "Kansas City", "state": "Missouri"},
            "shifts": [{"start": "2026-12-12T18:00", "end": "2026-12-12T23:00", "officers": 2}]}
    body.update(extra)
    return quote(parse_request(body, card, now=NOW), card)


def test_kcpd_staffing_recommendation_is_a_notice():
    # 3,000 attendees, open air with alcohol: ceil(3000/750)+1 = 5 to ceil(3000/500)+3 = 9 officers
    q = kc(venue={"kind": "open_air_with_alcohol", "attendance": 3000})
    assert (q.recommendation.min_officers, q.recommendation.max_officers) == (5, 9)
    n = next(n for n in q.notices if n.code == "staffing_recommendation")
    assert n.shifts == (0,) and "IV.A.13" in n.source
    assert not q.blocks
    assert q.to_dict()["recommendation"]["max_officers"] == 9


def test_kcpd_sixteen_hour_limit_blocks():
    q = kc(shifts=[{"start": "2026-12-12T06:00", "end": "2026-12-12T22:01", "officers": 1}])
    assert [b.code for b in q.blocks] == ["shift_too_long"]
    q = kc(shifts=[{"start": "2026-12-12T06:00", "end": "2026-12-12T22:00", "officers": 1}])
    assert not q.blocks


def test_kcpd_location_rules():
    assert not kc(location={"city": "kansas  city", "state": "mo"}).blocks
    assert kc(location={"city": "Kansas City", "state": "KS"}).blocks
    q = kc(location=None)
    assert not q.blocks and any(n.code == "location_unchecked" for n in q.notices)


def test_kcpd_screening_blocks_and_approvals():
    assert {b.code for b in kc(screening={"gambling": True, "nudity": True}).blocks} == {"gambling", "nudity"}
    q = kc(screening={"plain_clothes": True})
    assert not q.blocks and [a.code for a in q.approvals] == ["plain_clothes"]


def test_kcpd_vehicle_needs_approval_but_costs_nothing():
    q = kc(shifts=[{"start": "2026-12-12T18:00", "end": "2026-12-12T23:00", "officers": 2, "vehicles": 1}])
    assert q.total_cents == 38000 and [a.code for a in q.approvals] == ["vehicle_approval"]


def test_kcpd_advance_notice_advisory():
    q = kc(submitted_at="2026-12-10T10:00:00-06:00")
    assert any(n.code == "short_notice" for n in q.notices)
    assert not any(n.code == "short_notice" for n in kc().notices)


def test_tucson_critical_need_and_fallback_free_ranks():
    card = load_seed_card("tucson")
    body = {"schedule": "critical_need", "submitted_at": "2026-12-24T09:00:00-07:00",
            "shifts": [{"start": "2026-12-25T10:00", "end": "2026-12-25T14:00", "positions": {"commander": 1}}]}
    q = quote(parse_request(body, card, now=NOW), card)
    # Christmas Day with 25 h notice: holiday $142.60 vs emergency $142.16, highest wins: 4 x $142.60
    assert q.total_cents == 57040 and q.shifts[0].lines[0].tier == "holiday"


def test_wvc_day_after_thanksgiving_and_pioneer_day():
    card = load_seed_card("west-valley-city")
    for day in ("2026-11-27", "2027-07-24"):
        body = {"submitted_at": "2026-11-01T09:00", "shifts": [
            {"start": f"{day}T10:00", "end": f"{day}T12:00", "officers": 1}]}
        assert quote(parse_request(body, card, now=NOW), card).total_cents == 2 * 8550


def test_mesa_unpublished_admin_fee_left_out():
    card = load_seed_card("mesa")
    body = {"submitted_at": "2026-12-01T08:00:00-07:00", "shifts": [
        {"start": "2026-12-15T16:00", "end": "2026-12-15T20:00", "officers": 1}]}
    q = quote(parse_request(body, card, now=NOW), card)
    assert cancellation_fee(q, datetime.fromisoformat("2026-12-15T15:00-07:00")) == 3 * 7805
    assert any(n.code == "admin_fee_unpublished" for n in q.notices)
