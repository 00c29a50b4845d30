"""Holiday rules, the dates they give, and the periods and business days that follow.

A card lists its agency's own holidays as rules. Every rule names the local
calendar day itself; "observed on another day" rules never apply (the sources
say the holiday rate applies 00:00-23:59 of the day itself). A rule may start
later on its day (``start``: from 17:00 on Christmas Eve) or end at another time
(``end``; an end not after the start is on the next day). The same rules name
blocked dates.

A business day is a Monday to Friday that no whole-day holiday of the card falls
on; "N business days before the start" is the same time of day on the Nth business
day before the start's own date.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .calendars import calendar_date

__all__ = [
    "WEEKDAYS",
    "HolidayRule",
    "RuleSet",
    "business_days_before",
    "day_periods",
    "easter_sunday",
    "holidays_in_year",
    "is_business_day",
    "local_days",
    "occurrences",
    "periods",
]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
RULE_KINDS = ("fixed", "nth_weekday", "last_weekday", "relative", "easter", "once", "calendar")
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class HolidayRule:
    """One holiday. ``kind`` decides which other fields matter.

    - ``fixed``: ``month``/``day`` every year (Christmas Day: 12/25)
    - ``nth_weekday``: the ``nth`` ``weekday`` of ``month`` (Thanksgiving: 4th Thursday of November)
    - ``last_weekday``: the last ``weekday`` of ``month`` (Memorial Day)
    - ``relative``: ``days`` after (or before, if negative) the holiday ``relative_to``
    - ``easter``: ``days`` after Easter Sunday (Good Friday: -2)
    - ``once``: the single date ``on``
    - ``calendar``: the date of ``holiday`` in the religious ``calendar`` (``portal.pricing.calendars``)

    ``start``/``end``: the local times the holiday period starts and ends (default the whole day).
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
    calendar: str = ""
    holiday: str = ""
    start: time | None = None
    end: time | None = None

    @property
    def whole_day(self) -> bool:
        return self.start is None and self.end is None


class RuleSet(tuple[HolidayRule, ...]):
    """A card's holiday rules (or blocked dates) as one immutable key: hashed once, not once per lookup."""

    _hash: int

    def __new__(cls, rules: Iterable[HolidayRule]) -> RuleSet:
        self = super().__new__(cls, rules)
        self._hash = hash(tuple(self))
        return self

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return tuple.__eq__(self, other)


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
    if rule.kind == "calendar":
        return calendar_date(rule.calendar, rule.holiday, year)
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


@lru_cache(maxsize=256)
def occurrences(rules: RuleSet, year: int) -> Mapping[date, tuple[HolidayRule, ...]]:
    """Every date in ``year`` a rule falls on -> those rules, in card order.

    Anchors are computed for the neighbouring years too, so that a relative day
    that crosses New Year (a day after 31 December) lands in the right year. Kept
    for the 256 most recent (rules, year) pairs: bounded whatever the requests ask.
    """
    by_key = {r.key: r for r in rules}
    found: dict[date, list[HolidayRule]] = {}
    for base in (year - 1, year, year + 1):
        for key, d in _dates_for_base_year(rules, base).items():
            rule = by_key[key]
            if d.year == year and rule not in found.setdefault(d, []):
                found[d].append(rule)
    return {d: tuple(v) for d, v in sorted(found.items())}


def holidays_in_year(rules: Iterable[HolidayRule], year: int) -> Mapping[date, tuple[str, ...]]:
    """Every holiday date falling in ``year`` -> the names of the holidays on it."""
    out: dict[date, tuple[str, ...]] = {}
    for d, found in occurrences(rules if isinstance(rules, RuleSet) else RuleSet(rules), year).items():
        names: list[str] = []
        for r in found:
            if r.name not in names:
                names.append(r.name)
        out[d] = tuple(names)
    return out


def _epoch(d: date, t: time, zone: ZoneInfo) -> int:
    return int(datetime.combine(d, t, tzinfo=zone).timestamp()) // 60


@lru_cache(maxsize=4096)
def day_periods(rules: RuleSet, zone: ZoneInfo, d: date) -> tuple[tuple[int, int, HolidayRule], ...]:
    """``(a, b, rule)`` in epoch minutes for every holiday period that starts on the local date ``d`` (kept for
    the 4,096 most recent days asked about: bounded whatever the requests ask)."""
    out = []
    for r in occurrences(rules, d.year).get(d, ()):
        start = r.start or time(0)
        end = r.end or time(0)
        out.append((_epoch(d, start, zone), _epoch(d if r.end is not None and end > start else d + _DAY, end, zone),
                    r))
    return tuple(out)


def local_days(zone: ZoneInfo, s: int, e: int) -> list[date]:
    """The local dates on which a period overlapping ``[s, e)`` may start: the day before ``s``'s to ``e``'s."""
    d = datetime.fromtimestamp(s * 60, zone).date() - _DAY
    last = datetime.fromtimestamp((e - 1) * 60, zone).date()
    out = []
    while d <= last:
        out.append(d)
        d += _DAY
    return out


def periods(rules: RuleSet, zone: ZoneInfo, s: int, e: int) -> list[tuple[int, int, HolidayRule]]:
    """``(a, b, rule)`` for every holiday period that overlaps ``[s, e)`` (epoch minutes), in time order."""
    if not rules:
        return []
    return [p for d in local_days(zone, s, e) for p in day_periods(rules, zone, d) if p[0] < e and p[1] > s]


def is_business_day(rules: RuleSet, d: date) -> bool:
    """Monday to Friday, and no whole-day holiday of ``rules`` on it."""
    return d.weekday() < 5 and not any(r.whole_day for r in occurrences(rules, d.year).get(d, ()))


def business_days_before(rules: RuleSet, zone: ZoneInfo, start: int, n: int) -> int:
    """The epoch minute ``n`` business days before ``start``: its time of day on the ``n``th business day
    before its own date."""
    local = datetime.fromtimestamp(start * 60, zone)
    d = local.date()
    while n > 0:
        d -= _DAY
        if is_business_day(rules, d):
            n -= 1
    return _epoch(d, local.time(), zone)
