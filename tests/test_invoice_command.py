"""``flask invoice FILE|-`` (pricing spec section 10) reproduces the worked invoice examples and names what is
wrong with an input."""

from __future__ import annotations

import json

import pytest

from tests.pricing.test_pricing_invoice import INVOICE_EXAMPLES, line_figures


@pytest.mark.parametrize("example", INVOICE_EXAMPLES, ids=[e["name"] for e in INVOICE_EXAMPLES])
def test_the_command_reproduces_the_worked_examples(runner, agencies, example):
    result = runner.invoke(args=["invoice", "-"], input=json.dumps(example["input"]))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    expect = example["expect"]
    assert line_figures(out["shifts"]) == expect["lines"]
    assert (out["total_cents"], out["deposit_held_cents"], out["balance_cents"]) == (
        expect["total_cents"], expect["deposit_held_cents"], expect["balance_cents"])
    assert out["agency"] == example["input"]["quote_request"]["agency"] and out["rate_card_version"] == 1


def test_a_file_works_as_well_as_standard_input(runner, agencies, tmp_path):
    path = tmp_path / "invoice.json"
    path.write_text(json.dumps(INVOICE_EXAMPLES[0]["input"]), encoding="utf-8")
    result = runner.invoke(args=["invoice", str(path)])
    assert result.exit_code == 0 and json.loads(result.output)["total_cents"] == INVOICE_EXAMPLES[0]["expect"][
        "total_cents"]


def errors_of(runner, data) -> tuple[int, dict[str, str]]:
    result = runner.invoke(args=["invoice", "-"], input=json.dumps(data))
    return result.exit_code, {e["field"]: e["message"] for e in json.loads(result.output)["errors"]}


def test_refusals_name_the_field(runner, agencies):
    good = INVOICE_EXAMPLES[0]["input"]
    code, errors = errors_of(runner, {**good, "attendance": [[{**good["attendance"][0][0], "rank": "captain"}] * 4]})
    assert code == 1 and "no captain or major position" in errors["attendance[0][0].rank"]
    code, errors = errors_of(runner, {**good, "deposit_held_cents": -1, "extra": 1})
    assert code == 1 and set(errors) == {"deposit_held_cents", "extra"}
    code, errors = errors_of(runner, {**good, "quote_request": {**good["quote_request"], "shifts": [{"start": "x"}]}})
    assert code == 1 and errors and all(f.startswith("quote_request.") for f in errors)
    code, errors = errors_of(runner, {"quote_request": good["quote_request"]})
    assert code == 1 and errors == {"attendance": "one list of records per shift"}
    assert runner.invoke(args=["invoice", "-"], input="{not json").exit_code == 2
