"""A made-up agency ("Testville", America/Denver) for pricing tests that write their own card.

Rates: officer $50.00, sergeant $60.00, lieutenant $70.00; minimum 3 h. Each test adds the tables
it needs and works the expected figures out by hand in comments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from portal.pricing import load_card, parse_request, quote

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)

HEAD = """
slug = "testville"
name = "Testville Police Department"
short_name = "Testville"
time_zone = "America/Denver"
effective = 2027-01-01
minimum_hours = 3
ranks = [
  { key = "officer", label = "Officer" },
  { key = "sergeant", label = "Sergeant" },
  { key = "lieutenant", label = "Lieutenant" },
]
"""

SOURCES = """
[sources.page]
title = "Testville rates page"
file = "testville.txt"
"""

REGULAR = """
[schedules.regular]
label = "Regular"
default = true
[schedules.regular.rates.regular]
officer = "50.00"
sergeant = "60.00"
lieutenant = "70.00"
"""


def make_card(tables: str = "", top: str = "", schedule: str = REGULAR):
    return load_card(HEAD + top + SOURCES + schedule + tables)


def price(card, shifts: list[dict[str, Any]], submitted: str = "2027-01-04T09:00", **extra: Any):
    body = {"submitted_at": submitted, "shifts": shifts, **extra}
    return quote(parse_request(body, card, now=NOW), card)


def lines(q, kind: str | None = None, shift: int = 0):
    return [ln for ln in q.shifts[shift].lines if kind is None or ln.kind == kind]


# A plain Wednesday, far from any holiday: 2027-01-20 10:00-16:00 (6 h).
WED = {"start": "2027-01-20T10:00", "end": "2027-01-20T16:00"}

# Independence Day 2027 (a Sunday), 10:00-16:00 (6 h).
JULY4 = {"start": "2027-07-04T10:00", "end": "2027-07-04T16:00"}
