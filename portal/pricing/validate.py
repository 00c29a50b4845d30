"""Read a TOML rate card, report every problem with its location, build a :class:`RateCard`.

``check_card(text)`` returns all problems (never just the first); ``load_card(text)``
returns the card or raises :class:`CardError` carrying the same problems. The format
is documented field by field in ``docs/rate-cards.md``.
"""

from __future__ import annotations

import contextlib
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .calendars import CALENDARS
from .card import (
    AdminFee,
    AttendanceMinimum,
    BlockedDate,
    CancellationWindow,
    Charge,
    Effect,
    EmployerReview,
    FullShift,
    HourLimit,
    JobType,
    Jurisdiction,
    LimitRule,
    NoticePeriod,
    Rank,
    RateCard,
    Schedule,
    ScreeningQuestion,
    Source,
    Staffing,
    SupervisorRule,
    Tier,
    VehicleFee,
    VenueKind,
    WorkedExample,
)
from .holidays import RULE_KINDS, WEEKDAYS, HolidayRule
from .money import AmountError, parse_amount, parse_fraction

__all__ = ["CardError", "CardReview", "Problem", "load_card", "read_card"]

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
HOURS_RE = re.compile(r"^\d{1,4}(\.\d{1,4})?$")

EFFECTS = ("block", "approval", "minimum", "notice")
PREMIUMS = ("rates", "multiplier", "surcharge")
WHENS = ("holiday", "notice", "selectable", "daily_window", "after_hours")
VEHICLE_FEES = ("none", "per_hour", "first_hour", "flat")
ADMIN_KINDS = ("none", "included", "per_hour", "percent", "per_job", "unpublished")
PAYS = ("none", "minimum", "greater_of_worked_and_minimum", "full_shift")
ADMIN_PARTS = ("none", "first_hours", "minimum_hours", "per_job")
SUPERVISOR_RULES = ("nth", "per", "rank_count")
HOLIDAY_FIELDS = ("key", "name", "rule", "month", "day", "weekday", "nth", "relative_to", "days", "on", "calendar",
                  "holiday", "from", "to")
TOP_KEYS = (
    "slug", "name", "short_name", "time_zone", "effective", "notes", "jurisdiction", "sources", "ranks",
    "job_types", "minimum_hours", "minimum_source", "schedules", "tiers", "holidays", "vehicle",
    "supervisors", "admin_fee", "charges", "rates_are_minimums", "cancellation",
    "paid_full_shift_if_released_early", "full_shift", "screening", "notice_period", "max_shift", "staffing",
    "employer_review", "blocked_dates", "attendance_minimum", "hour_limit", "examples",
)
# The top-level fields that are values, not tables: TOML reads one written after a [table] header as a field of
# that table, so these are the ones an administrator puts in the wrong place.
TOP_VALUES = ("slug", "name", "short_name", "time_zone", "effective", "notes", "ranks", "minimum_hours",
              "minimum_source", "rates_are_minimums", "paid_full_shift_if_released_early")
# The fields of every table, by its header ("*" is any key, "[]" an element of an array of tables).
FIELDS: dict[str, tuple[str, ...]] = {
    "": TOP_KEYS,
    "sources.*": ("title", "file", "url"),
    "jurisdiction": ("city", "state", "state_names", "zips", "restrict", "message", "source"),
    "ranks[]": ("key", "label"),
    "job_types.*": ("label", "minimum_hours", "source"),
    "tiers.*": ("label", "premium", "when", "under_hours", "under_business_days", "from", "to", "after_hours",
                "multiplier", "amount", "amounts", "whole_shift", "selectable", "only_if", "source"),
    "tiers.*.only_if": ("headcount_at_least", "attendance_over"),
    "schedules.*": ("label", "default", "description", "rates"),
    "holidays[]": HOLIDAY_FIELDS,
    "blocked_dates[]": (*HOLIDAY_FIELDS, "message", "source"),
    "vehicle": ("fee", "rate", "first_hour", "additional_hour", "flat", "extra_minutes", "minimum_hours", "approval",
                "approval_message", "source"),
    "supervisors[]": ("rule", "rank", "position", "every", "per", "rounding", "of", "at_least", "explanation",
                      "source"),
    "admin_fee": ("kind", "rate", "percent", "first_position", "each_additional", "published_min", "published_max",
                  "message", "source"),
    "charges.*": ("label", "per_hour", "percent", "source"),
    "cancellation[]": ("within_hours", "within_business_days", "pay", "admin_fee_owed", "admin_fee_hours",
                       "flat_per_booking", "flat_per_position", "source",
                       "admin_fee"),  # the older spelling of admin_fee_owed, read with a warning
    "screening.*": ("question", "help", "effects"),
    "screening.*.effects[]": ("effect", "code", "message", "minimum_headcount", "approval", "source"),
    "notice_period": ("hours", "business_days", "message", "source"),
    "attendance_minimum": ("attendees_per_officer", "plus", "message", "source"),
    "hour_limit": ("hours", "within_hours", "message", "source"),
    "full_shift": ("if_released_early", "if_worked_over_percent", "message", "source"),
    "max_shift": ("hours", "effect", "message", "source"),
    "employer_review": ("message", "background_check", "source"),
    "staffing": ("core_min", "core_max", "source", "venues"),
    "staffing.venues.*": ("label", "low", "high"),
    "examples[]": ("name", "note", "source", "request", "total", "deposit", "shift_totals", "positions", "blocked",
                   "cancellation_fees"),
    "examples[].cancellation_fees[]": ("at", "fee"),
}
# The fields each kind of rule uses, where a kind leaves some unused: another is ignored, with a warning.
TIER_WHEN_FIELDS = ("under_hours", "under_business_days", "selectable", "only_if", "from", "to", "after_hours",
                    "whole_shift")
TIER_FIELDS = {"holiday": ("whole_shift",), "notice": ("under_hours", "under_business_days", "selectable", "only_if"),
               "selectable": (), "daily_window": ("from", "to", "whole_shift"), "after_hours": ("after_hours",)}
HOLIDAY_RULE_FIELDS = {
    "fixed": ("month", "day"), "nth_weekday": ("month", "weekday", "nth"), "last_weekday": ("month", "weekday"),
    "relative": ("relative_to", "days"), "easter": ("days",), "once": ("on",), "calendar": ("calendar", "holiday"),
}
SUPERVISOR_FIELDS = {"nth": ("position", "every"), "per": ("per", "rounding"), "rank_count": ("of", "at_least")}
VEHICLE_FEE_FIELDS = {"rate": ("per_hour",), "first_hour": ("first_hour",), "additional_hour": ("first_hour",),
                      "flat": ("flat",), "minimum_hours": ("per_hour", "first_hour")}
_CHARGED = ("included", "per_hour", "percent", "per_job", "unpublished")
ADMIN_FEE_FIELDS = {"rate": ("included", "per_hour"), "percent": ("percent",), "first_position": ("per_job",),
                    "each_additional": ("per_job",), "published_min": _CHARGED, "published_max": _CHARGED,
                    "message": _CHARGED, "source": _CHARGED}
# How far ahead a one-off date is warned about before it passes.
ONE_OFF_WARNING_DAYS = 90


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a card: ``location`` is a dotted path (``schedules.regular.rates``)."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class CardError(ValueError):
    """A card that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]) + (" ..." if len(problems) > 5 else ""))


class _TomlFloat(str):
    """Marks a bare TOML float so that we can ask for a quoted amount instead."""


_MISSING = object()


class _Reader:
    def __init__(self, top: dict[str, Any]) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.sources: dict[str, Source] = {}
        self.top = top
        self.misplaced: set[str] = set()  # top-level fields found inside a table

    def add(self, loc: str, msg: str) -> None:
        self.problems.append(Problem(loc, msg))

    def warn(self, loc: str, msg: str) -> None:
        self.warnings.append(Problem(loc, msg))

    def ignored(self, loc: str, key: str, why: str) -> None:
        """A field the rule's kind does not use: a warning (the rule prices as its kind says, without it)."""
        self.warn(_join(loc, key), f"ignored: {why}")

    # -- structure ---------------------------------------------------------------
    def table(self, value: Any, loc: str, fields: str | None = None) -> dict[str, Any]:
        """``value`` as a table; with ``fields`` (a key of ``FIELDS``), every other key is reported."""
        if value is _MISSING or value is None:
            return {}
        if not isinstance(value, dict):
            self.add(loc, f"expected a table, got {_describe(value)}")
            return {}
        if fields is not None:
            allowed = FIELDS[fields]
            for k in value:
                if k not in allowed:
                    self.unknown(loc, k, f"unknown field (known here: {', '.join(allowed)})", fields)
        return value

    def unknown(self, loc: str, key: str, message: str, fields: str | None = None) -> None:
        """``key`` is not known at ``loc``: a top-level field written after a table header is said to be one,
        once (the card then lacks it, which is not reported again); a field of another table is named as such."""
        if self.misplaced_top(loc, key):
            return
        homes = [_header(f) for f, allowed in FIELDS.items() if f and f != fields and key in allowed]
        if homes:
            message += (f"; {key} is a field of {', '.join(homes)}: every key written after a [table] header "
                        "belongs to that table")
        self.add(_join(loc, key), message)

    def misplaced_top(self, loc: str, key: str) -> bool:
        if key not in TOP_VALUES or key in self.top:
            return False
        self.misplaced.add(key)
        self.add(_join(loc, key), f"{key} belongs at the top of the card; it is written inside {_header(loc)} "
                                  "(TOML reads every key after a [table] header as part of that table: move it "
                                  "above the first one)")
        return True

    def keyed(self, parent: dict[str, Any], key: str, loc: str = "") -> dict[str, Any]:
        """``parent[key]``, a table of named entries (``[tiers.KEY]``, ``[schedules.KEY.rates.TIER]``): a top-level
        field written after its header is reported and left out."""
        loc = loc or key
        return {k: v for k, v in self.table(parent.get(key, _MISSING), loc).items()
                if isinstance(v, dict) or not self.misplaced_top(loc, k)}

    def array(self, value: Any, loc: str) -> list[Any]:
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.add(loc, f"expected a list, got {_describe(value)}")
            return []
        return value

    # -- scalars -----------------------------------------------------------------
    def string(self, t: dict[str, Any], key: str, loc: str, *, required: bool = False, default: str = "",
               choices: tuple[str, ...] | None = None) -> str:
        v = t.get(key, _MISSING)
        where = _join(loc, key)
        if v is _MISSING:
            if required:
                self.add(where, "required")
            return default
        if not isinstance(v, str) or isinstance(v, _TomlFloat):
            self.add(where, f"expected text, got {_describe(v)}")
            return default
        if choices is not None and v not in choices:
            self.add(where, f'expected one of {", ".join(choices)}, got "{v}"')
            return default
        if required and not v.strip():
            self.add(where, "must not be empty")
        return v

    def key(self, t: dict[str, Any], key: str, loc: str, *, required: bool = True) -> str:
        v = self.string(t, key, loc, required=required)
        if v and not KEY_RE.match(v):
            self.add(_join(loc, key), f'expected a key of lower-case letters, digits, "_" or "-", got "{v}"')
        return v

    def boolean(self, t: dict[str, Any], key: str, loc: str, default: bool = False) -> bool:
        v = t.get(key, _MISSING)
        if v is _MISSING:
            return default
        if not isinstance(v, bool):
            self.add(_join(loc, key), f"expected true or false, got {_describe(v)}")
            return default
        return v

    def integer(self, t: dict[str, Any], key: str, loc: str, *, required: bool = False, default: int = 0,
                lo: int = 0, hi: int = 10**9) -> int:
        v = t.get(key, _MISSING)
        where = _join(loc, key)
        if v is _MISSING:
            if required:
                self.add(where, "required")
            return default
        if isinstance(v, bool) or not isinstance(v, int):
            self.add(where, f"expected a whole number, got {_describe(v)}")
            return default
        if not lo <= v <= hi:
            self.add(where, f"expected a number from {lo} to {hi}, got {v}")
            return default
        return v

    def amount(self, t: dict[str, Any], key: str, loc: str, *, required: bool = False) -> int | None:
        v = t.get(key, _MISSING)
        where = _join(loc, key)
        if v is _MISSING:
            if required:
                self.add(where, 'required (an amount like "85.50")')
            return None
        return self.amount_value(v, where)

    def amount_value(self, v: Any, where: str) -> int | None:
        if isinstance(v, _TomlFloat):
            self.add(where, f'write the amount in quotes, like "{v}" (a TOML number cannot hold cents exactly)')
            return None
        if isinstance(v, int) and not isinstance(v, bool):
            self.add(where, f'write the amount in quotes, like "{v}.00"')
            return None
        try:
            return parse_amount(v)
        except AmountError as e:
            self.add(where, str(e))
            return None

    def minutes(self, t: dict[str, Any], key: str, loc: str, *, required: bool = False,
                lo_minutes: int = 0, hi_minutes: int = 24 * 60 * 400) -> int | None:
        """Hours given as a whole number (3) or quoted decimal ("2.5"), as whole minutes."""
        v = t.get(key, _MISSING)
        where = _join(loc, key)
        if v is _MISSING:
            if required:
                self.add(where, "required (a number of hours)")
            return None
        if isinstance(v, _TomlFloat):
            self.add(where, f'write fractional hours in quotes, like "{v}"')
            return None
        if isinstance(v, bool) or not isinstance(v, int | str):
            self.add(where, f"expected a number of hours, got {_describe(v)}")
            return None
        if isinstance(v, str) and not HOURS_RE.match(v):
            self.add(where, f'expected a number of hours like 3 or "2.5", got "{v}"')
            return None
        m = Fraction(v) * 60
        if m.denominator != 1:
            self.add(where, f"{v} hours is not a whole number of minutes")
            return None
        if not lo_minutes <= int(m) <= hi_minutes:
            self.add(where, f"expected between {lo_minutes / 60:g} and {hi_minutes / 60:g} hours, got {v}")
            return None
        return int(m)

    def clock(self, t: dict[str, Any], key: str, loc: str, required: bool = True) -> time | None:
        v = self.string(t, key, loc, required=required)
        if not v:
            return None
        m = TIME_RE.match(v)
        if m is None:
            self.add(_join(loc, key), f'expected a time like "23:00", got "{v}"')
            return None
        return time(int(m.group(1)), int(m.group(2)))

    def cite(self, t: dict[str, Any], loc: str, key: str = "source") -> str:
        """``source = "ID"`` or ``"ID#SECTION"`` -> "file-or-title, SECTION"."""
        v = self.string(t, key, loc)
        if not v:
            return ""
        sid, _, section = v.partition("#")
        src = self.sources.get(sid.strip())
        if src is None:
            known = ", ".join(self.sources) or "none defined"
            self.add(_join(loc, key), f'unknown source "{sid.strip()}" (sources: {known})')
            return v
        base = src.file or src.title
        return f"{base}, {section.strip()}" if section.strip() else base


def _join(loc: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{loc}[{key}]"
    return f"{loc}.{key}" if loc else key


def _header(loc: str) -> str:
    """A table's header as written in the card: ``[vehicle]``, ``[schedules.regular.rates.holiday]``,
    ``[[cancellation]]`` (the 2nd), ``[tiers.KEY]`` for a pattern of ``FIELDS``."""
    if not loc:
        return "the top of the card"
    m = re.fullmatch(r"(.*)\[(\d+)\]", loc)
    if m:
        return f"[[{m.group(1)}]] (the {_ordinal(int(m.group(2)) + 1)})"
    if loc.endswith("[]"):
        return f"[[{loc[:-2].replace('*', 'KEY')}]]"
    return f"[{loc.replace('*', 'KEY').replace('[]', '')}]"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _describe(v: Any) -> str:
    if isinstance(v, _TomlFloat):
        return f"the number {v}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "a list"
    return repr(v)


def _parse_toml(text: str) -> tuple[dict[str, Any] | None, Problem | None]:
    try:
        return tomllib.loads(text, parse_float=_TomlFloat), None
    except tomllib.TOMLDecodeError as e:
        # tomllib stops at the first syntax error; its place ends the message: "Invalid value (at line 2, column 5)"
        # (Python 3.14 adds lineno and colno). It becomes the problem's location.
        message, _, place = str(e).rpartition(" (at ")
        if message and place.startswith("line ") and place.endswith(")"):
            return None, Problem(place[:-1], f"not valid TOML: {message}")
        return None, Problem("", f"not valid TOML: {e}")


@dataclass(frozen=True, slots=True)
class CardReview:
    """What a check of a card found: the card (None when it has problems), every problem, every warning (the card
    is usable despite them), and how many of its worked examples were priced (all exact when there is no
    problem)."""

    card: RateCard | None
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    examples_priced: int = 0


def read_card(text: str, *, today: date | None = None) -> CardReview:
    """Parse and validate a card without pricing its worked examples (``review.review_card`` prices them).
    ``today`` (the caller's date: nothing here reads the clock) enables the warnings about dates."""
    if not isinstance(text, str):
        return CardReview(None, (Problem("", "expected the card as text"),), ())
    data, err = _parse_toml(text)
    if err is not None or data is None:
        return CardReview(None, (err,) if err else (), ())
    r = _Reader(data)
    card = _build(r, data, today)
    # A top-level field written inside a table is reported there, once: not again as missing at the top.
    problems = tuple(p for p in r.problems if not (p.location in r.misplaced and p.message.startswith("required")))
    return CardReview(None if problems else card, problems, tuple(r.warnings))


def load_card(text: str) -> RateCard:
    """Parse and validate a card; raise :class:`CardError` listing every problem. Its worked examples are not
    priced here (a stored version was proved when it was imported): see ``review.review_card``."""
    got = read_card(text)
    if got.problems or got.card is None:
        raise CardError(list(got.problems))
    return got.card


def _build(r: _Reader, data: dict[str, Any], today: date | None) -> RateCard | None:
    r.table(data, "", "")

    # -- sources first: everything else cites them --------------------------------
    for sid, sv in r.keyed(data, "sources").items():
        loc = _join("sources", sid)
        st = r.table(sv, loc, "sources.*")
        if not KEY_RE.match(sid):
            r.add(loc, "source ids are lower-case letters, digits, '_' or '-'")
        r.sources[sid] = Source(sid, r.string(st, "title", loc, required=True), r.string(st, "file", loc),
                                r.string(st, "url", loc))

    slug = r.string(data, "slug", "", required=True)
    if slug and not SLUG_RE.match(slug):
        r.add("slug", f'expected lower-case letters, digits and "-", got "{slug}"')
    name = r.string(data, "name", "", required=True)
    short_name = r.string(data, "short_name", "", default=name) or name
    tz = r.string(data, "time_zone", "", required=True)
    if tz:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            r.add("time_zone", f'unknown IANA time zone "{tz}" (e.g. "America/Chicago")')
            tz = ""
    effective = _date_value(r, data, "effective", "", required=True) or date(1970, 1, 1)
    notes = tuple(n for n in r.array(data.get("notes", _MISSING), "notes") if isinstance(n, str))

    jurisdiction = None
    if "jurisdiction" in data:
        loc = "jurisdiction"
        jt = r.table(data[loc], loc, loc)
        state = r.string(jt, "state", loc, required=True)
        names = tuple(_strings(r, jt, "state_names", loc))
        zips = tuple(_strings(r, jt, "zips", loc))
        for i, z in enumerate(zips):
            if not re.match(r"^\d{5}$", z):
                r.add(f"jurisdiction.zips[{i}]", f'expected a 5-digit ZIP code, got "{z}"')
        jurisdiction = Jurisdiction(
            city=r.string(jt, "city", loc, required=True), state=state,
            state_names=names or ((state,) if state else ()), zips=zips,
            restrict=r.boolean(jt, "restrict", loc), message=r.string(jt, "message", loc),
            source=r.cite(jt, loc))

    # -- ranks ---------------------------------------------------------------------
    ranks: list[Rank] = []
    raw_ranks = r.array(data.get("ranks", _MISSING), "ranks")
    if not raw_ranks:
        r.add("ranks", "required: the ranks in order, lowest first (e.g. officer, sergeant)")
    for i, rv in enumerate(raw_ranks):
        loc = f"ranks[{i}]"
        rt = r.table(rv, loc, "ranks[]")
        k = r.key(rt, "key", loc)
        if k and any(x.key == k for x in ranks):
            r.add(_join(loc, "key"), f'rank "{k}" is listed twice: rank order would be ambiguous')
            continue
        if k:
            ranks.append(Rank(k, r.string(rt, "label", loc, default=k) or k))
    rank_keys = [x.key for x in ranks]
    lowest = rank_keys[0] if rank_keys else ""

    def check_rank(value: str, where: str) -> bool:
        if value and value not in rank_keys:
            r.add(where, f'unknown rank "{value}" (ranks: {", ".join(rank_keys)})')
            return False
        return bool(value)

    def by_rank(value: Any, loc: str) -> dict[str, Any]:
        """A table keyed by rank (rates, amounts, positions): the entries whose key is a known rank."""
        out = {}
        for rk, v in r.table(value, loc).items():
            if rk not in rank_keys and r.misplaced_top(loc, rk):
                continue
            if check_rank(rk, _join(loc, rk)):
                out[rk] = v
        return out

    # -- job types -----------------------------------------------------------------
    job_types: list[JobType] = []
    for jk, jv in r.keyed(data, "job_types").items():
        loc = _join("job_types", jk)
        if not KEY_RE.match(jk):
            r.add(loc, "job type keys are lower-case letters, digits, '_' or '-'")
        jt = r.table(jv, loc, "job_types.*")
        job_types.append(JobType(jk, r.string(jt, "label", loc, default=jk) or jk,
                                 r.minutes(jt, "minimum_hours", loc, hi_minutes=24 * 60),
                                 r.cite(jt, loc)))

    minimum = r.minutes(data, "minimum_hours", "", required=True, hi_minutes=24 * 60)
    minimum_source = r.cite(data, "", "minimum_source")

    # -- tiers ---------------------------------------------------------------------
    tiers: list[Tier] = []
    for tk, tv in r.keyed(data, "tiers").items():
        loc = _join("tiers", tk)
        if tk == "regular":
            r.add(loc, '"regular" is the base tier and is not declared here; give its rates in each schedule')
            continue
        if not KEY_RE.match(tk):
            r.add(loc, "tier keys are lower-case letters, digits, '_' or '-'")
        tt = r.table(tv, loc, "tiers.*")
        premium = r.string(tt, "premium", loc, required=True, choices=PREMIUMS)
        when = r.string(tt, "when", loc, required=True, choices=WHENS)
        uses = TIER_FIELDS.get(when)
        if uses is not None:
            for k in TIER_WHEN_FIELDS:
                if k in tt and k not in uses:
                    r.ignored(loc, k, f'when = "{when}" does not use it'
                                      + (f" (it uses: {', '.join(uses)})" if uses else ""))
        under = after = under_days = 0
        wfrom = wto = None
        cond: dict[str, Any] = {}
        if when == "notice":
            if ("under_hours" in tt) == ("under_business_days" in tt):
                r.add(_join(loc, "under_hours"), "give under_hours or under_business_days (one of them)")
            under = r.minutes(tt, "under_hours", loc, lo_minutes=1) or 0
            under_days = r.integer(tt, "under_business_days", loc, lo=1, hi=365)
            cond = r.table(tt.get("only_if", _MISSING), _join(loc, "only_if"), "tiers.*.only_if")
            if "only_if" in tt and not cond:
                r.add(_join(loc, "only_if"), "give headcount_at_least, attendance_over or both")
        if when == "daily_window":
            wfrom, wto = r.clock(tt, "from", loc), r.clock(tt, "to", loc)
            if wfrom is not None and wfrom == wto:
                r.add(_join(loc, "to"), "the window must not start and end at the same time")
        if when == "after_hours":
            after = r.minutes(tt, "after_hours", loc, required=True, lo_minutes=1) or 0
        mult = None
        if premium == "multiplier":
            if "multiplier" not in tt:
                r.add(_join(loc, "multiplier"), 'required (e.g. "1.5" for time and a half)')
            else:
                try:
                    mult = parse_fraction(tt["multiplier"] if not isinstance(tt["multiplier"], _TomlFloat)
                                          else float(tt["multiplier"]), "multiplier")
                except AmountError as e:
                    r.add(_join(loc, "multiplier"), str(e))
                if mult is not None and mult < 1:
                    r.add(_join(loc, "multiplier"), "a premium multiplier must be at least 1")
        elif "multiplier" in tt and premium:
            r.ignored(loc, "multiplier", f'premium = "{premium}" does not use it')
        surcharge, amounts = 0, {}
        if premium == "surcharge":
            if "amount" not in tt and "amounts" not in tt:
                r.add(_join(loc, "amount"), 'required: the extra per position-hour, like "5.00"')
            surcharge = r.amount(tt, "amount", loc) or 0
            for rk, rv in by_rank(tt.get("amounts", _MISSING), _join(loc, "amounts")).items():
                a = r.amount_value(rv, _join(_join(loc, "amounts"), rk))
                if a is not None:
                    amounts[rk] = a
        elif premium:
            for k in ("amount", "amounts"):
                if k in tt:
                    r.ignored(loc, k, f'premium = "{premium}" does not use it')
        attendance_over = (r.integer(cond, "attendance_over", _join(loc, "only_if"), hi=10_000_000)
                           if "attendance_over" in cond else None)
        tiers.append(Tier(
            tk, r.string(tt, "label", loc, default=tk.replace("_", " ").capitalize()) or tk, premium, when,
            under_minutes=under, under_business_days=under_days, window_from=wfrom, window_to=wto,
            after_minutes=after, multiplier=mult, surcharge=surcharge, surcharge_by_rank=amounts,
            source=r.cite(tt, loc),
            whole_shift=when in ("holiday", "daily_window") and r.boolean(tt, "whole_shift", loc),
            also_selectable=when == "notice" and r.boolean(tt, "selectable", loc),
            if_headcount_at_least=r.integer(cond, "headcount_at_least", _join(loc, "only_if"), hi=10_000),
            if_attendance_over=attendance_over))
    tier_by_key = {t.key: t for t in tiers}
    seen_notice: dict[tuple[bool, int, int, int, int | None], str] = {}
    for t in tiers:
        if t.when == "notice":
            k2 = (t.replaces, t.under_minutes, t.under_business_days, t.if_headcount_at_least, t.if_attendance_over)
            if k2 in seen_notice:
                r.add(f"tiers.{t.key}.under_{'business_days' if t.under_business_days else 'hours'}",
                      f'same notice threshold as tier "{seen_notice[k2]}": which applies would be ambiguous')
            seen_notice[k2] = t.key

    # -- schedules -----------------------------------------------------------------
    schedules: list[Schedule] = []
    raw_sched = r.keyed(data, "schedules")
    if not raw_sched:
        r.add("schedules", "required: at least one schedule with regular rates")
    for sk, sv in raw_sched.items():
        loc = _join("schedules", sk)
        if not KEY_RE.match(sk):
            r.add(loc, "schedule keys are lower-case letters, digits, '_' or '-'")
        st = r.table(sv, loc, "schedules.*")
        rates: dict[str, dict[str, int]] = {}
        rloc = _join(loc, "rates")
        raw_rates = r.keyed(st, "rates", rloc)
        for tk, tv in raw_rates.items():
            tloc = _join(rloc, tk)
            if tk != "regular":
                tier = tier_by_key.get(tk)
                if tier is None:
                    r.add(tloc, f'unknown tier "{tk}" (declare it under [tiers.{tk}])')
                elif tier.premium != "rates":
                    r.add(tloc, f'tier "{tk}" is a {tier.premium}; only premium = "rates" tiers take rates')
            row: dict[str, int] = {}
            for rk, av in by_rank(tv, tloc).items():
                a = r.amount_value(av, _join(tloc, rk))
                if a is not None:
                    if a <= 0 and tk == "regular":
                        r.add(_join(tloc, rk), "a regular rate must be more than zero")
                    row[rk] = a
            rates[tk] = row
        reg = rates.get("regular")
        if reg is None:
            r.add(_join(rloc, "regular"), "required: the regular rate of every rank")
        else:
            for rk in rank_keys:
                if rk not in reg and rk not in (raw_rates.get("regular") or {}):
                    r.add(_join(_join(rloc, "regular"), rk), "required: every rank needs a regular rate")
        for t in tiers:
            if t.premium == "rates" and lowest:
                row2 = rates.get(t.key, {})
                if lowest not in row2 and lowest not in (raw_rates.get(t.key) or {}):
                    r.add(_join(_join(rloc, t.key), lowest),
                          f'required: the {lowest} rate for tier "{t.key}" (other ranks fall back to it, '
                          "so without it there is no fallback)")
        schedules.append(Schedule(sk, r.string(st, "label", loc, default=sk) or sk,
                                  r.boolean(st, "default", loc), rates, r.string(st, "description", loc)))
    defaults = [s.key for s in schedules if s.default]
    if len(schedules) > 1 and len(defaults) != 1:
        r.add("schedules", "exactly one schedule must have default = true, found "
              + (", ".join(defaults) if defaults else "none"))
    elif len(defaults) > 1:
        r.add("schedules", "more than one default schedule")

    # -- holidays and blocked dates ------------------------------------------------------
    holidays = [rule for rule, _, _ in _date_rules(r, data, "holidays", today)]
    blocked = [BlockedDate(rule, r.string(t, "message", loc), r.cite(t, loc))
               for rule, t, loc in _date_rules(r, data, "blocked_dates", today)]
    if holidays and not any(t.when == "holiday" for t in tiers):
        r.add("holidays", 'holidays are listed but no tier has when = "holiday"')

    # -- vehicle -------------------------------------------------------------------
    vt = r.table(data.get("vehicle", _MISSING), "vehicle", "vehicle")
    vkind = r.string(vt, "fee", "vehicle", default="none", choices=VEHICLE_FEES) if vt else "none"
    for k, kinds in VEHICLE_FEE_FIELDS.items():
        if k in vt and vkind not in kinds:
            r.ignored("vehicle", k, f'fee = "{vkind}" does not use it')
    if "approval_message" in vt and "approval" not in vt:
        r.ignored("vehicle", "approval_message", "shown only with approval (who must approve a vehicle)")

    def vehicle_amount(key: str) -> int:
        return (r.amount(vt, key, "vehicle", required=True) or 0) if vkind in VEHICLE_FEE_FIELDS[key] else 0

    vehicle = VehicleFee(
        kind=vkind, rate=vehicle_amount("rate"), first_hour=vehicle_amount("first_hour"),
        additional_hour=vehicle_amount("additional_hour"), flat=vehicle_amount("flat"),
        extra_minutes=r.integer(vt, "extra_minutes", "vehicle", hi=24 * 60),
        minimum_minutes=(r.minutes(vt, "minimum_hours", "vehicle", hi_minutes=24 * 60) or 0
                         if vkind in VEHICLE_FEE_FIELDS["minimum_hours"] else 0),
        approval=r.string(vt, "approval", "vehicle"),
        approval_message=r.string(vt, "approval_message", "vehicle"),
        source=r.cite(vt, "vehicle"),
    )

    # -- supervisors ---------------------------------------------------------------
    supervisors: list[SupervisorRule] = []
    for i, sv in enumerate(r.array(data.get("supervisors", _MISSING), "supervisors")):
        loc = f"supervisors[{i}]"
        st = r.table(sv, loc, "supervisors[]")
        kind = r.string(st, "rule", loc, required=True, choices=SUPERVISOR_RULES)
        rank = r.string(st, "rank", loc, required=True)
        if check_rank(rank, _join(loc, "rank")) and rank == lowest:
            r.add(_join(loc, "rank"), f'"{rank}" is the lowest rank; a supervisor rule needs a higher one')
        uses = SUPERVISOR_FIELDS.get(kind, ())
        for k in ("position", "every", "per", "rounding", "of", "at_least"):
            if k in st and kind in SUPERVISOR_FIELDS and k not in uses:
                r.ignored(loc, k, f'rule = "{kind}" does not use it (it uses: {", ".join(uses)})')
        pos = r.integer(st, "position", loc, required=True, lo=1, hi=10_000) if kind == "nth" else 0
        every = r.integer(st, "every", loc, lo=1, hi=10_000) if kind == "nth" else 0
        per = r.integer(st, "per", loc, required=True, lo=1, hi=10_000) if kind == "per" else 0
        rounding = r.string(st, "rounding", loc, default="down", choices=("down", "up")) if kind == "per" else "down"
        of = r.string(st, "of", loc, required=True) if kind == "rank_count" else ""
        if check_rank(of, _join(loc, "of")) and of == rank:
            r.add(_join(loc, "of"), "a rank cannot be required by counting itself")
        at_least = r.integer(st, "at_least", loc, required=True, lo=1, hi=10_000) if kind == "rank_count" else 0
        if kind == "nth" and any(x.kind == "nth" and x.position == pos for x in supervisors):
            r.add(_join(loc, "position"), f"another rule already names position {pos}: ambiguous")
        supervisors.append(SupervisorRule(kind, rank, pos, per, rounding, r.string(st, "explanation", loc),
                                          r.cite(st, loc), every=every, of=of, at_least=at_least))

    # -- administration fee and other charges --------------------------------------
    at = r.table(data.get("admin_fee", _MISSING), "admin_fee", "admin_fee")
    akind = r.string(at, "kind", "admin_fee", default="none", choices=ADMIN_KINDS) if at else "none"
    for k, kinds in ADMIN_FEE_FIELDS.items():
        if k in at and akind not in kinds:
            why = "takes no hourly rate" if k == "rate" else "does not use it"
            r.ignored("admin_fee", k, 'there is no administration fee (kind = "none")' if akind == "none"
                      else f'kind = "{akind}" {why}')
    arate = r.amount(at, "rate", "admin_fee", required=akind == "per_hour") if akind in ("included", "per_hour") \
        else None
    apct = _percent(r, at, "admin_fee", required=True) if akind == "percent" else None
    pmin, pmax = r.amount(at, "published_min", "admin_fee"), r.amount(at, "published_max", "admin_fee")
    if pmin is not None and pmax is not None and pmin > pmax:
        r.add("admin_fee.published_min", "published_min is above published_max")
    if arate is not None and pmin is not None and pmax is not None and not pmin <= arate <= pmax:
        r.add("admin_fee.rate", "the rate lies outside the published range")
    per_job = akind == "per_job"
    admin = AdminFee(akind, arate, apct, pmin, pmax, r.string(at, "message", "admin_fee"),
                     r.cite(at, "admin_fee"),
                     first_position=(r.amount(at, "first_position", "admin_fee", required=True) or 0) if per_job else 0,
                     each_additional=(r.amount(at, "each_additional", "admin_fee") or 0) if per_job else 0)

    charges: list[Charge] = []
    for ck, cv in r.keyed(data, "charges").items():
        loc = _join("charges", ck)
        ct = r.table(cv, loc, "charges.*")
        if ("per_hour" in ct) == ("percent" in ct):
            r.add(_join(loc, "per_hour"), 'give per_hour (an amount per position-hour) or percent (of labour)')
        charges.append(Charge(ck, r.string(ct, "label", loc, default=ck) or ck, r.amount(ct, "per_hour", loc) or 0,
                              r.cite(ct, loc), percent=_percent(r, ct, loc)))

    # -- cancellation ----------------------------------------------------------------
    windows: list[CancellationWindow] = []
    for i, cv in enumerate(r.array(data.get("cancellation", _MISSING), "cancellation")):
        loc = f"cancellation[{i}]"
        ct = r.table(cv, loc, "cancellation[]")
        within = r.minutes(ct, "within_hours", loc, lo_minutes=1)
        days = r.integer(ct, "within_business_days", loc, lo=1, hi=365) or None
        if (within is None and "within_hours" in ct) or (days is None and "within_business_days" in ct):
            continue
        if within is not None and days is not None:
            r.add(_join(loc, "within_business_days"), "give within_hours or within_business_days, not both")
        if any(w.minutes == within and w.business_days == days for w in windows):
            r.add(_join(loc, "within_business_days" if days else "within_hours"),
                  "two cancellation windows with the same length" if within is not None or days
                  else "two windows that apply at any time after approval")
        owed = "admin_fee_owed"
        if "admin_fee" in ct:  # the older spelling, read for the card versions stored with it
            if owed in ct:
                r.add(_join(loc, "admin_fee"), "say it once: admin_fee is the older spelling of admin_fee_owed")
            else:
                owed = "admin_fee"
                r.warn(_join(loc, "admin_fee"), "the older spelling of admin_fee_owed (admin_fee also names the "
                                                f'[admin_fee] table); write admin_fee_owed = "{ct["admin_fee"]}"')
        apart = r.string(ct, owed, loc, default="none", choices=ADMIN_PARTS)
        if apart != "none" and akind == "none":
            r.add(_join(loc, owed), "the card has no administration fee (set [admin_fee])")
        elif (apart == "per_job") != (akind == "per_job") and apart != "none":
            r.add(_join(loc, owed), f'a per-job administration fee is owed with {owed} = "per_job", an '
                                    'hourly one with "first_hours" or "minimum_hours"')
        if apart != "none" and akind == "included" and arate is None:
            r.add("admin_fee.rate", "required: a cancellation window owes the administration fee")
        if "admin_fee_hours" in ct and apart != "first_hours":
            r.ignored(loc, "admin_fee_hours", f'only {owed} = "first_hours" counts hours')
        windows.append(CancellationWindow(
            within, r.string(ct, "pay", loc, default="none", choices=PAYS), apart,
            r.integer(ct, "admin_fee_hours", loc, default=24, lo=1, hi=24 * 366) if apart == "first_hours" else 24,
            r.amount(ct, "flat_per_booking", loc) or 0, r.amount(ct, "flat_per_position", loc) or 0,
            r.cite(ct, loc), business_days=days))

    # -- screening -------------------------------------------------------------------
    screening: list[ScreeningQuestion] = []
    for qk, qv in r.keyed(data, "screening").items():
        loc = _join("screening", qk)
        if not KEY_RE.match(qk):
            r.add(loc, "screening keys are lower-case letters, digits, '_' or '-'")
        qt = r.table(qv, loc, "screening.*")
        effects: list[Effect] = []
        raw_effects = r.array(qt.get("effects", _MISSING), _join(loc, "effects"))
        if not raw_effects:
            r.add(_join(loc, "effects"), "required: at least one effect")
        for j, ev in enumerate(raw_effects):
            eloc = f"{loc}.effects[{j}]"
            et = r.table(ev, eloc, "screening.*.effects[]")
            eff = r.string(et, "effect", eloc, required=True, choices=EFFECTS)
            for k, kind in (("minimum_headcount", "minimum"), ("approval", "approval")):
                if k in et and eff and eff != kind:
                    r.ignored(eloc, k, f'only used with effect = "{kind}"')
            headcount = r.integer(et, "minimum_headcount", eloc, required=True, lo=1, hi=200) \
                if eff == "minimum" else 0
            appr = r.string(et, "approval", eloc, required=True) if eff == "approval" else ""
            effects.append(Effect(eff, r.key(et, "code", eloc, required=False) or f"{qk}_{eff}",
                                  r.string(et, "message", eloc, required=True), headcount, appr,
                                  r.cite(et, eloc)))
        screening.append(ScreeningQuestion(qk, r.string(qt, "question", loc, required=True),
                                           r.string(qt, "help", loc), tuple(effects)))

    notice_period = None
    if "notice_period" in data:
        loc = "notice_period"
        nt = r.table(data[loc], loc, loc)
        if ("hours" in nt) == ("business_days" in nt):
            r.add("notice_period.hours", "give hours or business_days (one of them)")
        notice_period = NoticePeriod(r.minutes(nt, "hours", loc, lo_minutes=1) or 0, r.string(nt, "message", loc),
                                     r.cite(nt, loc), r.integer(nt, "business_days", loc, lo=1, hi=365))
    attendance_minimum = None
    if "attendance_minimum" in data:
        loc = "attendance_minimum"
        amt = r.table(data[loc], loc, loc)
        attendance_minimum = AttendanceMinimum(
            r.integer(amt, "attendees_per_officer", loc, required=True, lo=1, hi=10_000_000) or 1,
            r.integer(amt, "plus", loc, hi=1000), r.string(amt, "message", loc), r.cite(amt, loc))
    fst = r.table(data.get("full_shift", _MISSING), "full_shift", "full_shift")
    old_full_shift = data.get("paid_full_shift_if_released_early", _MISSING)  # the older spelling, still read
    if old_full_shift is not _MISSING:
        if fst:
            r.add("paid_full_shift_if_released_early", "say it once: as if_released_early in [full_shift]")
        else:
            r.warn("paid_full_shift_if_released_early", "the older spelling of [full_shift] if_released_early"
                   + (" (false, the default: leave it out)" if old_full_shift is False else ""))
    full_shift = FullShift(
        r.boolean(fst, "if_released_early", "full_shift", r.boolean(data, "paid_full_shift_if_released_early", "")),
        r.integer(fst, "if_worked_over_percent", "full_shift", lo=1, hi=99) if "if_worked_over_percent" in fst
        else None, r.string(fst, "message", "full_shift"), r.cite(fst, "full_shift"))
    max_shift = None
    if "max_shift" in data:
        loc = "max_shift"
        mt = r.table(data[loc], loc, loc)
        max_shift = LimitRule(r.minutes(mt, "hours", loc, required=True, lo_minutes=1) or 0,
                              r.string(mt, "effect", loc, default="block", choices=("block", "notice")),
                              r.string(mt, "message", loc), r.cite(mt, loc))
    hour_limit = _hour_limit(r, data)
    employer_review = None
    if "employer_review" in data:
        loc = "employer_review"
        et = r.table(data[loc], loc, loc)
        employer_review = EmployerReview(r.string(et, "message", loc, required=True), r.cite(et, loc),
                                         r.boolean(et, "background_check", loc))
    staffing = None
    if "staffing" in data:
        sft = r.table(data["staffing"], "staffing", "staffing")
        venues = []
        for vk, vv in r.keyed(sft, "venues", "staffing.venues").items():
            loc = _join("staffing.venues", vk)
            vtt = r.table(vv, loc, "staffing.venues.*")
            low = r.integer(vtt, "low", loc, required=True, lo=1)
            high = r.integer(vtt, "high", loc, required=True, lo=1)
            if low and high and low > high:
                r.add(_join(loc, "low"), "low must not be above high (attendees per officer)")
            venues.append(VenueKind(vk, r.string(vtt, "label", loc, default=vk) or vk, low or 1, high or 1))
        if not venues:
            r.add("staffing.venues", "required: at least one venue kind")
        cmin = r.integer(sft, "core_min", "staffing", default=0, hi=1000)
        cmax = r.integer(sft, "core_max", "staffing", default=0, hi=1000)
        if cmin > cmax:
            r.add("staffing.core_min", "core_min is above core_max")
        staffing = Staffing(cmin, cmax, tuple(venues), r.cite(sft, "staffing"))

    examples = _examples(r, data, slug, ZoneInfo(tz) if tz else None, by_rank)
    _warn_unreachable_tiers(r, tiers, schedules, holidays, vehicle, minimum or 0, job_types, today)

    if r.problems:
        return None
    return RateCard(
        slug=slug, name=name, short_name=short_name, time_zone=tz, effective=effective,
        jurisdiction=jurisdiction, sources=dict(r.sources), ranks=tuple(ranks), job_types=tuple(job_types),
        schedules=tuple(schedules), tiers=tuple(tiers), holidays=tuple(holidays),
        minimum_minutes=minimum or 0, minimum_source=minimum_source, vehicle=vehicle,
        supervisors=tuple(supervisors), admin_fee=admin, charges=tuple(charges),
        rates_are_minimums=r.boolean(data, "rates_are_minimums", ""),
        cancellation=tuple(sorted(windows, key=lambda w: (w.minutes is None and w.business_days is None,
                                                          w.minutes or (w.business_days or 0) * 24 * 60))),
        full_shift=full_shift,
        screening=tuple(screening), notice_period=notice_period, max_shift=max_shift, staffing=staffing,
        employer_review=employer_review, notes=notes, blocked_dates=tuple(blocked),
        attendance_minimum=attendance_minimum, hour_limit=hour_limit, examples=tuple(examples),
    )


def _warn_unreachable_tiers(r: _Reader, tiers: list[Tier], schedules: list[Schedule], holidays: list[HolidayRule],
                            vehicle: VehicleFee, minimum: int, job_types: list[JobType], today: date | None) -> None:
    """A warning for each tier that nothing can trigger (or that never changes a price when it applies)."""
    longest = max([24 * 60 + vehicle.extra_minutes, minimum, *(j.minimum_minutes or 0 for j in job_types)])
    for t in tiers:
        why = ""
        if t.when == "holiday" and not holidays:
            why = "the card lists no holidays"
        elif t.when == "holiday" and today is not None and all(
                h.kind == "once" and h.on is not None and h.on < today for h in holidays):
            why = "every holiday of the card is a one-off date in the past"
        elif t.when == "after_hours" and t.after_minutes >= longest:
            why = (f"no position is billed more than {longest / 60:g} hours (a shift lasts at most 24 hours, plus "
                   "vehicle minutes; or the longest minimum)")
        elif t.premium == "rates" and schedules and all(
                all(rk in s.rates.get(t.key, {}) and s.rates[t.key][rk] < reg for rk, reg in s.rates["regular"].items())
                for s in schedules if "regular" in s.rates):
            why = "its rates are below the regular rates of every rank in every schedule (the highest rate wins)"
        elif t.premium == "surcharge" and not t.surcharge and not any(t.surcharge_by_rank.values()):
            why = "its amounts are 0.00"
        if why:
            r.warn(_join("tiers", t.key), f"this tier never applies: {why}")


def _examples(r: _Reader, data: dict[str, Any], slug: str, zone: ZoneInfo | None,
              by_rank: Callable[[Any, str], dict[str, Any]]) -> list[WorkedExample]:
    """The ``[[examples]]``: each a request body (kept as JSON text) and the figures the agency states."""
    out: list[WorkedExample] = []
    for i, ev in enumerate(r.array(data.get("examples", _MISSING), "examples")):
        loc = f"examples[{i}]"
        et = r.table(ev, loc, "examples[]")
        name = r.string(et, "name", loc, required=True)
        if name and any(x.name == name for x in out):
            r.add(_join(loc, "name"), f'another example is named "{name}"')
        rloc = _join(loc, "request")
        body = r.table(et.get("request", _MISSING), rloc)
        if not body:
            r.add(rloc, "required: the request (spec section 10), as a table")
        elif "submitted_at" not in body:
            r.add(_join(rloc, "submitted_at"), "required: a worked example is priced as if received at this moment")
        elif body.get("agency", slug) != slug:
            r.add(_join(rloc, "agency"), f'this card is for "{slug}" (the agency may be left out)')
        shift_totals = None
        if "shift_totals" in et:
            shift_totals = tuple(r.amount_value(v, f"{_join(loc, 'shift_totals')}[{j}]") or 0
                                 for j, v in enumerate(r.array(et["shift_totals"], _join(loc, "shift_totals"))))
        positions = None
        if "positions" in et:
            positions = tuple(
                tuple((rk, n) for rk, n in by_rank(pv, f"{_join(loc, 'positions')}[{j}]").items()
                      if _count(r, n, f"{_join(loc, 'positions')}[{j}].{rk}"))
                for j, pv in enumerate(r.array(et["positions"], _join(loc, "positions"))))
        fees = []
        for j, fv in enumerate(r.array(et.get("cancellation_fees", _MISSING), _join(loc, "cancellation_fees"))):
            floc = f"{_join(loc, 'cancellation_fees')}[{j}]"
            ft = r.table(fv, floc, "examples[].cancellation_fees[]")
            moment = _moment(r, ft, "at", floc, zone)
            fee = r.amount(ft, "fee", floc, required=True)
            if moment is not None and fee is not None:
                fees.append((moment, fee))
        stated = ("total", "deposit", "shift_totals", "positions", "blocked", "cancellation_fees")
        if et and not any(k in et for k in stated):
            r.add(loc, f"states no figure to check: give one or more of {', '.join(stated)}")
        out.append(WorkedExample(
            name, json.dumps(_plain(body)), r.amount(et, "total", loc), r.amount(et, "deposit", loc), shift_totals,
            positions, r.boolean(et, "blocked", loc) if "blocked" in et else None, tuple(fees),
            r.string(et, "note", loc), r.cite(et, loc)))
    return out


def _count(r: _Reader, v: Any, where: str) -> bool:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        r.add(where, f"expected a number of positions, got {_describe(v)}")
        return False
    return True


def _moment(r: _Reader, t: dict[str, Any], key: str, loc: str, zone: ZoneInfo | None) -> datetime | None:
    """A date and time (TOML's, or ISO 8601 text); without an offset, the agency's wall clock."""
    v = t.get(key, _MISSING)
    where = _join(loc, key)
    if v is _MISSING:
        r.add(where, "required (a date and time like 2026-12-09T18:00:00-06:00)")
        return None
    if isinstance(v, str) and not isinstance(v, _TomlFloat):
        with contextlib.suppress(ValueError):
            v = datetime.fromisoformat(v)
    if not isinstance(v, datetime):
        r.add(where, f"expected a date and time like 2026-12-09T18:00:00-06:00, got {_describe(v)}")
        return None
    if v.tzinfo is None:
        return v.replace(tzinfo=zone) if zone is not None else None
    return v


def _plain(v: Any) -> Any:
    """A TOML value as the JSON of a request body: dates and times as ISO 8601 text."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, _TomlFloat):
        return float(v)
    if isinstance(v, date | time):
        return v.isoformat()
    return v


def _hour_limit(r: _Reader, data: dict[str, Any]) -> HourLimit | None:
    """``[hour_limit]``: hours (required) within within_hours (default 24, at most a week), message, source."""
    if "hour_limit" not in data:
        return None
    loc = "hour_limit"
    ht = r.table(data[loc], loc, loc)
    within = r.minutes(ht, "within_hours", loc, lo_minutes=60, hi_minutes=7 * 24 * 60)
    within = 24 * 60 if within is None else within
    hours = r.minutes(ht, "hours", loc, required=True, lo_minutes=1, hi_minutes=7 * 24 * 60)
    if hours is not None and hours > within:
        r.add(_join(loc, "hours"), f"more than the {within / 60:g} hours it is counted within")
    return HourLimit(hours or 0, within, r.string(ht, "message", loc), r.cite(ht, loc))


def _strings(r: _Reader, t: dict[str, Any], key: str, loc: str) -> list[str]:
    out = []
    for i, v in enumerate(r.array(t.get(key, _MISSING), _join(loc, key))):
        if isinstance(v, str) and not isinstance(v, _TomlFloat):
            out.append(v)
        else:
            r.add(f"{_join(loc, key)}[{i}]", f"expected text, got {_describe(v)}")
    return out


def _date_value(r: _Reader, t: dict[str, Any], key: str, loc: str, required: bool = False) -> date | None:
    v = t.get(key, _MISSING)
    where = _join(loc, key)
    if v is _MISSING:
        if required:
            r.add(where, "required (a date like 2027-01-01)")
        return None
    if isinstance(v, date) and not hasattr(v, "hour"):
        return v
    if isinstance(v, str) and not isinstance(v, _TomlFloat):
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    r.add(where, f"expected a date like 2027-01-01, got {_describe(v)}")
    return None


def _date_rules(r: _Reader, data: dict[str, Any], key: str, today: date | None
                ) -> list[tuple[HolidayRule, dict[str, Any], str]]:
    """The ``[[holidays]]`` or ``[[blocked_dates]]`` list: each rule with its table and location. Keys are unique
    in the list and ``relative_to`` names another rule of the same list, without loops. Given ``today``, a one-off
    date in the past, or passing within ``ONE_OFF_WARNING_DAYS``, is warned about."""
    out: list[tuple[HolidayRule, dict[str, Any], str]] = []
    for i, hv in enumerate(r.array(data.get(key, _MISSING), key)):
        loc = f"{key}[{i}]"
        got = _holiday(r, hv, loc, f"{key}[]")
        if got is not None:
            if any(x.key == got[0].key for x, _, _ in out):
                r.add(f"{loc}.key", f'key "{got[0].key}" is used twice')
            out.append((*got, loc))
    by_key = {h.key: h for h, _, _ in out}
    for h, _, loc in out:
        seen = {h.key}
        cur = h
        while cur.kind == "relative":
            nxt = by_key.get(cur.relative_to)
            if nxt is None:
                r.add(f"{loc}.relative_to", f'unknown key "{cur.relative_to}" in {key}')
                break
            if nxt.key in seen:
                r.add(f"{loc}.relative_to", f"{key} are relative to each other in a loop")
                break
            seen.add(nxt.key)
            cur = nxt
        if h.kind == "once" and h.on is not None and today is not None:
            if h.on < today:
                r.warn(f"{loc}.on", f"{h.name}: {h.on.isoformat()} is in the past; the rule applies no more")
            elif h.on <= today + timedelta(days=ONE_OFF_WARNING_DAYS):
                r.warn(f"{loc}.on", f"{h.name}: {h.on.isoformat()} is the rule's only date and passes within "
                                    f"{ONE_OFF_WARNING_DAYS} days; after it the rule applies no more")
    return out


def _percent(r: _Reader, t: dict[str, Any], loc: str, required: bool = False) -> Fraction | None:
    """``percent = "10"`` (10 %) as an exact fraction."""
    where = _join(loc, "percent")
    if "percent" not in t:
        if required:
            r.add(where, 'required (e.g. "10" for 10 % of labour)')
        return None
    v = t["percent"]
    try:
        return parse_fraction(float(v) if isinstance(v, _TomlFloat) else v, "percentage")
    except AmountError as e:
        r.add(where, str(e))
        return None


def _holiday(r: _Reader, hv: Any, loc: str, fields: str) -> tuple[HolidayRule, dict[str, Any]] | None:
    ht = r.table(hv, loc, fields)
    if not ht:
        if hv is not _MISSING and isinstance(hv, dict):
            r.add(loc, "empty holiday")
        return None
    name = r.string(ht, "name", loc, required=True)
    key = r.key(ht, "key", loc, required=False)
    key = key or re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "holiday"
    kind = r.string(ht, "rule", loc, required=True, choices=RULE_KINDS)
    wanted = HOLIDAY_RULE_FIELDS.get(kind, ())
    for f in ("month", "day", "weekday", "nth", "relative_to", "days", "on", "calendar", "holiday"):
        if f in ht and kind and f not in wanted:
            r.ignored(loc, f, f'rule = "{kind}" does not use it (it uses: {", ".join(wanted)})')
    month = r.integer(ht, "month", loc, required="month" in wanted, lo=1, hi=12) if "month" in wanted else 0
    day = r.integer(ht, "day", loc, required="day" in wanted, lo=1, hi=31) if "day" in wanted else 0
    if kind == "fixed" and month and day:
        try:
            date(2024, month, day)
        except ValueError:
            r.add(_join(loc, "day"), f"there is no {month}/{day}")
    weekday = 0
    if "weekday" in wanted:
        wd = r.string(ht, "weekday", loc, required=True, choices=WEEKDAYS)
        weekday = WEEKDAYS.index(wd) if wd in WEEKDAYS else 0
    nth = r.integer(ht, "nth", loc, required=True, lo=1, hi=5) if "nth" in wanted else 0
    rel = r.key(ht, "relative_to", loc) if "relative_to" in wanted else ""
    days = r.integer(ht, "days", loc, required=True, lo=-366, hi=366) if "days" in wanted else 0
    on = _date_value(r, ht, "on", loc, required=True) if "on" in wanted else None
    cal = hol = ""
    if kind == "calendar":
        cal = r.string(ht, "calendar", loc, required=True, choices=tuple(CALENDARS))
        hol = r.string(ht, "holiday", loc, required=True, choices=tuple(CALENDARS.get(cal, ())) or None)
    start = r.clock(ht, "from", loc, required=False) if "from" in ht else None
    end = r.clock(ht, "to", loc, required=False) if "to" in ht else None
    if start is not None and start == end:
        r.add(_join(loc, "to"), "the period must not start and end at the same time")
    if not kind:
        return None
    return HolidayRule(key, name, kind, month, day, weekday, nth, rel, days, on, cal, hol, start, end), ht
