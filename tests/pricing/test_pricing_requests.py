"""Request validation (spec section 10): every error collected, each naming its field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from portal.pricing import RequestError, load_seed_card, parse_request, quote
from portal.pricing.request import MAX_POSITIONS, MAX_SHIFTS, MAX_YEAR, MIN_YEAR

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
SUBMITTED = "2026-12-01T09:00:00-07:00"
SHIFT = {"start": "2026-12-10T18:00", "end": "2026-12-10T22:00", "officers": 2}


def errors(body: dict[str, Any] | Any, slug: str = "tucson") -> dict[str, str]:
    card = load_seed_card(slug)
    with pytest.raises(RequestError) as err:
        parse_request(body, card, now=NOW)
    return {e.field: e.message for e in err.value.errors}


def body(*shifts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"submitted_at": SUBMITTED, "shifts": list(shifts) or [SHIFT], **extra}


def test_valid_request_parses():
    card = load_seed_card("tucson")
    req = parse_request(body(), card, now=NOW)
    assert req.schedule == "regular" and req.shifts[0].start.isoformat() == "2026-12-10T18:00:00-07:00"


@pytest.mark.parametrize(("data", "field", "words"), [
    ([], "", "JSON object"),
    ({"submitted_at": SUBMITTED}, "shifts", "required"),
    ({"shifts": "soon"}, "shifts", "list"),
    ({"shifts": []}, "shifts", "at least one"),
    ({"shifts": [SHIFT] * (MAX_SHIFTS + 1)}, "shifts", f"at most {MAX_SHIFTS}"),
    (body("not a shift"), "shifts[0]", "object"),
    (body({**SHIFT, "start": "2026-13-01T10:00"}), "shifts[0].start", "not a valid"),
    (body({**SHIFT, "start": "2026-12-10"}), "shifts[0].start", "date and time"),
    (body({**SHIFT, "start": 1765400000}), "shifts[0].start", "date and time"),
    (body({k: v for k, v in SHIFT.items() if k != "end"}), "shifts[0].end", "required"),
    (body({**SHIFT, "end": "2026-12-10T17:00"}), "shifts[0].end", "end after it starts"),
    (body({**SHIFT, "end": "2026-12-10T18:00"}), "shifts[0].end", "end after it starts"),
    (body({**SHIFT, "end": "2026-12-11T18:01"}), "shifts[0].end", "24 hours"),
    (body({**SHIFT, "start": "2026-12-10T18:00:30"}), "shifts[0].start", "minute precision"),
    # the ends of the calendar: converting to the agency's zone or walking the billed days would overflow
    ({"submitted_at": "0001-01-01T00:00+14:00", "shifts": [SHIFT]}, "submitted_at", "year must be between"),
    ({"submitted_at": "0001-01-01T00:00", "shifts": [SHIFT]}, "submitted_at", "year must be between"),
    (body({**SHIFT, "start": "9999-12-31T10:00", "end": "9999-12-31T12:00"}), "shifts[0].start", "year must be"),
    (body({**SHIFT, "end": "9999-12-31T22:00-12:00"}), "shifts[0].end", "year must be between"),
    (body({**SHIFT, "start": f"{MAX_YEAR + 1}-01-01T10:00", "end": f"{MAX_YEAR + 1}-01-01T12:00"}),
     "shifts[0].start", f"between {MIN_YEAR} and {MAX_YEAR}"),
    (body({**SHIFT, "start": "2026-11-30T18:00", "end": "2026-11-30T22:00"}), "shifts[0].start", "nobody books"),
    (body({**SHIFT, "start": "2026-12-01T09:00"}), "shifts[0].start", "nobody books"),
    (body({**SHIFT, "positions": {"officer": 2}}), "shifts[0].positions", "not both"),
    (body({"start": SHIFT["start"], "end": SHIFT["end"]}), "shifts[0].officers", "required"),
    (body({**SHIFT, "officers": 0}), "shifts[0].officers", "at least 1"),
    (body({**SHIFT, "officers": -3}), "shifts[0].officers", "at least 1"),
    (body({**SHIFT, "officers": True}), "shifts[0].officers", "whole number"),
    (body({**SHIFT, "officers": "2"}), "shifts[0].officers", "whole number"),
    (body({**SHIFT, "officers": 2.0}), "shifts[0].officers", "whole number"),
    (body({**SHIFT, "officers": MAX_POSITIONS + 1}), "shifts[0].officers", f"at most {MAX_POSITIONS}"),
    (body({**SHIFT, "officers": 10**30}), "shifts[0].officers", f"at most {MAX_POSITIONS}"),
    (body({"start": SHIFT["start"], "end": SHIFT["end"], "positions": {"captain": 1}}),
     "shifts[0].positions.captain", "unknown rank"),
    (body({"start": SHIFT["start"], "end": SHIFT["end"], "positions": {"officer": 0}}),
     "shifts[0].positions", "at least one"),
    (body({"start": SHIFT["start"], "end": SHIFT["end"], "positions": {"officer": 150, "sergeant": 100}}),
     "shifts[0].positions", f"at most {MAX_POSITIONS}"),
    (body({"start": SHIFT["start"], "end": SHIFT["end"], "positions": ["officer"]}), "shifts[0].positions",
     "object"),
    (body({**SHIFT, "vehicles": 3}), "shifts[0].vehicles", "at most one vehicle per position"),
    (body({**SHIFT, "vehicles": -1}), "shifts[0].vehicles", "negative"),
    (body({**SHIFT, "vehicles": False}), "shifts[0].vehicles", "whole number"),
    (body({**SHIFT, "job_type": "juggling"}), "shifts[0].job_type", "unknown job type"),
    (body({**SHIFT, "officer": 2}), "shifts[0].officer", "unknown field"),
    (body(schedule="weekend"), "schedule", "unknown schedule"),
    (body(offered_rates={"officer": "99.00"}), "offered_rates", "not taken"),
    (body(screening={"gambling": True}), "screening.gambling", "unknown screening question"),
    (body(screening={"armed_private_security": "yes"}), "screening.armed_private_security", "true or false"),
    (body(screening=["armed_private_security"]), "screening", "object"),
    (body(submitted_at="yesterday"), "submitted_at", "date and time"),
    (body(priority="asap"), "priority", "unknown priority"),
    (body(location="Tucson"), "location", "object"),
    (body(location={"city": 5}), "location.city", "text"),
    (body(agency="mesa"), "agency", "not"),
    (body(colour="blue"), "colour", "unknown field"),
])
def test_request_errors(data, field, words):
    got = errors(data)
    assert field in got, got
    assert words in got[field], got[field]


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"offered_rates": {"officer": "30.00"}}, "offered_rates.officer", "below"),
    ({"offered_rates": {"officer": "45.001"}}, "offered_rates.officer", "2 decimals"),
    ({"offered_rates": {"officer": 45.5}}, "offered_rates.officer", "string"),
    ({"offered_rates": {"officer": "forty"}}, "offered_rates.officer", "expected an amount"),
    ({"offered_rates": {"general": "99.00"}}, "offered_rates.general", "unknown rank"),
    ({"offered_rates": "45.00"}, "offered_rates", "object"),
    ({"venue": {"kind": "stadium", "attendance": 10}}, "venue.kind", "unknown venue kind"),
    ({"venue": {"kind": "open_air_with_alcohol", "attendance": -5}}, "venue.attendance", "negative"),
    ({"venue": {"kind": "open_air_with_alcohol", "attendance": "lots"}}, "venue.attendance", "whole number"),
    ({"venue": {"kind": "open_air_with_alcohol", "attendance": True}}, "venue.attendance", "whole number"),
    ({"venue": "big"}, "venue", "object"),
])
def test_kcpd_request_errors(extra, field, words):
    kc = {"submitted_at": "2026-12-01T09:00:00-06:00",
          "shifts": [{"start": "2026-12-10T18:00", "end": "2026-12-10T22:00", "officers": 1}], **extra}
    got = errors(kc, "kcpd")
    assert field in got and words in got[field], got


def test_all_errors_are_collected_not_just_the_first():
    got = errors(body({**SHIFT, "end": "2026-12-10T17:00", "vehicles": -1},
                      {**SHIFT, "officers": 0, "job_type": "x"}, schedule="nope", screening={"zzz": True}))
    assert {"shifts[0].end", "shifts[0].vehicles", "shifts[1].officers", "shifts[1].job_type", "schedule",
            "screening.zzz"} <= set(got)


def test_error_json_shape():
    card = load_seed_card("tucson")
    with pytest.raises(RequestError) as err:
        parse_request({"shifts": []}, card, now=NOW)
    assert err.value.to_dict() == {"errors": [{"field": "shifts", "message": "at least one shift is required"}]}


def test_times_without_offset_are_agency_time_and_offsets_are_converted():
    card = load_seed_card("kcpd")
    req = parse_request({"submitted_at": "2026-12-01T09:00:00Z", "shifts": [
        {"start": "2026-12-12T18:00:00-05:00", "end": "2026-12-12T23:00", "officers": 1}]}, card, now=NOW)
    assert req.shifts[0].start.isoformat() == "2026-12-12T17:00:00-06:00"
    assert req.shifts[0].end.isoformat() == "2026-12-12T23:00:00-06:00"
    assert req.submitted_at.isoformat() == "2026-12-01T03:00:00-06:00"


def test_submitted_at_defaults_to_now():
    card = load_seed_card("tucson")
    req = parse_request({"shifts": [SHIFT]}, card, now=NOW)
    assert req.submitted_at == NOW and req.submitted_at.utcoffset().total_seconds() == -7 * 3600


def test_nonexistent_local_time_is_an_error():
    # Denver skips 02:00-03:00 on 2027-03-14
    got = errors({"submitted_at": "2027-03-01T09:00", "shifts": [
        {"start": "2027-03-14T02:30", "end": "2027-03-14T06:00", "officers": 1}]}, "west-valley-city")
    assert "does not exist" in got["shifts[0].start"]


def test_ambiguous_local_time_is_the_first_occurrence():
    # Denver repeats 01:00-02:00 on 2027-11-07; 01:30 is read as 01:30 MDT (-06:00), the earlier instant.
    card = load_seed_card("west-valley-city")
    req = parse_request({"submitted_at": "2027-10-01T09:00", "shifts": [
        {"start": "2027-11-07T01:30", "end": "2027-11-07T03:30", "officers": 1}]}, card, now=NOW)
    assert req.shifts[0].start.utcoffset().total_seconds() == -6 * 3600
    q = quote(req, card)  # 01:30 MDT -> 03:30 MST is 3 h elapsed, which is over the 2 h minimum
    assert q.shifts[0].lines[0].minutes == 180


def test_null_or_false_screening_answers_mean_no():
    card = load_seed_card("tucson")
    req = parse_request(body(screening={"armed_private_security": None, "civil_legal_services": False}), card,
                        now=NOW)
    assert req.screening == frozenset()


@pytest.mark.parametrize("slug", ["tucson", "west-valley-city", "kcpd", "mesa"])
def test_the_first_and_last_years_taken_still_price(slug):
    """A night across New Year at either end of the accepted years: holidays of the next year, the billed
    padding and the cancellation steps stay inside the calendar."""
    card = load_seed_card(slug)
    for submitted, start, end in [(f"{MIN_YEAR}-01-01T00:00", f"{MIN_YEAR}-01-01T01:00", f"{MIN_YEAR}-01-01T02:00"),
                                  (f"{MAX_YEAR}-12-01T09:00", f"{MAX_YEAR}-12-31T20:00",
                                   f"{MAX_YEAR}-12-31T23:59")]:
        req = parse_request({"submitted_at": submitted, "shifts": [
            {"start": start, "end": end, "officers": 5, "vehicles": 1}]}, card, now=NOW)
        assert quote(req, card).to_dict()["total_cents"] > 0
