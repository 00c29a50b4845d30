"""Presentation helpers (portal/formatting.py): cancellation steps in the rule's words, sources by title."""

from __future__ import annotations

from portal.formatting import cancellation_rows, cited
from tests.pricing.testville import make_card, price

# From approval $5.00 a position; inside 2 business days the minimum pay; inside 24 hours the whole shift.
WINDOWS = """
[[cancellation]]
flat_per_position = "5.00"
[[cancellation]]
within_business_days = 2
pay = "minimum"
[[cancellation]]
within_hours = 24
pay = "full_shift"
source = "page#Cancellation"
"""
MONDAY = {"start": "2027-01-25T10:00", "end": "2027-01-25T14:00", "officers": 1}  # 4 h, 3 h minimum at $50.00
WEDNESDAY = {"start": "2027-01-27T18:00", "end": "2027-01-27T22:00", "officers": 1}


def test_each_boundary_is_named_by_the_rule_that_makes_it():
    card = make_card(WINDOWS)
    quote = price(card, [MONDAY, WEDNESDAY]).to_dict()
    # the engine's steps, to the minute: a window opens one minute after its moment
    assert quote["cancellation"][0]["until"] == "2027-01-21T10:01:00-07:00"
    assert cancellation_rows(quote, card) == [
        {"when": "From approval until 2 business days before shift 1 (Thu 21 Jan, 10:00)", "fee_cents": 1000},
        {"when": "From 2 business days before shift 1 (Thu 21 Jan, 10:00) until 24 hours before shift 1 "
                 "(Sun 24 Jan, 10:00)", "fee_cents": 15500},
        {"when": "From 24 hours before shift 1 (Sun 24 Jan, 10:00) until the start of shift 1 (Mon 25 Jan, 10:00)",
         "fee_cents": 20500},
        {"when": "From the start of shift 1 (Mon 25 Jan, 10:00) until 2 business days before shift 2 "
                 "(Mon 25 Jan, 18:00)", "fee_cents": 500},
        {"when": "From 2 business days before shift 2 (Mon 25 Jan, 18:00) until 24 hours before shift 2 "
                 "(Tue 26 Jan, 18:00)", "fee_cents": 15000},
        {"when": "From 24 hours before shift 2 (Tue 26 Jan, 18:00) until the start of shift 2 (Wed 27 Jan, 18:00)",
         "fee_cents": 20000},
    ]
    assert [row["fee_cents"] for row in cancellation_rows(quote, card)] == \
        [step["fee_cents"] for step in quote["cancellation"]]


def test_one_shift_is_the_start():
    card = make_card(WINDOWS.replace("within_hours = 24", "within_hours = 1"))
    rows = cancellation_rows(price(card, [MONDAY]).to_dict(), card)
    assert [r["when"] for r in rows] == [
        "From approval until 2 business days before the start (Thu 21 Jan, 10:00)",
        "From 2 business days before the start (Thu 21 Jan, 10:00) until 1 hour before the start (Mon 25 Jan, 09:00)",
        "From 1 hour before the start (Mon 25 Jan, 09:00) until the start (Mon 25 Jan, 10:00)",
    ]


def test_citations_name_the_source_by_its_title():
    card = make_card(WINDOWS)
    assert cited("testville.txt, Cancellation", card) == "Testville rates page, Cancellation"
    assert cited("At least 2 (testville.txt, 2.a).", card) == "At least 2 (Testville rates page, 2.a)."
    assert cited("elsewhere.txt, 1", card) == "elsewhere.txt, 1"
    assert cited("", card) == "" and cited(None, card) == ""
