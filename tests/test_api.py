"""The machine interface: POST /api/v1/quotes, agencies, rate cards, OpenAPI; and flask quote."""

import json

import pytest

from tests.support.examples import EXAMPLE_IDS, EXAMPLES, assert_matches_example

TUCSON = {
    "agency": "tucson",
    "submitted_at": "2026-12-01T09:00:00-07:00",
    "shifts": [{"start": "2026-12-31T20:00", "end": "2027-01-01T02:00", "officers": 5, "vehicles": 1}],
}


@pytest.fixture(autouse=True)
def _cards(agencies):
    """Every test here has the four shipped cards loaded."""


def post_quote(client, body):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/api/v1/quotes", data=raw, content_type="application/json")


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_api_reproduces_every_worked_example(client, example):
    response = post_quote(client, example["request"])
    assert response.status_code == 200, response.get_json()
    assert_matches_example(response.get_json(), example)


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_flask_quote_reproduces_every_worked_example(runner, example, tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(example["request"]))
    result = runner.invoke(args=["quote", str(path)])
    assert result.exit_code == 0, result.output
    assert_matches_example(json.loads(result.output), example)


def test_quote_contract_fields(client):
    body = post_quote(client, TUCSON).get_json()
    assert body["agency"] == "tucson" and body["rate_card_version"] == 1 and body["schedule"] == "regular"
    assert body["submitted_at"] == "2026-12-01T09:00:00-07:00"
    shift = body["shifts"][0]
    assert shift["start"] == "2026-12-31T20:00:00-07:00" and shift["end"] == "2027-01-01T02:00:00-07:00"
    line = shift["lines"][0]
    assert set(line) >= {"kind", "rank", "tier", "count", "minutes", "rate_cents", "amount_cents", "description"}
    assert body["cancellation"][0]["from"] is None
    assert all(isinstance(n["code"], str) and n["message"] for n in body["notices"])


def test_api_needs_no_csrf_token_and_sets_no_cookie(client):
    response = post_quote(client, TUCSON)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shifts": [{"start": "2026-12-31T20:00", "end": "2026-12-31T19:00", "officers": 1}]}, "shifts[0].end"),
        ({"shifts": [{"start": "2026-12-30T20:00", "end": "2026-12-31T21:00", "officers": 1}]}, "shifts[0].end"),
        # 02:30 on 14 March 2027 does not exist in Denver (clocks jump from 02:00 to 03:00).
        ({"agency": "west-valley-city", "submitted_at": "2027-03-01T09:00:00-07:00",
          "shifts": [{"start": "2027-03-14T02:30", "end": "2027-03-14T06:00", "officers": 1}]}, "shifts[0].start"),
        ({"agency": "nowhere"}, "agency"),
        ({"agency": 7}, "agency"),
        ({"shifts": [{"start": "2026-12-31T20:00", "end": "2027-01-01T02:00", "positions": {"admiral": 1}}]},
         "shifts[0].positions.admiral"),
        ({"schedule": "premium_gold"}, "schedule"),
        ({"shifts": [{"start": "2026-12-31T20:00", "end": "2027-01-01T02:00", "officers": 2, "vehicles": 3}]},
         "shifts[0].vehicles"),
        ({"agency": "kcpd", "submitted_at": "2026-12-01T09:00:00-06:00", "offered_rates": {"officer": "30.00"},
          "shifts": [{"start": "2026-12-12T18:00", "end": "2026-12-12T23:00", "officers": 1}]},
         "offered_rates.officer"),
        ({"shifts": [{"start": "2026-12-31T20:00", "end": "2027-01-01T02:00", "officers": 10**30}]},
         "shifts[0].officers"),
        ({"shifts": []}, "shifts"),
        ({"shifts": [{"start": "2026-11-01T20:00", "end": "2026-11-01T22:00", "officers": 1}]}, "shifts[0].start"),
        ({"submitted_at": "yesterday"}, "submitted_at"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, change, field):
    response = post_quote(client, {**TUCSON, **change})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert field in [e["field"] for e in errors], errors
    assert all(e["message"] for e in errors)


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", "null", '"text"', b"\xff\xfe"])
def test_malformed_bodies_are_422(client, raw):
    response = post_quote(client, raw)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"]


def test_huge_body_is_refused_cleanly(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = post_quote(client, {**TUCSON, "padding": "x" * 4096})
    assert response.status_code == 413
    assert response.get_json()["errors"][0]["message"]


def test_blocked_quote_is_200_with_blocks(client):
    body = {**TUCSON, "screening": {"armed_private_security": True}}
    response = post_quote(client, body)
    assert response.status_code == 200
    blocks = response.get_json()["blocks"]
    assert blocks and blocks[0]["source"] and blocks[0]["message"]


def test_agencies_endpoint(client):
    agencies = {a["slug"]: a for a in client.get("/api/v1/agencies").get_json()["agencies"]}
    assert set(agencies) == {"kcpd", "mesa", "west-valley-city", "tucson"}
    tucson = agencies["tucson"]
    assert tucson["time_zone"] == "America/Phoenix" and tucson["rate_card_version"] == 1
    assert [s["key"] for s in tucson["schedules"]] == ["regular", "major_event", "critical_need"]
    assert [r["key"] for r in tucson["ranks"]] == ["officer", "sergeant", "commander"]
    assert any(q["key"] == "armed_private_security" for q in tucson["screening_questions"])
    assert agencies["kcpd"]["rates_are_minimums"] is True
    assert agencies["kcpd"]["venue_kinds"]


def test_rate_card_endpoint(client):
    body = client.get("/api/v1/agencies/mesa/rate-card").get_json()
    assert body["agency"] == "mesa" and body["version"] == 1
    assert body["card"]["slug"] == "mesa"
    toml = client.get("/api/v1/agencies/mesa/rate-card?format=toml")
    assert toml.mimetype == "application/toml" and 'slug = "mesa"' in toml.get_data(as_text=True)
    missing = client.get("/api/v1/agencies/atlantis/rate-card")
    assert missing.status_code == 404 and missing.get_json()["errors"][0]["field"] == "slug"


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/quotes", "/api/v1/agencies", "/api/v1/agencies/{slug}/rate-card"} <= set(spec["paths"])
    required = set(spec["components"]["schemas"]["Quote"]["required"])
    assert required == {"agency", "rate_card_version", "schedule", "submitted_at", "shifts", "total_cents",
                        "deposit_cents", "cancellation", "notices", "blocks"}
    # The document describes what the API really answers.
    assert required <= set(client.post("/api/v1/quotes", json=TUCSON).get_json())


def test_api_is_rate_limited_per_client(client, app):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    codes = [client.get("/api/v1/agencies").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/v1/agencies")
    assert refused.get_json()["errors"][0]["message"] and int(refused.headers["Retry-After"]) > 0


def test_the_api_limit_is_one_budget_per_client_address_across_every_route(client, app):
    """Issue 10: the limit was counted per route, so each new route added another 120 calls a minute."""
    app.config["API_RATE_LIMIT"] = "4 per minute"
    calls = [
        lambda: client.get("/api/v1/agencies"),
        lambda: client.post("/api/v1/quotes", json=TUCSON),
        lambda: client.get("/api/v1/agencies/mesa/rate-card"),
        lambda: client.get("/api/v1/openapi.json"),
        lambda: client.get("/api/v1/agencies"),
        lambda: client.post("/api/v1/quotes", json=TUCSON),
    ]
    assert [call().status_code for call in calls] == [200, 200, 200, 200, 429, 429]
    other = client.get("/api/v1/agencies", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200  # another address has a budget of its own


DEEP_SHIFTS = json.dumps({**TUCSON, "shifts": json.loads("[" * 17 + "1" + "]" * 17)})


@pytest.mark.parametrize("body", ["[" * 5000, '{"a":' * 5000, DEEP_SHIFTS])
def test_a_deeply_nested_body_is_a_422_not_a_recursion_error(client, body):
    response = client.post("/api/v1/quotes", data=body, content_type="application/json")
    assert response.status_code == 422
    assert "nests arrays or objects more than 16 deep" in response.get_json()["errors"][0]["message"]


def test_an_oversized_unknown_field_is_echoed_as_a_short_excerpt(client):
    name = "x" * 100_000
    response = client.post("/api/v1/quotes", json={**TUCSON, name: 1})
    assert response.status_code == 422
    assert len(response.get_data()) < 2_000
    (error,) = response.get_json()["errors"]
    assert error["field"].startswith("xxxx") and error["field"].endswith("…") and len(error["field"]) <= 80


def test_rate_card_format_must_be_json_or_toml(client):
    assert client.get("/api/v1/agencies/mesa/rate-card?format=json").status_code == 200
    response = client.get("/api/v1/agencies/mesa/rate-card?format=yaml")
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "format"


def test_flask_quote_exit_codes(runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**TUCSON, "shifts": [{"start": "2026-12-31T20:00", "end": "2026-12-31T19:00",
                                                     "officers": 1}]}))
    refused = runner.invoke(args=["quote", str(bad)])
    assert refused.exit_code == 1
    assert json.loads(refused.output)["errors"][0]["field"] == "shifts[0].end"
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{nope")
    unusable = runner.invoke(args=["quote", str(garbage)])
    assert unusable.exit_code == 2 and "not valid JSON" in unusable.output
    missing = runner.invoke(args=["quote", str(tmp_path / "absent.json")])
    assert missing.exit_code == 2
    stdin = runner.invoke(args=["quote", "-"], input=json.dumps(TUCSON))
    assert stdin.exit_code == 0 and json.loads(stdin.output)["total_cents"] > 0


def test_flask_quote_now_option(runner):
    body = {k: v for k, v in TUCSON.items() if k != "submitted_at"}
    late = runner.invoke(args=["quote", "-", "--now", "2026-12-30T09:00:00-07:00"], input=json.dumps(body))
    early = runner.invoke(args=["quote", "-", "--now", "2026-12-01T09:00:00-07:00"], input=json.dumps(body))
    assert json.loads(late.output)["submitted_at"] == "2026-12-30T09:00:00-07:00"
    assert json.loads(early.output)["submitted_at"] == "2026-12-01T09:00:00-07:00"


@pytest.mark.parametrize("slug", ["KCPD", "kc pd", "x" * 80])
def test_rate_card_of_a_malformed_slug_is_404(client, slug):
    response = client.get(f"/api/v1/agencies/{slug}/rate-card")
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["field"] == "slug"


def test_a_nul_byte_in_the_path_is_a_400_in_the_errors_shape(client):
    response = client.get("/api/v1/agencies/kcpd%00/rate-card")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["message"]
