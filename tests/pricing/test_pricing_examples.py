"""Table-driven from the worked examples (tests/data/examples/quotes.json, the repository's copy of
../shared/examples/quotes.json). The numbers are read from the file at run time, never copied here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest

from portal.pricing import cancellation_fee, load_seed_card, parse_request, quote
from tests.support.examples import (
    EXAMPLE_IDS,
    EXAMPLES,
    EXAMPLES_FILE,
    SHARED_EXAMPLES_FILE,
    assert_matches_example,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _priced(example: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    card = load_seed_card(example["request"]["agency"])
    q = quote(parse_request(example["request"], card, now=NOW), card)
    return q, json.loads(json.dumps(q.to_dict()))  # must survive a JSON round trip


def test_examples_file_is_there():
    assert EXAMPLES, f"no examples in {EXAMPLES_FILE}"


@pytest.mark.skipif(not SHARED_EXAMPLES_FILE.is_file(), reason="no ../shared beside this clone")
def test_examples_copy_is_current():
    """The repository's copy is the team's shared file, byte for byte (copy it again when it changes)."""
    assert EXAMPLES_FILE.read_bytes() == SHARED_EXAMPLES_FILE.read_bytes()


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_example(example: dict[str, Any]) -> None:
    q, d = _priced(example)
    assert_matches_example(d, example)
    for moment, fee in example["expect"].get("cancellation_fee_cents_at", {}).items():
        assert cancellation_fee(q, datetime.fromisoformat(moment)) == fee, moment


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_example_contract(example: dict[str, Any]) -> None:
    """Spec section 10: the fields are there and mean what they say."""
    _, d = _priced(example)
    for key in ("agency", "rate_card_version", "schedule", "submitted_at", "shifts", "total_cents",
                "deposit_cents", "cancellation", "notices", "blocks"):
        assert key in d
    assert d["agency"] == example["request"]["agency"]
    assert d["rate_card_version"] == 1
    assert d["total_cents"] == sum(s["total_cents"] for s in d["shifts"])
    for s in d["shifts"]:
        assert s["total_cents"] == sum(ln["amount_cents"] for ln in s["lines"])
        assert datetime.fromisoformat(s["start"]).utcoffset() is not None
        for ln in s["lines"]:
            assert {"kind", "rank", "tier", "count", "minutes", "rate_cents", "amount_cents", "description"} <= set(ln)
    steps = d["cancellation"]
    assert steps[0]["from"] is None
    for a, b in pairwise(steps):
        assert a["until"] == b["from"]
    last_start = max(datetime.fromisoformat(s["start"]) for s in d["shifts"])
    assert datetime.fromisoformat(steps[-1]["until"]) == last_start
    assert 0 <= d["deposit_cents"] <= d["total_cents"]
    for n in d["notices"] + d["blocks"]:
        assert n["code"] and n["message"]


def test_blocked_example_says_why():
    ex = next(e for e in EXAMPLES if e["expect"]["blocked"])
    _, d = _priced(ex)
    assert d["blocks"][0]["code"] == "outside_jurisdiction"
    assert "kcpd-policy-630-9" in d["blocks"][0]["source"]


def test_line_descriptions_and_explanations():
    by_name = {e["name"]: e for e in EXAMPLES}
    _, d = _priced(by_name["tucson-new-years-eve"])
    descs = " | ".join(ln["description"] for ln in d["shifts"][0]["lines"])
    assert "Holiday rate: New Year's Eve, New Year's Day" in descs
    assert "Vehicle pick-up and return: 30 min" in descs
    assert any("one must be a sergeant" in x for x in d["shifts"][0]["explanations"])
    assert d["admin_fee"]["rate_cents"] == 1200 and d["admin_fee"]["published_min_cents"] == 640
    _, d = _priced(by_name["kcpd-short-shift-offered-rate"])
    assert "3-hour minimum applies" in d["shifts"][0]["lines"][0]["description"]
    assert d["shifts"][0]["lines"][0]["description"].startswith("Offered rate")
    _, d = _priced(by_name["kcpd-tavern-minimum"])
    assert [a["code"] for a in d["approvals"]] == ["tavern_approval"]
    _, d = _priced(by_name["mesa-vehicle-emergency"])
    codes = {n["code"] for n in d["notices"]}
    assert {"emergency_rate", "admin_fee_unpublished"} <= codes
