"""Dates of floating religious holidays, from a calendar library, as data.

A card names such a holiday as ``rule = "calendar"``, ``calendar = "hebrew"``, ``holiday = "yom_kippur"``
(Paradise Valley, Arizona). Their dates follow a lunisolar calendar; rather than arithmetic of our own
they come from the ``holidays`` package (python-holidays, kept by many hands and released monthly),
written once into ``calendars.json`` beside this module. The pricing package reads that table and stays
standard library only; nothing here imports the library unless the table is being rebuilt:

    .venv/bin/python -m portal.pricing.calendars --write

``tests/pricing/test_pricing_calendars.py`` checks that the table still equals the library. Each date is the
civil day the holiday falls on (its first full day; the eve before it is a separate holiday rule, e.g.
``rule = "relative"``, ``days = -1`` with ``from = "17:00"``).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CALENDARS", "FIRST_YEAR", "LAST_YEAR", "calendar_date", "table"]

TABLE_FILE = Path(__file__).with_name("calendars.json")
FIRST_YEAR, LAST_YEAR = 1970, 2100

# calendar -> holiday key -> the English name python-holidays gives it in Israel's calendar (observed=False),
# and which occurrence of that name in a year (Rosh Hashanah has two days).
CALENDARS: dict[str, dict[str, tuple[str, int]]] = {
    "hebrew": {
        "rosh_hashanah": ("Rosh Hashanah", 1),
        "rosh_hashanah_2": ("Rosh Hashanah", 2),
        "yom_kippur": ("Yom Kippur", 1),
        "sukkot": ("Sukkot", 1),
        "shemini_atzeret": ("Simchat Torah / Shemini Atzeret", 1),
        "passover": ("Pesach", 1),
        "passover_7": ("Seventh day of Pesach", 1),
        "shavuot": ("Shavuot", 1),
    },
}


@cache
def table() -> dict[str, dict[str, dict[int, date]]]:
    """calendar -> holiday -> year -> date, read once from ``calendars.json``."""
    raw = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return {cal: {key: {int(y): date.fromisoformat(d) for y, d in years.items()} for key, years in hols.items()}
            for cal, hols in raw["calendars"].items()}


def calendar_date(calendar: str, holiday: str, year: int) -> date | None:
    """The date of ``holiday`` of ``calendar`` in Gregorian ``year`` (None outside the table's years)."""
    return table().get(calendar, {}).get(holiday, {}).get(year)


def build() -> dict[str, Any]:
    """The table from the ``holidays`` package (only when rebuilding; not needed to price)."""
    import holidays

    out: dict[str, dict[str, dict[str, str]]] = {"hebrew": {}}
    wanted = CALENDARS["hebrew"]
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        seen: dict[str, list[date]] = {}
        il = holidays.country_holidays("IL", years=year, observed=False, language="en_US")
        for d, names in sorted(il.items()):
            for name in names.split("; "):
                seen.setdefault(name, []).append(d)
        for key, (name, nth) in wanted.items():
            days = seen.get(name, [])
            if len(days) >= nth:
                out["hebrew"].setdefault(key, {})[str(year)] = days[nth - 1].isoformat()
    return {"source": f"python-holidays {holidays.__version__}, Israel, observed=False, language en_US",
            "calendars": out}


if __name__ == "__main__":
    text = json.dumps(build(), indent=1, sort_keys=True) + "\n"
    if "--write" in sys.argv:
        TABLE_FILE.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
