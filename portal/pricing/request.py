"""Validate a quote request body (pricing spec section 10) against one card.

``parse_request(data, card, now=...)`` returns a :class:`QuoteRequest` or raises
:class:`RequestError` whose ``errors`` lists *every* problem as
``FieldError(field, message)``, with fields such as ``shifts[0].end``.

Decisions the spec leaves open (also in ``docs/rate-cards.md``):

- Times without an offset are wall-clock times in the agency's zone. A wall-clock
  time that does not exist (the hour skipped when clocks go forward) is an error.
  A wall-clock time that happens twice (the hour repeated when clocks go back) is
  read as its *first* occurrence (``fold=0``, still on daylight time); give an
  offset to mean the second one.
- Shift times must be whole minutes; ``submitted_at`` may carry seconds.
- Every time is in the years ``MIN_YEAR`` to ``MAX_YEAR`` (as written): far enough from the
  ends of the calendar that moving to the agency's zone, a shift's billed padding and the
  holidays of the neighbouring years never leave it.
- At most ``MAX_SHIFTS`` shifts per request and ``MAX_POSITIONS`` positions per shift.
- Unknown fields are errors (a misspelt ``officer`` must not silently price nothing).
- ``venue.kind`` is checked against the card's staffing table; a card with no
  table ignores the venue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from .card import RateCard
from .money import AmountError, format_cents, parse_amount

__all__ = [
    "MAX_ATTENDANCE",
    "MAX_POSITIONS",
    "MAX_SHIFTS",
    "MAX_YEAR",
    "MIN_YEAR",
    "FieldError",
    "Location",
    "QuoteRequest",
    "RequestError",
    "ShiftRequest",
    "parse_request",
]

_T = TypeVar("_T")

MAX_SHIFTS = 366
MAX_POSITIONS = 200
MAX_ATTENDANCE = 10_000_000
MAX_SHIFT_MINUTES = 24 * 60
MIN_YEAR = 1970
MAX_YEAR = 9000

TOP_FIELDS = ("agency", "schedule", "submitted_at", "location", "screening", "venue", "offered_rates",
              "priority", "shifts")
SHIFT_FIELDS = ("start", "end", "officers", "positions", "vehicles", "job_type")
_TOP_FIELDS = frozenset(TOP_FIELDS)
_SHIFT_FIELDS = frozenset(SHIFT_FIELDS)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class RequestError(ValueError):
    """The request cannot be priced; ``errors`` names every field at fault."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]) + (" ..." if len(errors) > 5 else ""))

    def to_dict(self) -> dict[str, list[dict[str, str]]]:
        return {"errors": [e.to_dict() for e in self.errors]}


@dataclass(frozen=True, slots=True)
class Location:
    city: str = ""
    state: str = ""
    zip: str = ""


class ShiftRequest(NamedTuple):
    start: datetime  # aware, in the agency's zone
    end: datetime
    start_min: int  # minutes since the Unix epoch (UTC)
    end_min: int
    officers: int | None  # a headcount ...
    positions: tuple[tuple[str, int], ...] | None  # ... or explicit ranks (card rank order)
    vehicles: int = 0
    job_type: str | None = None

    @property
    def headcount(self) -> int:
        if self.positions is not None:
            return sum(n for _, n in self.positions)
        return self.officers or 0

    @property
    def minutes(self) -> int:
        return self.end_min - self.start_min


@dataclass(frozen=True)
class QuoteRequest:
    agency: str
    schedule: str
    submitted_at: datetime  # aware, in the agency's zone
    shifts: tuple[ShiftRequest, ...]
    location: Location | None = None
    screening: frozenset[str] = frozenset()  # the keys answered "yes"
    venue_kind: str | None = None
    attendance: int | None = None
    offered_rates: Mapping[str, int] = field(default_factory=dict)
    priority: str | None = None


def frozen_instance(cls: type[_T], **fields: Any) -> _T:
    """An instance of the frozen dataclass ``cls`` from all of its fields, without the generated
    ``__init__`` (which sets each field through ``object.__setattr__``): the same object, built a
    few microseconds faster on the quote path. Only for plain ``__dict__`` dataclasses without
    ``__post_init__``."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def _epoch_min(dt: datetime) -> int:
    return int(dt.timestamp()) // 60


def parse_time(value: Any, card: RateCard, where: str, errors: list[FieldError], *,
               whole_minutes: bool = True) -> datetime | None:
    """ISO 8601 date and time; no offset means the agency's wall clock. Adds an error, returns None."""
    if not isinstance(value, str):
        errors.append(FieldError(where, "expected a date and time like 2026-12-12T18:00"))
        return None
    if len(value) < 16 or value[10] not in "Tt ":
        errors.append(FieldError(where, f'expected a date and time like 2026-12-12T18:00, got "{value[:40]}"'))
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(where, f'not a valid date and time: "{value[:40]}"'))
        return None
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        errors.append(FieldError(where, f"the year must be between {MIN_YEAR} and {MAX_YEAR} (got {dt.year})"))
        return None
    zone = card.zone
    if dt.tzinfo is None:
        y, mo, d, h, mi, sec, us = dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond
        local = datetime(y, mo, d, h, mi, sec, us, zone)  # dt.replace(tzinfo=zone), faster
        # Same offset for both folds: an ordinary time. Otherwise a gap or a repeated hour; only
        # the round trip tells them apart.
        if local.utcoffset() != datetime(y, mo, d, h, mi, sec, us, zone, fold=1).utcoffset() and (
                local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != dt):
            errors.append(FieldError(
                where, f"{dt:%Y-%m-%d %H:%M} does not exist in {card.time_zone} "
                       "(the clocks skip that hour); give a time outside the gap"))
            return None
    else:
        local = dt.astimezone(zone)
    if whole_minutes and (local.second or local.microsecond):
        errors.append(FieldError(where, "times have minute precision (no seconds)"))
        return None
    return local


def _count(value: Any, where: str, errors: list[FieldError], *, lo: int, hi: int, what: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError(where, f"expected a whole number of {what}, got {_show(value)}"))
        return None
    if value < lo:
        errors.append(FieldError(where, f"must be at least {lo}" if lo else "must not be negative"))
        return None
    if value > hi:
        errors.append(FieldError(where, f"at most {hi} {what} (got {value})"))
        return None
    return value


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value[:40]}"'
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return str(value)[:40]


def _opt_str(d: Mapping[str, Any], key: str, where: str, errors: list[FieldError]) -> str:
    v = d.get(key)
    if v is None:
        return ""
    if not isinstance(v, str):
        errors.append(FieldError(f"{where}.{key}", f"expected text, got {_show(v)}"))
        return ""
    return v.strip()[:200]


def parse_request(data: Any, card: RateCard, *, now: datetime) -> QuoteRequest:
    """Validate ``data`` (a decoded JSON body) for ``card``; collect every error."""
    if now.tzinfo is None:
        raise TypeError("now must be an aware datetime")
    errors: list[FieldError] = []
    if not isinstance(data, dict):
        raise RequestError([FieldError("", "expected a JSON object")])
    for k in data:
        if k not in _TOP_FIELDS:
            errors.append(FieldError(str(k), f"unknown field (known: {', '.join(TOP_FIELDS)})"))

    agency = data.get("agency")
    if agency is not None and agency != card.slug:
        errors.append(FieldError("agency", f'this rate card is for "{card.slug}", not {_show(agency)}'))

    sched_key = data.get("schedule")
    schedule = card.default_schedule
    if sched_key is not None:
        s = card.schedule(sched_key) if isinstance(sched_key, str) else None
        if s is None:
            known = ", ".join(x.key for x in card.schedules)
            errors.append(FieldError("schedule", f"unknown schedule {_show(sched_key)} (this agency has: {known})"))
        else:
            schedule = s

    if data.get("submitted_at") is None:
        submitted = now.astimezone(card.zone)
    else:
        submitted = parse_time(data["submitted_at"], card, "submitted_at", errors, whole_minutes=False)

    location = None
    loc = data.get("location")
    if loc is not None:
        if not isinstance(loc, dict):
            errors.append(FieldError("location", f"expected an object with city, state, zip; got {_show(loc)}"))
        else:
            for k in loc:
                if k not in ("city", "state", "zip", "street", "address", "name"):
                    errors.append(FieldError(f"location.{k}", "unknown field (known: city, state, zip)"))
            location = Location(_opt_str(loc, "city", "location", errors), _opt_str(loc, "state", "location", errors),
                                _opt_str(loc, "zip", "location", errors))
            if not (location.city or location.state or location.zip):
                location = None

    yes: set[str] = set()
    scr = data.get("screening")
    if scr is not None:
        if not isinstance(scr, dict):
            errors.append(FieldError("screening", f"expected an object of yes/no answers, got {_show(scr)}"))
        else:
            for k, v in scr.items():
                where = f"screening.{k}"
                if card.screening_question(k) is None:
                    known = ", ".join(q.key for q in card.screening) or "none"
                    errors.append(FieldError(where, f"unknown screening question (this agency asks: {known})"))
                elif not isinstance(v, bool) and v is not None:
                    errors.append(FieldError(where, f"expected true or false, got {_show(v)}"))
                elif v:
                    yes.add(k)

    venue_kind = None
    attendance = None
    ven = data.get("venue")
    if ven is not None:
        if not isinstance(ven, dict):
            errors.append(FieldError("venue", f"expected an object with kind and attendance, got {_show(ven)}"))
        else:
            for k in ven:
                if k not in ("kind", "attendance"):
                    errors.append(FieldError(f"venue.{k}", "unknown field (known: kind, attendance)"))
            kind = ven.get("kind")
            if kind is not None:
                if not isinstance(kind, str):
                    errors.append(FieldError("venue.kind", f"expected text, got {_show(kind)}"))
                elif card.staffing is not None:
                    if card.staffing.venue(kind) is None:
                        known = ", ".join(v.key for v in card.staffing.venues)
                        errors.append(FieldError("venue.kind", f'unknown venue kind "{kind}" (known: {known})'))
                    else:
                        venue_kind = kind
            if ven.get("attendance") is not None:
                attendance = _count(ven["attendance"], "venue.attendance", errors, lo=0, hi=MAX_ATTENDANCE,
                                    what="attendees")

    offered: dict[str, int] = {}
    off = data.get("offered_rates")
    if off is not None and off != {}:
        if not card.rates_are_minimums:
            errors.append(FieldError("offered_rates", f"{card.short_name} publishes fixed rates; "
                                                      "offered rates are not taken"))
        elif not isinstance(off, dict):
            errors.append(FieldError("offered_rates", f'expected an object like {{"officer": "45.00"}}, '
                                                      f"got {_show(off)}"))
        else:
            for rk, v in off.items():
                where = f"offered_rates.{rk}"
                if rk not in card.rank_keys:
                    errors.append(FieldError(where, f"unknown rank (ranks: {', '.join(card.rank_keys)})"))
                    continue
                if isinstance(v, float):
                    errors.append(FieldError(where, f'give the amount as a string like "45.00", got {v!r}'))
                    continue
                try:
                    cents = parse_amount(v)
                except AmountError as e:
                    errors.append(FieldError(where, str(e)))
                    continue
                base = schedule.rates["regular"][rk]
                if cents < base:
                    errors.append(FieldError(where, f"{format_cents(cents)} is below the {card.short_name} "
                                                    f"minimum rate of {format_cents(base)}"))
                elif cents > 10_000_00:
                    errors.append(FieldError(where, f"{format_cents(cents)} per hour is not a plausible rate"))
                else:
                    offered[rk] = cents

    priority = data.get("priority")
    if priority is not None:
        t = card.tier(priority) if isinstance(priority, str) else None
        if t is None or not t.selectable:
            known = ", ".join(t.key for t in card.tiers if t.selectable) or "none"
            errors.append(FieldError("priority", f"unknown priority tier {_show(priority)} (this agency offers: "
                                                 f"{known})"))
            priority = None

    shifts: list[ShiftRequest] = []
    raw = data.get("shifts")
    if raw is None:
        errors.append(FieldError("shifts", "required: a list of shifts"))
    elif not isinstance(raw, list):
        errors.append(FieldError("shifts", f"expected a list of shifts, got {_show(raw)}"))
    elif not raw:
        errors.append(FieldError("shifts", "at least one shift is required"))
    elif len(raw) > MAX_SHIFTS:
        errors.append(FieldError("shifts", f"at most {MAX_SHIFTS} shifts per request (got {len(raw)})"))
    else:
        for i, item in enumerate(raw):
            s = _parse_shift(item, i, card, submitted, errors)
            if s is not None:
                shifts.append(s)

    if errors or submitted is None:
        raise RequestError(errors)
    return frozen_instance(
        QuoteRequest, agency=card.slug, schedule=schedule.key, submitted_at=submitted, shifts=tuple(shifts),
        location=location, screening=frozenset(yes), venue_kind=venue_kind, attendance=attendance,
        offered_rates=offered, priority=priority,
    )


def _parse_shift(item: Any, i: int, card: RateCard, submitted: datetime | None,
                 errors: list[FieldError]) -> ShiftRequest | None:
    p = f"shifts[{i}]"
    if not isinstance(item, dict):
        errors.append(FieldError(p, f"expected an object with start, end and officers, got {_show(item)}"))
        return None
    n_before = len(errors)
    for k in item:
        if k not in _SHIFT_FIELDS:
            errors.append(FieldError(f"{p}.{k}", f"unknown field (known: {', '.join(SHIFT_FIELDS)})"))
    start = end = None
    raw_start, raw_end = item.get("start"), item.get("end")
    if raw_start is None:
        errors.append(FieldError(f"{p}.start", "required"))
    if raw_end is None:
        errors.append(FieldError(f"{p}.end", "required"))
    if raw_start is not None:
        start = parse_time(raw_start, card, f"{p}.start", errors)
    if raw_end is not None:
        end = parse_time(raw_end, card, f"{p}.end", errors)
    start_min = end_min = 0
    if start is not None and end is not None:
        start_min, end_min = _epoch_min(start), _epoch_min(end)
        if end_min <= start_min:
            errors.append(FieldError(f"{p}.end", "the shift must end after it starts"))
        elif end_min - start_min > MAX_SHIFT_MINUTES:
            errors.append(FieldError(f"{p}.end", "a shift lasts at most 24 hours; split longer work into shifts"))
    if start is not None and submitted is not None and start <= submitted:
        errors.append(FieldError(f"{p}.start", "the shift must start after the request is made "
                                              "(nobody books the past)"))

    officers = None
    positions = None
    has_off, has_pos = item.get("officers") is not None, item.get("positions") is not None
    if has_off and has_pos:
        errors.append(FieldError(f"{p}.positions", "give officers (a headcount) or positions (ranks), not both"))
    elif not has_off and not has_pos:
        errors.append(FieldError(f"{p}.officers", "required: officers (a headcount) or positions (ranks)"))
    elif has_off:
        officers = _count(item["officers"], f"{p}.officers", errors, lo=1, hi=MAX_POSITIONS, what="officers")
    else:
        raw = item["positions"]
        if not isinstance(raw, dict):
            errors.append(FieldError(f"{p}.positions", f'expected an object like {{"officer": 4, "sergeant": 1}}, '
                                                       f"got {_show(raw)}"))
        else:
            counts: dict[str, int] = {}
            for rk, n in raw.items():
                where = f"{p}.positions.{rk}"
                if rk not in card.rank_keys:
                    errors.append(FieldError(where, f"unknown rank (ranks: {', '.join(card.rank_keys)})"))
                    continue
                c = _count(n, where, errors, lo=0, hi=MAX_POSITIONS, what="positions")
                if c is not None:
                    counts[rk] = c
            total = sum(counts.values())
            if len(errors) == n_before or total:
                if total < 1:
                    errors.append(FieldError(f"{p}.positions", "at least one position is required"))
                elif total > MAX_POSITIONS:
                    errors.append(FieldError(f"{p}.positions", f"at most {MAX_POSITIONS} positions per shift"))
            positions = tuple((rk, counts[rk]) for rk in card.rank_keys if counts.get(rk))
    headcount = officers if officers is not None else sum(n for _, n in positions or ())
    vehicles = 0
    if item.get("vehicles") is not None:
        v = _count(item["vehicles"], f"{p}.vehicles", errors, lo=0, hi=MAX_POSITIONS, what="vehicles")
        if v is not None:
            if headcount and v > headcount:
                errors.append(FieldError(f"{p}.vehicles", f"{v} vehicles for {headcount} positions: "
                                                          "at most one vehicle per position"))
            else:
                vehicles = v
    job_type = item.get("job_type")
    if job_type is not None and (not isinstance(job_type, str) or card.job_type(job_type) is None):
        known = ", ".join(j.key for j in card.job_types) or "none"
        errors.append(FieldError(f"{p}.job_type", f"unknown job type {_show(job_type)} (known: {known})"))
        job_type = None
    if len(errors) > n_before or start is None or end is None:
        return None
    return ShiftRequest(start, end, start_min, end_min, officers, positions, vehicles, job_type)
