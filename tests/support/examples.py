"""The worked examples and how a quote is checked against one.

The figures are read from tests/data/examples/quotes.json, a copy of the team's shared
../shared/examples/quotes.json kept in the repository so a clone on its own runs its tests;
``test_examples_copy_is_current`` fails when the shared file has changed and the copy has not.
Set DETAIL_DESK_SHARED to point at another copy of the shared directory.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

SHARED = Path(os.environ.get("DETAIL_DESK_SHARED") or Path(__file__).resolve().parents[3] / "shared")
SHARED_EXAMPLES_FILE = SHARED / "examples" / "quotes.json"
EXAMPLES_FILE = Path(__file__).resolve().parents[1] / "data" / "examples" / "quotes.json"
EXAMPLES: list[dict[str, Any]] = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
EXAMPLE_IDS = [e["name"] for e in EXAMPLES]


def fee_from_steps(steps: list[dict[str, Any]], at: datetime) -> int:
    """Read the fee at ``at`` from a quote's own [from, until) cancellation steps."""
    for step in steps:
        start = None if step["from"] is None else datetime.fromisoformat(step["from"])
        until = None if step["until"] is None else datetime.fromisoformat(step["until"])
        if (start is None or start <= at) and (until is None or at < until):
            return step["fee_cents"]
    return 0  # after the last shift has started nothing is cancellable


def assert_matches_example(quote: dict[str, Any], example: dict[str, Any]) -> None:
    """Every figure the example expects: total, deposit, per-shift totals, positions, blocked, fees."""
    expect = example["expect"]
    assert quote["total_cents"] == expect["total_cents"]
    assert quote["deposit_cents"] == expect["deposit_cents"]
    assert [s["total_cents"] for s in quote["shifts"]] == expect["shift_total_cents"]
    assert [s["positions"] for s in quote["shifts"]] == expect["positions"]
    assert bool(quote["blocks"]) == expect["blocked"]
    for moment, fee in expect.get("cancellation_fee_cents_at", {}).items():
        assert fee_from_steps(quote["cancellation"], datetime.fromisoformat(moment)) == fee, moment


def without_worked_examples(card_text: str) -> str:
    """A card's text without its ``[[examples]]`` (they come last in the shipped cards): for tests that import a
    changed card, whose figures its examples would no longer state."""
    return card_text.split("\n[[examples]]")[0]
