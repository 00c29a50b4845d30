"""Holiday rules and the dates they give.

A card lists its agency's own holidays as rules. Every rule names the local
calendar day itself; "observed on another day" rules never apply (the sources
say the holiday rate applies 00:00-23:59 of the day itself).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["WEEKDAYS", "HolidayRule", "easter_sunday", "holidays_in_year"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RULE_KINDS = ("fixed", "nth_weekday", "last_weekday", "relative", "easter", "once")


@dataclass(frozen=True, slots=True)
class HolidayRule:
    """One holiday. ``kind`` decides which other fields matter.

    - ``fixed``: ``month``/``day`` every year (Christmas Day: 12/25)
    - ``nth_weekday``: the ``nth`` ``weekday`` of ``month`` (Thanksgiving: 4th Thursday of November)
    - ``last_weekday``: the last ``weekday`` of ``month`` (Memorial Day)
    - ``relative``: ``days`` after (or before, if negative) the holiday ``relative_to``
    - ``easter``: ``days`` after Easter Sunday (Good Friday: -2)
    - ``once``: the single date ``on``
    """

    key: str
    name: str
    kind: str
    month: int = 0
    day: int = 0
    weekday: int = 0
    nth: int = 0
    relative_to: str = ""
    days: int = 0
    on: date | None = None


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian computus, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _base_date(rule: HolidayRule, year: int) -> date | None:
    if rule.kind == "fixed":
        if rule.month == 2 and rule.day == 29 and not calendar.isleap(year):
            return None
        return date(year, rule.month, rule.day)
    if rule.kind == "nth_weekday":
        first = date(year, rule.month, 1)
        offset = (rule.weekday - first.weekday()) % 7
        d = first + timedelta(days=offset + 7 * (rule.nth - 1))
        return d if d.month == rule.month else None
    if rule.kind == "last_weekday":
        last = date(year, rule.month, calendar.monthrange(year, rule.month)[1])
        return last - timedelta(days=(last.weekday() - rule.weekday) % 7)
    if rule.kind == "easter":
        return easter_sunday(year) + timedelta(days=rule.days)
    if rule.kind == "once":
        return rule.on if rule.on is not None and rule.on.year == year else None
    return None


def _dates_for_base_year(rules: Iterable[HolidayRule], year: int) -> dict[str, date]:
    """Date of every rule computed from ``year``'s anchor (relative rules follow their anchor)."""
    by_key = {r.key: r for r in rules}
    out: dict[str, date] = {}

    def resolve(rule: HolidayRule, depth: int = 0) -> date | None:
        if rule.key in out:
            return out[rule.key]
        if rule.kind == "relative":
            anchor = by_key.get(rule.relative_to)
            if anchor is None or depth > len(by_key):
                return None
            base = resolve(anchor, depth + 1)
            d = None if base is None else base + timedelta(days=rule.days)
        else:
            d = _base_date(rule, year)
        if d is not None:
            out[rule.key] = d
        return d

    for r in by_key.values():
        if r.kind != "once":
            resolve(r)
        elif r.on is not None and r.on.year == year:
            out[r.key] = r.on
    return out


def holidays_in_year(rules: Iterable[HolidayRule], year: int) -> Mapping[date, tuple[str, ...]]:
    """Every holiday date falling in ``year`` -> the names of the holidays on it.

    Anchors are computed for the neighbouring years too, so that a relative day
    that crosses New Year (a day after 31 December) lands in the right year.
    """
    rules = tuple(rules)
    names = {r.key: r.name for r in rules}
    found: dict[date, list[str]] = {}
    for base in (year - 1, year, year + 1):
        for key, d in _dates_for_base_year(rules, base).items():
            if d.year == year and names[key] not in found.setdefault(d, []):
                found[d].append(names[key])
    return {d: tuple(v) for d, v in sorted(found.items())}
