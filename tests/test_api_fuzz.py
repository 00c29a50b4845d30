"""Bad input never raises past the API: POST /api/v1/quotes answers 200 or 422, never 500.

Hypothesis posts random JSON bodies (any JSON value at all) and structured mutations of a valid
request (each field and each shift field replaced by random values, date-like strings, DST-gap
times, huge numbers, nested objects, unknown agencies/ranks/schedules, up to 400 shifts). Every
422 must name its fields, each with a message.

The app, its database and the four shipped cards are built once per test function and shared by
the examples (nothing here changes them), hence the suppressed function-scoped-fixture health check.
``API_FUZZ_EXAMPLES=5000`` searches longer than the default run of a few seconds.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SLUGS = ("kcpd", "mesa", "west-valley-city", "tucson")

VALID: dict[str, dict[str, Any]] = {
    "tucson": {
        "agency": "tucson", "schedule": "regular", "submitted_at": "2026-12-01T09:00:00-07:00",
        "location": {"city": "Tucson", "state": "AZ", "zip": "85701"},
        "screening": {"alcohol_principal_business": False},
        "shifts": [{"start": "2026-12-31T20:00", "end": "2027-01-01T02:00", "officers": 5, "vehicles": 1,
                    "job_type": None}],
    },
    "kcpd": {
        "agency": "kcpd", "submitted_at": "2026-12-01T09:00:00-06:00",
        "location": {"city": "Kansas City", "state": "MO", "zip": "64106"},
        "venue": {"kind": "open_air_with_alcohol", "attendance": 3000},
        "offered_rates": {"officer": "45.00"},
        "shifts": [{"start": "2026-12-12T18:00", "end": "2026-12-12T23:00",
                    "positions": {"officer": 4, "sergeant": 1}}],
    },
    "west-valley-city": {
        "agency": "west-valley-city", "submitted_at": "2027-03-01T09:00",
        "shifts": [{"start": "2027-03-14T01:00", "end": "2027-03-14T06:00", "officers": 5, "vehicles": 2}],
    },
    "mesa": {
        "agency": "mesa", "submitted_at": "2026-12-01T09:00:00-07:00",
        "shifts": [{"start": "2026-12-02T18:00", "end": "2026-12-02T22:00", "officers": 2, "vehicles": 1}],
    },
}

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """Hundreds of requests per test: lift the API's rate limit."""
    return {**app_config, "API_RATE_LIMIT": "1000000 per minute"}


@pytest.fixture(autouse=True)
def _cards(agencies):
    """The four shipped cards are in the database for every test here."""


# -- strategies ------------------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**100), max_value=10**100),
    st.sampled_from([0, 1, -1, 5, 16, 200, 201, 366, 367, 2**31, 2**63, 10**100, -(10**100)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=30))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=25,
)


@st.composite
def iso_like(draw: st.DrawFn) -> str:
    """Strings that look like times: in and out of range fields, offsets, DST gaps, odd separators."""
    y = draw(st.sampled_from([1, 1969, 1970, 2026, 2027, 2028, 9000, 9001, 9999]))
    mo = draw(st.integers(0, 14))
    d = draw(st.integers(0, 45))
    h = draw(st.integers(0, 26))
    mi = draw(st.integers(0, 61))
    sep = draw(st.sampled_from(["T", "t", " ", "_"]))
    tail = draw(st.sampled_from(["", ":00", ":30", ":00.5", ":59.999999"]))
    off = draw(st.sampled_from(["", "Z", "+00:00", "-07:00", "-06:00", "+14:00", "-12:00", "+25:00", "-0700"]))
    return f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}{tail}{off}"


@st.composite
def near_times(draw: st.DrawFn) -> str:
    """Valid local times around the bases' dates, the holidays and both 2027 DST changes."""
    day = draw(st.sampled_from(["2026-12-01", "2026-12-02", "2026-12-12", "2026-12-24", "2026-12-25", "2026-12-31",
                                "2027-01-01", "2027-03-13", "2027-03-14", "2027-11-06", "2027-11-07"]))
    return f"{day}T{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 15, 30, 59])):02d}"


times = st.one_of(
    near_times(),
    iso_like(),
    st.sampled_from([
        "2026-13-45T25:61", "2027-03-14T02:30", "2027-03-14T02:00", "2027-11-07T01:30", "2026-11-01T01:30",
        "2027-03-14T02:30-06:00", "9999-12-31T23:59", "9999-12-31T23:59-12:00", "0001-01-01T00:00+14:00",
        "2026-12-31T20:00", "2027-01-01T02:00", "2026-W53-4T20:00", "2026-12-31T24:00", "", "T",
    ]),
    st.text(max_size=30),
    json_values,
)
ranks = st.one_of(st.sampled_from(["officer", "sergeant", "lieutenant", "captain", "commander", "supervisor"]),
                  st.text(max_size=12))
counts = st.one_of(st.integers(-3, 210), numbers, json_values)
agencies_ = st.one_of(st.sampled_from([*SLUGS, "", " tucson", "TUCSON", "springfield", "nope"]), json_values)


@st.composite
def shifts(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    shift = dict(draw(st.sampled_from(base["shifts"])))
    keys = ["start", "end", "officers", "positions", "vehicles", "job_type", "extra"]
    for key in draw(st.lists(st.sampled_from(keys), max_size=draw(st.sampled_from([0, 0, 1, 2, 4])), unique=True)):
        if key in ("start", "end"):
            shift[key] = draw(times)
        elif key == "positions":
            shift[key] = draw(st.one_of(st.dictionaries(ranks, counts, max_size=4), json_values))
        elif key in ("officers", "vehicles"):
            shift[key] = draw(counts)
        elif key == "job_type":
            shift[key] = draw(st.one_of(st.sampled_from(["security", "traffic_control", "funeral_escort"]),
                                        json_values))
        else:
            shift[draw(st.text(max_size=10))] = draw(json_values)
    if draw(st.sampled_from([False, False, False, True])):
        shift.pop(draw(st.sampled_from(sorted(shift))), None)
    return shift


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request with some fields replaced, dropped or added."""
    slug = draw(st.sampled_from(SLUGS))
    base = VALID[slug]
    body = dict(base)
    n_shifts = draw(st.sampled_from([1, 1, 1, 2, 3, 0, 12, 366, 367, 400]))
    if n_shifts > 12:  # many copies of one (possibly broken) shift keep big bodies cheap to draw
        body["shifts"] = [draw(shifts(base))] * n_shifts
    else:
        body["shifts"] = [draw(shifts(base)) for _ in range(n_shifts)]
    fields = ["agency", "schedule", "submitted_at", "location", "screening", "venue", "offered_rates", "priority",
              "shifts", "extra"]
    for key in draw(st.lists(st.sampled_from(fields), max_size=draw(st.sampled_from([0, 1, 2, 4])), unique=True)):
        if key == "agency":
            body[key] = draw(agencies_)
        elif key == "schedule":
            body[key] = draw(st.one_of(st.sampled_from(["regular", "major_event", "critical_need", "nope"]),
                                       json_values))
        elif key == "submitted_at":
            body[key] = draw(times)
        elif key == "location":
            body[key] = draw(st.one_of(st.fixed_dictionaries({}, optional={
                "city": st.one_of(st.sampled_from(["Kansas City", "Tucson", "Mesa"]), json_values),
                "state": st.one_of(st.sampled_from(["MO", "AZ", "Missouri"]), json_values),
                "zip": st.one_of(st.sampled_from(["64106", "85701", "1"]), json_values),
                "street": json_values}), json_values))
        elif key == "screening":
            body[key] = draw(st.one_of(st.dictionaries(st.sampled_from([
                "alcohol_principal_business", "gambling", "nudity", "labor_dispute", "civil_legal_services",
                "armed_private_security", "plain_clothes", "bodyguard_or_bouncer", "unknown"]),
                st.one_of(st.booleans(), json_values), max_size=4), json_values))
        elif key == "venue":
            body[key] = draw(st.one_of(st.fixed_dictionaries({}, optional={
                "kind": st.one_of(st.sampled_from(["open_air_with_alcohol", "nightclub_adult_entertainment", "x"]),
                                  json_values),
                "attendance": counts}), json_values))
        elif key == "offered_rates":
            body[key] = draw(st.one_of(st.dictionaries(ranks, st.one_of(
                st.sampled_from(["45.00", "37.99", "1000000.00", "45.001", "-1", "45", ""]), numbers, json_values),
                max_size=3), json_values))
        elif key == "priority":
            body[key] = draw(st.one_of(st.sampled_from(["emergency", "holiday", "regular"]), json_values))
        elif key == "shifts":
            body[key] = draw(json_values)
        else:
            body[draw(st.text(max_size=10))] = draw(json_values)
    if draw(st.sampled_from([False, False, False, True])):
        body.pop(draw(st.sampled_from(sorted(body))), None)
    return body


# -- the checks ------------------------------------------------------------------------------------


def post(client, body: Any):
    raw = json.dumps(body)  # NaN and Infinity too: Python's JSON reader takes them
    return client.post("/api/v1/quotes", data=raw, content_type="application/json")


def assert_answer(response) -> None:
    assert response.status_code in (200, 422), (response.status_code, response.get_data(as_text=True)[:2000])
    data = response.get_json()
    assert isinstance(data, dict)
    if response.status_code == 422:
        errors = data.get("errors")
        assert isinstance(errors, list) and errors, data
        for e in errors:
            assert set(e) >= {"field", "message"}, e
            assert e["field"] is None or isinstance(e["field"], str), e
            assert isinstance(e["message"], str) and e["message"].strip(), e
    else:
        assert isinstance(data["total_cents"], int) and data["total_cents"] >= 0


@FUZZ
@given(body=json_values)
def test_any_json_value_is_answered(client, body):
    assert_answer(post(client, body))


@FUZZ
@given(body=mutated())
def test_mutated_requests_are_answered(client, body):
    assert_answer(post(client, body))


@settings(FUZZ, max_examples=max(1, EXAMPLES * 3 // 4))
@given(slug=st.sampled_from(SLUGS), start=times, end=times, submitted=st.one_of(st.none(), times))
def test_random_times_are_answered(client, slug, start, end, submitted):
    body = {**VALID[slug], "shifts": [{**VALID[slug]["shifts"][0], "start": start, "end": end}]}
    if submitted is not None:
        body["submitted_at"] = submitted
    assert_answer(post(client, body))


@pytest.mark.parametrize("body", [
    {**VALID["west-valley-city"], "shifts": [{"start": "2027-03-14T02:30", "end": "2027-03-14T06:00", "officers": 1}]},
    {**VALID["tucson"], "submitted_at": "0001-01-01T00:00+14:00"},
    {**VALID["tucson"], "shifts": [{"start": "9999-12-31T20:00", "end": "9999-12-31T22:00", "officers": 1}]},
    {**VALID["tucson"], "shifts": [{"start": "2026-13-45T25:61", "end": "2027-01-01T02:00", "officers": 10**100}]},
    {**VALID["tucson"], "shifts": [VALID["tucson"]["shifts"][0]] * 400},
    {**VALID["tucson"], "shifts": [{**VALID["tucson"]["shifts"][0], "officers": math.inf}]},
], ids=["dst-gap", "year-1-offset", "year-9999", "bad-date-huge-count", "400-shifts", "infinite-count"])
def test_known_bad_inputs_name_their_fields(client, body):
    response = post(client, body)
    assert response.status_code == 422, response.get_json()
    assert_answer(response)


def test_the_valid_bases_are_valid(client):
    for body in VALID.values():
        response = post(client, body)
        assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("agency", ["\ud800", "\udfff tucson", "kcpd\x00", "x" * 100_000])
def test_agency_that_cannot_be_encoded_is_a_field_error(client, agency):
    response = post(client, {**VALID["tucson"], "agency": agency})
    assert response.status_code == 422
    assert_answer(response)
