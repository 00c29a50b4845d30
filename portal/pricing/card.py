"""The rate card as frozen dataclasses.

A card is written as TOML (see ``docs/rate-cards.md``), checked and converted by
:mod:`portal.pricing.validate`. Everything an agency charges or forbids lives
here; the engine holds no agency-specific numbers.

All amounts are integer cents; all durations are integer minutes. Citations are
stored already rendered ("kcpd-policy-630-9-secondary-employment.txt, IV.A.13").
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from fractions import Fraction
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from .holidays import HolidayRule, RuleSet, business_days_before, holidays_in_year
from .money import round_half_up

__all__ = [
    "AdminFee",
    "AttendanceMinimum",
    "BlockedDate",
    "CancellationWindow",
    "Charge",
    "Effect",
    "FullShift",
    "HourLimit",
    "JobType",
    "Jurisdiction",
    "LimitRule",
    "MinuteTiers",
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
    "WorkedExample",
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

    when: ``holiday`` (minutes inside a holiday period), ``notice`` (the whole shift, when
    ``start - submitted_at`` is under ``under_minutes``, or under ``under_business_days``
    business days), ``selectable`` (the whole shift, when the employer picks it as
    ``priority``), ``daily_window`` (minutes between ``window_from`` and ``window_to`` local
    time, crossing midnight if ``to <= from``), ``after_hours`` (minutes after
    ``after_minutes`` from the start of the position's billed time).

    ``whole_shift``: a holiday or daily-window tier then prices the whole shift when any
    scheduled minute of it falls in its periods. ``also_selectable``: a notice tier the
    employer may also choose as ``priority``. ``if_headcount_at_least`` /
    ``if_attendance_over``: a notice tier applies only when the shift has that many
    positions or the venue more attendees (either suffices when both are given).
    """

    key: str
    label: str
    premium: str
    when: str
    under_minutes: int = 0
    under_business_days: int = 0
    window_from: time | None = None
    window_to: time | None = None
    after_minutes: int = 0
    multiplier: Fraction | None = None
    surcharge: int = 0
    surcharge_by_rank: Mapping[str, int] = field(default_factory=dict)
    source: str = ""
    whole_shift: bool = False
    also_selectable: bool = False
    if_headcount_at_least: int = 0
    if_attendance_over: int | None = None
    replaces: bool = field(init=False, compare=False, repr=False)  # a replacement rate, not a surcharge

    def __post_init__(self) -> None:
        object.__setattr__(self, "replaces", self.premium != "surcharge")

    @property
    def selectable(self) -> bool:
        """The employer may choose it as ``priority``."""
        return self.when == "selectable" or self.also_selectable

    def condition_met(self, headcount: int, attendance: int | None) -> bool:
        """A notice tier's condition (none: always met)."""
        if not self.if_headcount_at_least and self.if_attendance_over is None:
            return True
        return bool((self.if_headcount_at_least and headcount >= self.if_headcount_at_least)
                    or (self.if_attendance_over is not None and attendance is not None
                        and attendance > self.if_attendance_over))

    def surcharge_for(self, rank: str) -> int:
        return self.surcharge_by_rank.get(rank, self.surcharge)


@dataclass(frozen=True, slots=True)
class VehicleFee:
    """``kind``: ``none``, ``per_hour`` (rate), ``first_hour`` (first_hour + additional per further
    hour, pro rata), ``flat`` (per vehicle per shift). ``extra_minutes`` are added to the
    position that has the vehicle (pick-up and return). ``minimum_minutes``: a vehicle is
    billed at least that long, whatever its position's billed time."""

    kind: str = "none"
    rate: int = 0
    first_hour: int = 0
    additional_hour: int = 0
    flat: int = 0
    extra_minutes: int = 0
    minimum_minutes: int = 0
    approval: str = ""
    approval_message: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class SupervisorRule:
    """``nth``: when there are ``position`` or more positions, one of them is ``rank`` (converted);
    with ``every``, one more at each further ``every`` positions (the 4th, then the 14th, 24th...).
    ``per``: one ``rank`` per ``per`` positions of lower rank, added on top (rounded ``down``
    or ``up``). ``rank_count``: one ``rank`` added on top when at least ``at_least`` positions
    hold rank ``of`` (a lieutenant when there are 2 or more supervisors)."""

    kind: str
    rank: str
    position: int = 0
    per: int = 0
    rounding: str = "down"
    explanation: str = ""
    source: str = ""
    every: int = 0
    of: str = ""
    at_least: int = 0


@dataclass(frozen=True, slots=True)
class AdminFee:
    """``kind``: ``none``; ``included`` (in the rates; ``rate`` is owed only on cancellation);
    ``per_hour`` (a quote line per position-hour); ``percent`` (a quote line, percent of
    labour); ``per_job`` (a quote line per shift: ``first_position`` plus ``each_additional``
    for every further position); ``unpublished`` (owed but no amount published: left out,
    with a notice)."""

    kind: str = "none"
    rate: int | None = None
    percent: Fraction | None = None
    published_min: int | None = None
    published_max: int | None = None
    message: str = ""
    source: str = ""
    first_position: int = 0
    each_additional: int = 0

    def per_job(self, positions: int) -> int:
        """The ``per_job`` fee of a shift with ``positions`` positions (0 for none)."""
        return self.first_position + self.each_additional * (positions - 1) if positions > 0 else 0


@dataclass(frozen=True, slots=True)
class Charge:
    """Another charge (e.g. workers' compensation), a line of its own: ``rate`` per position-hour,
    or ``percent`` of labour."""

    key: str
    label: str
    rate: int
    source: str = ""
    percent: Fraction | None = None


@dataclass(frozen=True, slots=True)
class CancellationWindow:
    """What is owed when a shift is cancelled after approval and ``start - t < minutes``, or
    ``t`` is later than ``business_days`` business days before the start (neither: at any time
    after approval). Only the tightest window that applies counts; windows do not add up.

    pay: ``none``; ``minimum`` (minimum hours at the rate at the start, per position);
    ``greater_of_worked_and_minimum`` (the same before the start: nothing worked yet);
    ``full_shift`` (the shift's labour as quoted).
    admin: ``none``; ``first_hours`` (admin fee for ``min(billed hours, admin_hours)`` per
    position); ``minimum_hours`` (admin fee for the minimum hours per position); ``per_job``
    (the per-job fee of the cancelled positions: the whole fee for a whole shift, each
    further position's part for a reduction).
    """

    minutes: int | None
    pay: str = "none"
    admin: str = "none"
    admin_hours: int = 24
    flat_per_booking: int = 0
    flat_per_position: int = 0
    source: str = ""
    business_days: int | None = None


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
    """Advisory notice the agency asks for: a notice when ``start - submitted_at < minutes`` (or
    the request comes later than ``business_days`` business days before the start)."""

    minutes: int
    message: str = ""
    source: str = ""
    business_days: int = 0


@dataclass(frozen=True, slots=True)
class BlockedDate:
    """A date (or a period of it) on which the agency takes no off-duty work: a shift touching it is
    blocked with ``message``. ``rule`` says which date, as a holiday rule does."""

    rule: HolidayRule
    message: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class AttendanceMinimum:
    """A headcount the shift is raised to: ``ceil(attendance / attendees_per_officer) + plus``."""

    attendees_per_officer: int
    plus: int = 0
    message: str = ""
    source: str = ""

    def headcount(self, attendance: int | None) -> int:
        if attendance is None:
            return 0
        return -(-attendance // self.attendees_per_officer) + self.plus


@dataclass(frozen=True, slots=True)
class FullShift:
    """Invoice rules that bill a position its whole scheduled shift (spec section 6): when released early,
    or when it worked more than ``if_worked_over_percent`` % of the scheduled time."""

    if_released_early: bool = False
    if_worked_over_percent: int | None = None
    message: str = ""
    source: str = ""

    def __bool__(self) -> bool:
        return self.if_released_early or self.if_worked_over_percent is not None


@dataclass(frozen=True, slots=True)
class HourLimit:
    """At most ``minutes`` of scheduled off-duty work for one officer in any ``within_minutes`` (KCPD: 16 hours
    in a 24-hour work day). Enforced when a coordinator assigns an officer to a shift, never in a quote."""

    minutes: int
    within_minutes: int = 24 * 60
    message: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class EmployerReview:
    """How the agency vets a new employer before staffing its first booking (shown when it has not yet).
    ``background_check``: the agency approves an employer only once a cleared background check is recorded
    (KCPD policy 630-9 III.R); the portal keeps who checked, when and the outcome, never a criminal history."""

    message: str
    source: str = ""
    background_check: bool = False


@dataclass(frozen=True, slots=True)
class LimitRule:
    """Maximum scheduled length of a shift, with its effect (block or notice)."""

    minutes: int
    effect: str = "block"
    message: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class WorkedExample:
    """A worked example the agency states: a request (spec section 10, as JSON text) and the figures it comes to.
    ``check_card`` and ``import`` price it and refuse the card unless every figure given comes out exact.

    Amounts are cents; ``positions`` is per shift, rank -> count; ``cancellation_fees`` are ``(moment, fee)``
    of cancelling the whole approved booking at that moment. ``None`` (or empty): not stated.
    """

    name: str
    request: str
    total: int | None = None
    deposit: int | None = None
    shift_totals: tuple[int, ...] | None = None
    positions: tuple[tuple[tuple[str, int], ...], ...] | None = None
    blocked: bool | None = None
    cancellation_fees: tuple[tuple[datetime, int], ...] = ()
    note: str = ""
    source: str = ""

    def body(self) -> dict[str, Any]:
        """A fresh copy of the request body."""
        body: dict[str, Any] = json.loads(self.request)
        return body


@dataclass(frozen=True, eq=False, slots=True)
class MinuteTiers:
    """The card's tiers that apply minute by minute by the calendar (holiday periods, daily windows) and what
    finds their periods (the holiday rules, the zone). Derived once per card and compared by identity: a cheap
    key for the engine's bounded cache of periods per day."""

    zone: ZoneInfo
    rules: RuleSet
    holiday: tuple[Tier, ...]
    window: tuple[Tier, ...]


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
    full_shift: FullShift
    screening: tuple[ScreeningQuestion, ...]
    notice_period: NoticePeriod | None
    max_shift: LimitRule | None
    staffing: Staffing | None
    employer_review: EmployerReview | None = None
    version: int = 1
    notes: tuple[str, ...] = ()
    blocked_dates: tuple[BlockedDate, ...] = ()
    attendance_minimum: AttendanceMinimum | None = None
    hour_limit: HourLimit | None = None
    examples: tuple[WorkedExample, ...] = ()
    # Kept for the web layer's per-card forms (a fixed set of keys per card); the pricing package
    # derives everything it needs once, below, and keeps no cache of its own.
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)
    # -- derived once from the fields above (never changed after construction) ----------------------
    zone: ZoneInfo = field(init=False, compare=False, repr=False)
    rank_keys: tuple[str, ...] = field(init=False, compare=False, repr=False)
    default_schedule: Schedule = field(init=False, compare=False, repr=False)
    _rank_index: Mapping[str, int] = field(init=False, compare=False, repr=False)
    _schedule_by_key: Mapping[str, Schedule] = field(init=False, compare=False, repr=False)
    tier_by_key: Mapping[str, Tier] = field(init=False, compare=False, repr=False)
    tiers_by_when: Mapping[str, tuple[Tier, ...]] = field(init=False, compare=False, repr=False)
    # schedule -> rank -> tier -> cents of every replacement tier, before any offered rate
    rate_tables: Mapping[str, Mapping[str, Mapping[str, int]]] = field(init=False, compare=False, repr=False)
    holiday_rules: RuleSet = field(init=False, compare=False, repr=False)  # ``holidays``, hashed once
    blocked_rules: RuleSet = field(init=False, compare=False, repr=False)  # the rules of ``blocked_dates``
    minute_tiers: MinuteTiers = field(init=False, compare=False, repr=False)
    whole_shift_tiers: tuple[Tier, ...] = field(init=False, compare=False, repr=False)  # priced by the whole shift
    # each supervisor rule with the index of its rank and what it says (with its source), in card order
    supervisor_rules: tuple[tuple[SupervisorRule, int, str], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        derived: dict[str, Any] = {
            "zone": ZoneInfo(self.time_zone),
            "rank_keys": tuple(r.key for r in self.ranks),
            "default_schedule": next((s for s in self.schedules if s.default), self.schedules[0]),
            "_rank_index": MappingProxyType({r.key: i for i, r in enumerate(self.ranks)}),
            # the first of a key, as a search would find
            "_schedule_by_key": MappingProxyType({s.key: s for s in reversed(self.schedules)}),
            "tier_by_key": MappingProxyType({t.key: t for t in self.tiers}),
            "tiers_by_when": MappingProxyType({w: tuple(t for t in self.tiers if t.when == w) for w in
                                               ("holiday", "notice", "selectable", "daily_window", "after_hours")}),
            "whole_shift_tiers": tuple(t for t in self.tiers if t.whole_shift),
            "holiday_rules": RuleSet(self.holidays),
            "blocked_rules": RuleSet(b.rule for b in self.blocked_dates),
        }
        by_when = derived["tiers_by_when"]
        derived["minute_tiers"] = MinuteTiers(derived["zone"], derived["holiday_rules"], by_when["holiday"],
                                              by_when["daily_window"])
        for k, v in derived.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "supervisor_rules", tuple(
            (r, self._rank_index[r.rank], self._supervisor_text(r)) for r in self.supervisors))
        object.__setattr__(self, "rate_tables", MappingProxyType(
            {s.key: self._rate_table(s, {}) for s in reversed(self.schedules)}))

    def rates_for(self, schedule: Schedule, offered: Mapping[str, int]) -> Mapping[str, Mapping[str, int]]:
        """rank -> tier -> cents of the regular rate and every replacement tier (spec section 3 step 6), with the
        employer's offered rates in place of the regular ones."""
        return self._rate_table(schedule, offered) if offered else self.rate_tables[schedule.key]

    def _rate_table(self, schedule: Schedule, offered: Mapping[str, int]) -> dict[str, dict[str, int]]:
        lowest = self.rank_keys[0]
        table: dict[str, dict[str, int]] = {}
        for rank in self.rank_keys:
            base = offered.get(rank, schedule.rates["regular"][rank])
            row = {"regular": base}
            for t in self.tiers:
                if t.premium == "rates":
                    tr = schedule.rates.get(t.key, {})
                    row[t.key] = tr[rank] if rank in tr else max(base, tr[lowest])
                elif t.premium == "multiplier" and t.multiplier is not None:
                    row[t.key] = round_half_up(base * t.multiplier)
            table[rank] = row
        return table

    def _supervisor_text(self, rule: SupervisorRule) -> str:
        label = self.rank_label(rule.rank).lower()
        if rule.explanation:
            text = rule.explanation
        elif rule.kind == "nth":
            text = f"{rule.position} or more positions: one must be a {label}" + (
                f", and one more for each further {rule.every}" if rule.every else "")
        elif rule.kind == "per":
            text = f"one {label} per {rule.per} positions below that rank"
        else:
            text = f"{rule.at_least} or more {self.rank_label(rule.of).lower()} positions: one {label} added"
        return f"{text} ({rule.source or f'{self.short_name} policy'})"

    @property
    def paid_full_shift_if_released_early(self) -> bool:
        return self.full_shift.if_released_early

    def rank_index(self, key: str) -> int:
        return self._rank_index[key]

    def rank_label(self, key: str) -> str:
        for r in self.ranks:
            if r.key == key:
                return r.label
        return key

    def schedule(self, key: str) -> Schedule | None:
        return self._schedule_by_key.get(key)

    def tier(self, key: str) -> Tier | None:
        return self.tier_by_key.get(key)

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

    def deadline(self, start_min: int, minutes: int | None, business_days: int | None = None) -> int:
        """The epoch minute after which a lead rule applies to a shift starting at ``start_min``: "under N hours
        before the start" applies when ``t > start - N h`` (spec section 2), "under N business days" when ``t``
        is later than the start's time of day on the Nth business day before it."""
        if business_days:
            return business_days_before(self.holiday_rules, self.zone, start_min, business_days)
        return start_min - (minutes or 0)

    def holiday_names(self, day: date) -> tuple[str, ...]:
        """Names of the card's holidays on a local calendar day (empty if none)."""
        return holidays_in_year(self.holiday_rules, day.year).get(day, ())

    def holidays_in_year(self, year: int) -> Mapping[date, tuple[str, ...]]:
        return holidays_in_year(self.holiday_rules, year)

    def with_version(self, version: int) -> RateCard:
        """The same card recorded as ``version`` (the database numbers versions)."""
        return dataclasses.replace(self, version=version, _cache={})

    def localize(self, dt: datetime) -> datetime:
        return dt.astimezone(self.zone)
