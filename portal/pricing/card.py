"""The rate card as frozen dataclasses.

A card is written as TOML (see ``docs/rate-cards.md``), checked and converted by
:mod:`portal.pricing.validate`. Everything an agency charges or forbids lives
here; the engine holds no agency-specific numbers.

All amounts are integer cents; all durations are integer minutes. Citations are
stored already rendered ("kcpd-policy-630-9-secondary-employment.txt, IV.A.13").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from .holidays import HolidayRule, holidays_in_year

__all__ = [
    "AdminFee",
    "CancellationWindow",
    "Charge",
    "Effect",
    "JobType",
    "Jurisdiction",
    "LimitRule",
    "NoticePeriod",
    "Rank",
    "RateCard",
    "Schedule",
    "ScreeningQuestion",
    "Source",
    "Staffing",
    "SupervisorRule",
    "Tier",
    "VehicleFee",
    "VenueKind",
]


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    file: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class Rank:
    key: str
    label: str


@dataclass(frozen=True, slots=True)
class JobType:
    key: str
    label: str
    minimum_minutes: int | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class VenueKind:
    key: str
    label: str
    low: int  # attendees per officer, low end of the published range
    high: int  # attendees per officer, high end


@dataclass(frozen=True, slots=True)
class Staffing:
    """A staffing recommendation table (KCPD policy 630-9 IV.A.13). Advice only: a notice."""

    core_min: int
    core_max: int
    venues: tuple[VenueKind, ...]
    source: str = ""

    def venue(self, key: str) -> VenueKind | None:
        for v in self.venues:
            if v.key == key:
                return v
        return None


@dataclass(frozen=True)
class Schedule:
    key: str
    label: str
    default: bool
    # tier key -> rank key -> cents; always has "regular" with every rank.
    rates: Mapping[str, Mapping[str, int]]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Tier:
    """A premium. ``premium`` is how it prices, ``when`` is when it applies.

    premium: ``rates`` (replacement rates from each schedule's table), ``multiplier``
    (replacement rate = regular rate x multiplier, rounded to the cent) or
    ``surcharge`` (an additive amount per position-hour, its own line; stacks).

    when: ``holiday`` (minutes on a holiday date), ``notice`` (the whole shift, when
    ``start - submitted_at`` is under ``under_minutes``), ``selectable`` (the whole
    shift, when the employer picks it as ``priority``), ``daily_window`` (minutes
    between ``window_from`` and ``window_to`` local time, crossing midnight if
    ``to <= from``), ``after_hours`` (minutes after ``after_minutes`` from the start of
    the position's billed time).
    """

    key: str
    label: str
    premium: str
    when: str
    under_minutes: int = 0
    window_from: time | None = None
    window_to: time | None = None
    after_minutes: int = 0
    multiplier: Fraction | None = None
    surcharge: int = 0
    surcharge_by_rank: Mapping[str, int] = field(default_factory=dict)
    source: str = ""

    @property
    def replaces(self) -> bool:
        return self.premium != "surcharge"

    def surcharge_for(self, rank: str) -> int:
        return self.surcharge_by_rank.get(rank, self.surcharge)


@dataclass(frozen=True, slots=True)
class VehicleFee:
    """``kind``: ``none``, ``per_hour`` (rate), ``first_hour`` (first_hour + additional per further
    hour, pro rata), ``flat`` (per vehicle per shift). ``extra_minutes`` are added to the
    position that has the vehicle (pick-up and return)."""

    kind: str = "none"
    rate: int = 0
    first_hour: int = 0
    additional_hour: int = 0
    flat: int = 0
    extra_minutes: int = 0
    approval: str = ""
    approval_message: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class SupervisorRule:
    """``nth``: when there are ``position`` or more positions, one of them is ``rank`` (converted).
    ``per``: one ``rank`` per ``per`` positions of lower rank, added on top (rounded ``down``
    or ``up``)."""

    kind: str
    rank: str
    position: int = 0
    per: int = 0
    rounding: str = "down"
    explanation: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class AdminFee:
    """``kind``: ``none``; ``included`` (in the rates; ``rate`` is owed only on cancellation);
    ``per_hour`` (a quote line per position-hour); ``percent`` (a quote line, percent of
    labour); ``unpublished`` (owed but no amount published: left out, with a notice)."""

    kind: str = "none"
    rate: int | None = None
    percent: Fraction | None = None
    published_min: int | None = None
    published_max: int | None = None
    message: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class Charge:
    """Another per position-hour charge (e.g. workers' compensation), a line of its own."""

    key: str
    label: str
    rate: int
    source: str = ""


@dataclass(frozen=True, slots=True)
class CancellationWindow:
    """What is owed when a shift is cancelled after approval and ``start - t < minutes``
    (``minutes is None``: at any time after approval). Only the tightest window that
    applies counts; windows do not add up.

    pay: ``none``; ``minimum`` (minimum hours at the rate at the start, per position);
    ``greater_of_worked_and_minimum`` (the same before the start: nothing worked yet);
    ``full_shift`` (the shift's labour as quoted).
    admin: ``none``; ``first_hours`` (admin fee for ``min(billed hours, admin_hours)`` per
    position); ``minimum_hours`` (admin fee for the minimum hours per position).
    """

    minutes: int | None
    pay: str = "none"
    admin: str = "none"
    admin_hours: int = 24
    flat_per_booking: int = 0
    flat_per_position: int = 0
    source: str = ""


@dataclass(frozen=True, slots=True)
class Effect:
    effect: str  # block | approval | minimum | notice
    code: str
    message: str
    minimum_headcount: int = 0
    approval: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class ScreeningQuestion:
    key: str
    question: str
    help: str
    effects: tuple[Effect, ...]


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    city: str
    state: str
    state_names: tuple[str, ...] = ()
    zips: tuple[str, ...] = ()
    restrict: bool = False
    message: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class NoticePeriod:
    """Advisory notice the agency asks for: a notice when ``start - submitted_at < minutes``."""

    minutes: int
    message: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class EmployerReview:
    """How the agency vets a new employer before staffing its first booking (shown when it has not yet)."""

    message: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class LimitRule:
    """Maximum scheduled length of a shift, with its effect (block or notice)."""

    minutes: int
    effect: str = "block"
    message: str = ""
    source: str = ""


@dataclass(frozen=True)
class RateCard:
    slug: str
    name: str
    short_name: str
    time_zone: str
    effective: date
    jurisdiction: Jurisdiction | None
    sources: Mapping[str, Source]
    ranks: tuple[Rank, ...]
    job_types: tuple[JobType, ...]
    schedules: tuple[Schedule, ...]
    tiers: tuple[Tier, ...]
    holidays: tuple[HolidayRule, ...]
    minimum_minutes: int
    minimum_source: str
    vehicle: VehicleFee
    supervisors: tuple[SupervisorRule, ...]
    admin_fee: AdminFee
    charges: tuple[Charge, ...]
    rates_are_minimums: bool
    cancellation: tuple[CancellationWindow, ...]
    paid_full_shift_if_released_early: bool
    screening: tuple[ScreeningQuestion, ...]
    notice_period: NoticePeriod | None
    max_shift: LimitRule | None
    staffing: Staffing | None
    employer_review: EmployerReview | None = None
    version: int = 1
    notes: tuple[str, ...] = ()
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    # -- derived, cached -------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        z = self._cache.get("zone")
        if z is None:
            z = self._cache["zone"] = ZoneInfo(self.time_zone)
        return z

    @property
    def rank_keys(self) -> tuple[str, ...]:
        k = self._cache.get("rank_keys")
        if k is None:
            k = self._cache["rank_keys"] = tuple(r.key for r in self.ranks)
        return k

    def rank_index(self, key: str) -> int:
        idx = self._cache.get("rank_index")
        if idx is None:
            idx = self._cache["rank_index"] = {r.key: i for i, r in enumerate(self.ranks)}
        return idx[key]

    def rank_label(self, key: str) -> str:
        for r in self.ranks:
            if r.key == key:
                return r.label
        return key

    @property
    def default_schedule(self) -> Schedule:
        d = self._cache.get("default_schedule")
        if d is None:
            d = self._cache["default_schedule"] = next((s for s in self.schedules if s.default), self.schedules[0])
        return d

    def schedule(self, key: str) -> Schedule | None:
        by_key = self._cache.get("schedules")
        if by_key is None:
            by_key = self._cache["schedules"] = {}
            for s in self.schedules:
                by_key.setdefault(s.key, s)  # the first of a key, as a search would find
        return by_key.get(key)

    def tier(self, key: str) -> Tier | None:
        for t in self.tiers:
            if t.key == key:
                return t
        return None

    def job_type(self, key: str) -> JobType | None:
        for j in self.job_types:
            if j.key == key:
                return j
        return None

    def screening_question(self, key: str) -> ScreeningQuestion | None:
        for q in self.screening:
            if q.key == key:
                return q
        return None

    def holiday_names(self, day: date) -> tuple[str, ...]:
        """Names of the card's holidays on a local calendar day (empty if none)."""
        cache = self._cache.setdefault("holidays", {})
        year = cache.get(day.year)
        if year is None:
            year = cache[day.year] = holidays_in_year(self.holidays, day.year)
        return year.get(day, ())

    def holidays_in_year(self, year: int) -> Mapping[date, tuple[str, ...]]:
        self.holiday_names(date(year, 1, 1))
        return self._cache["holidays"][year]

    def with_version(self, version: int) -> RateCard:
        """The same card recorded as ``version`` (the database numbers versions)."""
        return dataclasses.replace(self, version=version, _cache={})

    def localize(self, dt: datetime) -> datetime:
        return dt.astimezone(self.zone)
