"""The quote: pure, deterministic pricing of a validated request against a card.

Pricing spec section 3, one shift at a time:

1. positions after the venue minimum and supervisor rules (``staffing``);
2. vehicles to the lowest-ranked positions; each adds the card's extra minutes;
3. billed minutes per position = max(minimum, scheduled + vehicle extra), padding at the end;
4. the billed interval is cut where a rate could change (local midnight for
   holidays, daily-window edges, long-shift thresholds), each segment gets the
   highest applicable replacement rate, consecutive segments at one rate merge
   into a piece, pieces equal in (rank, rate, minutes) form one line;
5. surcharges, vehicles, administration fee and other charges are lines too;
6. every line rounds once, half up; totals are sums of lines.

Times are epoch minutes internally, so elapsed time across daylight-saving
changes is what is billed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from itertools import pairwise
from typing import Any, NamedTuple

from .card import RateCard, Schedule, Tier
from .money import round_half_up, round_line
from .request import QuoteRequest, ShiftRequest, frozen_instance
from .screening import Approval, Notice, screen
from .staffing import Recommendation, recommend, staff_shift, vehicle_split

__all__ = ["Group", "Line", "Quote", "ShiftQuote", "Step", "WindowFee", "quote"]


class Line(NamedTuple):
    """One priced line. ``amount_cents = round_half_up(rate_cents * count * minutes / 60)`` for
    hourly lines; flat and percentage lines say so in ``unit``."""

    kind: str  # labour | premium | vehicle | admin_fee | charge
    rank: str | None
    tier: str | None
    count: int
    minutes: int
    rate_cents: int
    amount_cents: int
    description: str
    unit: str = "per_hour"  # per_hour | per_shift | percent
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind, "rank": self.rank, "tier": self.tier, "count": self.count,
            "minutes": self.minutes, "rate_cents": self.rate_cents, "amount_cents": self.amount_cents,
            "description": self.description,
        }
        if self.unit != "per_hour":
            d["unit"] = self.unit
        if self.key is not None:
            d["key"] = self.key
        return d


class Group(NamedTuple):
    """Positions of one shift that are priced alike: same rank, with or without a vehicle."""

    rank: str
    vehicle: bool
    count: int
    billed_minutes: int
    start_rate: int  # the labour rate at the shift's start (minimum pay on cancellation)
    pieces: tuple[tuple[int, int], ...] = ()  # (rate_cents, minutes) of each position's labour pieces


class WindowFee(NamedTuple):
    """What cancelling the whole shift owes inside one cancellation window."""

    minutes: int | None
    fee_cents: int
    booking_flat_cents: int
    admin_unpublished: bool


class Step(NamedTuple):
    start: datetime | None  # ``from``; None = unbounded
    until: datetime
    fee_cents: int
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"from": None if self.start is None else self.start.isoformat(), "until": self.until.isoformat(),
                "fee_cents": self.fee_cents, "label": self.label}


class ShiftQuote(NamedTuple):
    index: int
    start: datetime
    end: datetime
    start_min: int
    end_min: int
    job_type: str | None
    requested_headcount: int
    positions: tuple[tuple[str, int], ...]
    vehicles: int
    minimum_minutes: int
    groups: tuple[Group, ...]
    lines: tuple[Line, ...]
    total_cents: int
    labour_cents: int
    explanations: tuple[str, ...]
    window_fees: tuple[WindowFee, ...]

    @property
    def headcount(self) -> int:
        return sum(n for _, n in self.positions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "positions": dict(self.positions), "vehicles": self.vehicles, "job_type": self.job_type,
            "lines": [ln.to_dict() for ln in self.lines], "total_cents": self.total_cents,
            "explanations": list(self.explanations),
        }


@dataclass(frozen=True)
class Quote:
    agency: str
    rate_card_version: int
    schedule: str
    submitted_at: datetime
    shifts: tuple[ShiftQuote, ...]
    total_cents: int
    deposit_cents: int
    cancellation: tuple[Step, ...]
    notices: tuple[Notice, ...]
    blocks: tuple[Notice, ...]
    approvals: tuple[Approval, ...]
    recommendation: Recommendation | None
    priority: str | None
    card: RateCard = field(compare=False, repr=False)
    request: QuoteRequest = field(compare=False, repr=False)

    @property
    def blocked(self) -> bool:
        return bool(self.blocks)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of pricing spec section 10, plus explanations, approvals and admin fee details."""
        card = self.card
        admin = card._cache.get("admin_fee_json", _MISSING)
        if admin is _MISSING:
            a = card.admin_fee
            admin = card._cache["admin_fee_json"] = None if a.kind == "none" else {
                "kind": a.kind, "rate_cents": a.rate,
                "percent": None if a.percent is None else _decimal(a.percent),
                "published_min_cents": a.published_min, "published_max_cents": a.published_max,
                "message": a.message, "source": a.source,
            }
        if admin is not None:
            admin = dict(admin)  # the caller may change its copy
        return {
            "agency": self.agency,
            "rate_card_version": self.rate_card_version,
            "schedule": self.schedule,
            "priority": self.priority,
            "submitted_at": self.submitted_at.isoformat(),
            "shifts": [s.to_dict() for s in self.shifts],
            "total_cents": self.total_cents,
            "deposit_cents": self.deposit_cents,
            "cancellation": _steps_json(self.cancellation),
            "cancellation_note": "Before the agency approves the booking nothing is owed.",
            "notices": [n.to_dict() for n in self.notices],
            "blocks": [b.to_dict() for b in self.blocks],
            "approvals": [x.to_dict() for x in self.approvals],
            "recommendation": None if self.recommendation is None else self.recommendation.to_dict(),
            "admin_fee": admin,
        }


_MISSING = object()


# --------------------------------------------------------------------------------------------
# time helpers (cached on the card)


def _epoch_at(card: RateCard, d: date, t: time) -> int:
    cache = card._cache.setdefault("edges", {})
    k = (d, t)
    v = cache.get(k)
    if v is None:
        v = cache[k] = int(datetime.combine(d, t, tzinfo=card.zone).timestamp()) // 60
    return v


_ONE_DAY = timedelta(days=1)
_MIDNIGHT = time(0)


def _local(card: RateCard, minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, card.zone)


def _hours(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    if not m:
        return f"{h} h"
    return f"{h} h {m} min" if h else f"{m} min"


def _hours_word(minutes: int) -> str:
    return f"{minutes // 60}" if minutes % 60 == 0 else f"{minutes / 60:g}"


# --------------------------------------------------------------------------------------------
# rates


def _rate_table(card: RateCard, schedule: Schedule, offered: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """rank -> tier -> cents for every replacement tier (cached per schedule and offer)."""
    key = ("rates", schedule.key, tuple(sorted(offered.items())) if offered else ())
    cached = card._cache.get(key)
    if cached is not None:
        return cached
    lowest = card.rank_keys[0]
    table: dict[str, dict[str, int]] = {}
    for rank in card.rank_keys:
        base = offered.get(rank, schedule.rates["regular"][rank])
        row = {"regular": base}
        for t in card.tiers:
            if t.premium == "rates":
                tr = schedule.rates.get(t.key, {})
                row[t.key] = tr[rank] if rank in tr else max(base, tr[lowest])
            elif t.premium == "multiplier" and t.multiplier is not None:
                row[t.key] = round_half_up(base * t.multiplier)
        table[rank] = row
    card._cache[key] = table
    return table


class _Static(NamedTuple):
    """What the engine derives once per card: tiers by kind, holiday tiers split by how they price."""

    holiday_tiers: tuple[Tier, ...]
    window_tiers: tuple[Tier, ...]
    after_tiers: tuple[Tier, ...]
    notice_tiers: tuple[Tier, ...]  # tightest first
    tier_by_key: dict[str, Tier]
    holiday_rep: tuple[Tier, ...]  # holiday tiers that replace the rate, in card order
    holiday_sur: tuple[Tier, ...]  # holiday tiers that add a surcharge
    needs_split: bool  # some tier applies to part of a shift
    days: dict[date, tuple[int, tuple[str, ...], date]]  # local day -> (next midnight, holiday names, next day)
    phrases: dict[tuple[str, tuple[str, ...]], str]  # (tier, holiday names) -> phrase, for tiers not on notice


def _static(card: RateCard) -> _Static:
    st = card._cache.get("engine")
    if st is None:
        holiday = tuple(t for t in card.tiers if t.when == "holiday")
        window = tuple(t for t in card.tiers if t.when == "daily_window")
        after = tuple(t for t in card.tiers if t.when == "after_hours")
        st = card._cache["engine"] = _Static(
            holiday, window, after,
            tuple(sorted((t for t in card.tiers if t.when == "notice"), key=lambda t: t.under_minutes)),
            {t.key: t for t in card.tiers},
            tuple(t for t in holiday if t.replaces), tuple(t for t in holiday if not t.replaces),
            bool(holiday or window or after), {}, {},
        )
    return st


_NO_TIERS: tuple[Tier, ...] = ()

Segment = tuple[int, int, tuple[Tier, ...], tuple[Tier, ...], tuple[str, ...]]


class _Pricer:
    """Per-quote context: which tiers are active for the whole shift, segment caches."""

    def __init__(self, card: RateCard, req: QuoteRequest):
        self.card = card
        self.req = req
        self.schedule = card.schedule(req.schedule) or card.default_schedule
        self.rates = _rate_table(card, self.schedule, req.offered_rates)
        st = self.static = _static(card)
        self.holiday_tiers, self.window_tiers, self.after_tiers = st.holiday_tiers, st.window_tiers, st.after_tiers
        self.notice_tiers, self.tier_by_key = st.notice_tiers, st.tier_by_key
        self.selected = self.tier_by_key.get(req.priority) if req.priority else None
        self.submitted_s = req.submitted_at.timestamp()
        self.needs_split = st.needs_split
        self.offered = req.offered_rates
        self.phrases: dict[tuple[Any, ...], str] = {}
        self.seg_cache: dict[tuple[int, int], list[tuple[int, int, tuple[Tier, ...], tuple[str, ...]]]] = {}

    def shift_tiers(self, start_min: int) -> tuple[tuple[Tier, ...], tuple[Tier, ...], list[Tier]]:
        """Tiers that apply to the whole shift -- (replacing, surcharging, notice tiers among them): the
        tightest notice tier of each kind, then the chosen priority."""
        if not self.notice_tiers and self.selected is None:
            return _NO_TIERS, _NO_TIERS, []
        lead = start_min * 60 - self.submitted_s
        rep: list[Tier] = []
        sur: list[Tier] = []
        notice: list[Tier] = []
        for t in self.notice_tiers:
            if lead < t.under_minutes * 60:
                if t.replaces:
                    if not rep:
                        rep.append(t)
                        notice.append(t)
                elif not sur:
                    sur.append(t)
                    notice.append(t)
        t = self.selected
        if t is not None:
            (rep if t.replaces else sur).append(t)
        return tuple(rep), tuple(sur), notice

    def folded(self, s: int, e: int, rep0: tuple[Tier, ...], sur0: tuple[Tier, ...],
               day: date | None = None) -> list[Segment]:
        """``[(a, b, replacing tiers, surcharge tiers, holiday names)]`` covering ``[s, e)``: the minute-level
        tiers of each segment followed by the whole-shift ones (``rep0``, ``sur0``)."""
        if not self.needs_split:
            return [(s, e, rep0, sur0, ())]
        if self.window_tiers:
            out: list[Segment] = []
            for a, b, active, names in self.segments(s, e):
                if active:
                    out.append((a, b, tuple(t for t in active if t.replaces) + rep0,
                                tuple(t for t in active if not t.replaces) + sur0, names))
                else:
                    out.append((a, b, rep0, sur0, names))
            return out
        raw = self._days(s, e, day)
        if not self.after_tiers:
            st = self.static
            hrep, hsur = st.holiday_rep + rep0, st.holiday_sur + sur0
            return [(a, b, hrep, hsur, names) if names else (a, b, rep0, sur0, names) for a, b, names in raw]
        out = []
        for a, b, names in raw:
            active = [*self.holiday_tiers] if names else []
            for t in self.after_tiers:
                if a >= s + t.after_minutes:
                    active.append(t)
            if active:
                out.append((a, b, tuple(t for t in active if t.replaces) + rep0,
                            tuple(t for t in active if not t.replaces) + sur0, names))
            else:
                out.append((a, b, rep0, sur0, names))
        return out

    def segments(self, s: int, e: int) -> list[tuple[int, int, tuple[Tier, ...], tuple[str, ...]]]:
        """``[(a, b, active tiers, holiday names)]`` covering ``[s, e)``; the tiers are the minute-level ones."""
        k = (s, e)
        got = self.seg_cache.get(k)
        if got is not None:
            return got
        if not self.needs_split:
            got = self.seg_cache[k] = [(s, e, (), ())]
            return got
        card = self.card
        if not self.window_tiers:
            got = self.seg_cache[k] = []
            for a, b, names in self._days(s, e, None):
                active = [*self.holiday_tiers] if names else []
                for t in self.after_tiers:
                    if a >= s + t.after_minutes:
                        active.append(t)
                got.append((a, b, tuple(active), names))
            return got
        points = {s, e}
        d0 = _local(card, s).date()
        d_end = _local(card, e - 1).date()
        if self.holiday_tiers:
            d = d0
            while d < d_end:
                d += timedelta(days=1)
                m = _epoch_at(card, d, time(0))
                if s < m < e:
                    points.add(m)
        if self.window_tiers:
            d = d0 - timedelta(days=1)
            while d <= d_end:
                for t in self.window_tiers:
                    for edge in (t.window_from, t.window_to):
                        m = _epoch_at(card, d, edge)  # type: ignore[arg-type]
                        if s < m < e:
                            points.add(m)
                d += timedelta(days=1)
        for t in self.after_tiers:
            m = s + t.after_minutes
            if s < m < e:
                points.add(m)
        ordered = sorted(points)
        out = []
        for a, b in pairwise(ordered):
            loc = _local(card, a)
            active: list[Tier] = []
            names: tuple[str, ...] = ()
            if self.holiday_tiers:
                names = card.holiday_names(loc.date())
                if names:
                    active.extend(self.holiday_tiers)
            if self.window_tiers:
                tod = loc.time().replace(second=0, microsecond=0)
                for t in self.window_tiers:
                    f, to = t.window_from, t.window_to
                    assert f is not None and to is not None
                    if (f <= tod < to) if f < to else (tod >= f or tod < to):
                        active.append(t)
            for t in self.after_tiers:
                if a >= s + t.after_minutes:
                    active.append(t)
            out.append((a, b, tuple(active), names))
        self.seg_cache[k] = out
        return out

    def _days(self, s: int, e: int, day: date | None = None) -> list[list[Any]]:
        """Without daily windows: ``[[a, b, holiday names]]``, cut at the local midnights that start or end
        a holiday (consecutive days without one stay one piece) and at each after-hours threshold. The
        card's midnights and holidays are looked up per local day, never converted per segment."""
        card = self.card
        days = self.static.days
        if day is None:
            day = _local(card, s).date()
        raw: list[list[Any]] = []
        a = s
        while a < e:
            info = days.get(day)
            if info is None:
                nday = day + _ONE_DAY
                info = days[day] = (_epoch_at(card, nday, _MIDNIGHT),
                                    card.holiday_names(day) if self.holiday_tiers else (), nday)
            nxt, names, day = info
            b = e if nxt >= e or nxt <= a else nxt
            if raw and not names and not raw[-1][2]:
                raw[-1][1] = b
            else:
                raw.append([a, b, names])
            a = b
        for t in self.after_tiers:
            m = s + t.after_minutes
            for i, seg in enumerate(raw):
                if seg[0] < m < seg[1]:
                    raw[i:i + 1] = [[seg[0], m, seg[2]], [m, seg[1], seg[2]]]
                    break
        return raw

    def phrase(self, tier: str, names: tuple[str, ...], rank: str, lead_s: float) -> str:
        if tier == "regular":
            return "Offered rate" if rank in self.offered else "Regular rate"
        shared = self.static.phrases  # the phrase of a tier not on notice depends on the card only
        got = shared.get((tier, names))
        if got is not None:
            return got
        k = (tier, names, lead_s)
        got = self.phrases.get(k)
        if got is None:
            got = self.phrases[k] = self._phrase(tier, names, lead_s)
            if self.tier_by_key[tier].when != "notice":
                shared[(tier, names)] = got
        return got

    def _phrase(self, tier: str, names: tuple[str, ...], lead_s: float) -> str:
        t = self.tier_by_key[tier]
        if t.when == "holiday":
            return f"{t.label} rate: {', '.join(names)}" if names else f"{t.label} rate"
        if t.when == "notice":
            return (f"{t.label} rate: requested {_hours(max(0, int(lead_s // 60)))} before the start "
                    f"(under {_hours_word(t.under_minutes)} hours)")
        if t.when == "selectable":
            return f"{t.label} rate (priority chosen)"
        if t.when == "daily_window":
            return f"{t.label} rate ({t.window_from:%H:%M}-{t.window_to:%H:%M})"
        if t.when == "after_hours":
            return f"{t.label} rate (after {_hours_word(t.after_minutes)} hours)"
        return f"{t.label} rate"


def _add(lines: dict[Any, list[Any]], key: tuple[Any, ...], count: int, tier: str, phrases: list[str]) -> None:
    got = lines.get(key)
    if got is None:
        lines[key] = [count, tier, phrases]
    else:
        _merge(got, count, phrases)


def _merge(line: list[Any], count: int, phrases: list[str]) -> None:
    """Add ``count`` positions to a line ``[count, tier, phrases]`` and any phrase it does not have yet."""
    line[0] += count
    for p in phrases:
        if p not in line[2]:
            line[2].append(p)


def _price_shift(p: _Pricer, shift: ShiftRequest, index: int, minimum_headcount: int,
                 minimum_reason: str) -> tuple[ShiftQuote, list[Tier], list[str]]:
    card = p.card
    counts, explanations = staff_shift(card, shift, minimum_headcount, minimum_reason)
    groups_raw = vehicle_split(card, counts, shift.vehicles)
    jt = card.job_type(shift.job_type) if shift.job_type else None
    minimum = jt.minimum_minutes if jt is not None and jt.minimum_minutes is not None else card.minimum_minutes
    s = shift.start_min
    sched = shift.end_min - s
    extra = card.vehicle.extra_minutes
    rep0, sur0, notice_tiers = p.shift_tiers(s)
    lead_s = s * 60 - p.submitted_s
    labour: dict[tuple[str, int, int], list[Any]] = {}  # (rank, rate, minutes) -> [count, tier, phrases]
    premium: dict[tuple[str, str, int, int], list[Any]] = {}
    groups: list[Group] = []
    padded = False
    # The segments of the longest billed interval, once per shift: shorter ones are its prefixes.
    longest = max(minimum, sched + extra if shift.vehicles else sched)  # some group has a vehicle
    start = shift.start
    day = start.date() if start.tzinfo is card.zone else None  # the local day of s, as _days would find it
    segs = p.folded(s, s + longest, rep0, sur0, day) if groups_raw else []
    holiday_names: list[str] = []
    for seg in segs:
        for n in seg[4]:
            if n not in holiday_names:
                holiday_names.append(n)
    rates = p.rates
    vehicle_phrase = f"Vehicle pick-up and return: {extra} min" if extra else ""
    min_phrase = ""
    for rank, has_vehicle, count in groups_raw:
        worked = sched + extra if has_vehicle else sched
        if minimum > worked:
            billed = minimum
            padded = True
            if not min_phrase:
                min_phrase = f"{_hours_word(minimum)}-hour minimum applies"
        else:
            billed = worked
        e = s + billed
        row = rates[rank]
        regular = row["regular"]
        pieces: list[list[Any]] = []  # [rate, tier, start, end, names]
        runs: dict[str, list[list[int]]] | None = None
        for a, b, rep, sur, names in segs:
            if a >= e:
                break
            if b > e:
                b = e
            best, best_tier = regular, "regular"
            for t in rep:
                r = row[t.key]
                if r > best or (r == best and best_tier == "regular"):
                    best, best_tier = r, t.key
            if pieces and pieces[-1][0] == best:
                last = pieces[-1]
                last[3] = b
                if last[1] == "regular" and best_tier != "regular":
                    last[1] = best_tier
                if names:
                    have = last[4]
                    for n in names:
                        if n not in have:
                            have += (n,)
                    last[4] = have
            else:
                pieces.append([best, best_tier, a, b, names])
            if not sur:
                continue
            if runs is None:
                runs = {}
            for t in sur:
                rr = runs.get(t.key)
                if rr is None:
                    runs[t.key] = [[a, b]]
                elif rr[-1][1] == a:
                    rr[-1][1] = b
                else:
                    rr.append([a, b])
        for rate, tier, a, b, names in pieces:
            if tier == "regular":
                phrases = ["Offered rate" if rank in p.offered else "Regular rate"]
            else:
                phrases = [p.phrase(tier, names, rank, lead_s)]
            if has_vehicle and extra and a < s + worked and b > s + sched:
                phrases.append(vehicle_phrase)
            if billed > worked and b > s + worked:
                phrases.append(min_phrase)
            key = (rank, rate, b - a)
            got = labour.get(key)
            if got is None:
                labour[key] = [count, tier, phrases]
            else:
                _merge(got, count, phrases)
        for tk, rr in (runs or {}).items():
            t = p.tier_by_key[tk]
            amount = t.surcharge_for(rank)
            if amount:
                for a, b in rr:
                    _add(premium, (tk, rank, amount, b - a), count, tk, [f"{t.label} surcharge"])
        groups.append(Group(rank, has_vehicle, count, billed, pieces[0][0],
                            tuple([(pc[0], pc[3] - pc[2]) for pc in pieces])))

    lines: list[Line] = []
    labour_cents = 0
    for (rank, rate, minutes), (count, tier, phrases) in labour.items():
        amount = (rate * count * minutes * 2 + 60) // 120  # round_line
        labour_cents += amount
        lines.append(Line("labour", rank, tier, count, minutes, rate, amount, "; ".join(phrases)))
    for (tk, rank, rate, minutes), (count, _tier, phrases) in premium.items():
        amount = round_line(rate, count, minutes)
        labour_cents += amount
        lines.append(Line("premium", rank, tk, count, minutes, rate, amount, "; ".join(phrases)))

    v = card.vehicle
    if shift.vehicles and v.kind != "none":
        by_minutes: dict[int, int] = {}
        for g in groups:
            if g.vehicle:
                by_minutes[g.billed_minutes] = by_minutes.get(g.billed_minutes, 0) + g.count
        for minutes, n in by_minutes.items():
            extra_txt = f"; includes pick-up and return: {extra} min" if extra else ""
            if v.kind == "per_hour":
                lines.append(Line("vehicle", None, None, n, minutes, v.rate, round_line(v.rate, n, minutes),
                                  f"Vehicle, {_hours(minutes)}{extra_txt}"))
            elif v.kind == "first_hour":
                lines.append(Line("vehicle", None, None, n, min(60, minutes), v.first_hour, v.first_hour * n,
                                  "Vehicle, first hour", unit="per_shift"))
                if minutes > 60:
                    lines.append(Line("vehicle", None, None, n, minutes - 60, v.additional_hour,
                                      round_line(v.additional_hour, n, minutes - 60),
                                      f"Vehicle, each further hour ({_hours(minutes - 60)}){extra_txt}"))
            elif v.kind == "flat":
                lines.append(Line("vehicle", None, None, n, minutes, v.flat, v.flat * n,
                                  "Vehicle, flat fee per shift", unit="per_shift"))

    a = card.admin_fee
    by_billed: dict[int, int] = {}
    if a.kind == "per_hour" or card.charges:
        for g in groups:
            by_billed[g.billed_minutes] = by_billed.get(g.billed_minutes, 0) + g.count
    if a.kind == "per_hour" and a.rate:
        for minutes, n in by_billed.items():
            lines.append(Line("admin_fee", None, None, n, minutes, a.rate, round_line(a.rate, n, minutes),
                              "Administration fee"))
    elif a.kind == "percent" and a.percent is not None:
        amt = round_half_up(Fraction(labour_cents) * a.percent / 100)
        lines.append(Line("admin_fee", None, None, 1, 0, labour_cents, amt,
                          f"Administration fee: {_decimal(a.percent)} % of labour", unit="percent"))
    for c in card.charges:
        for minutes, n in by_billed.items():
            lines.append(Line("charge", None, None, n, minutes, c.rate, round_line(c.rate, n, minutes), c.label,
                              key=c.key))

    total = sum([ln.amount_cents for ln in lines])
    if padded:
        explanations.append(f"Each position is billed at least {_hours_word(minimum)} hours"
                            + (f" ({jt.label})" if jt is not None and jt.minimum_minutes is not None else ""))
    if shift.vehicles and extra:
        explanations.append(f"Each position with a vehicle gets {extra} extra minutes for pick-up and return")
    for t in notice_tiers:
        explanations.append(f"{t.label} rate: the request comes {_hours(max(0, int(lead_s // 60)))} before the "
                            f"start, under {_hours_word(t.under_minutes)} hours")
    if holiday_names and p.holiday_tiers:
        explanations.append(f"Holiday: {', '.join(holiday_names)}")

    positions = tuple([(rk, n) for rk, n in counts.items() if n])
    sq = ShiftQuote(
        index, shift.start, shift.end, s, shift.end_min, shift.job_type, shift.headcount, positions,
        shift.vehicles, minimum, tuple(groups), tuple(lines), total, labour_cents, tuple(explanations),
        _cancellation.window_fees(card, groups, minimum),
    )
    return sq, notice_tiers, holiday_names


def quote(req: QuoteRequest, card: RateCard) -> Quote:
    """Price ``req`` with ``card``. Pure: the same inputs always give the same quote."""
    p = _Pricer(card, req)
    scr = screen(req, card)
    shifts: list[ShiftQuote] = []
    notice_shifts: dict[str, list[int]] = {}
    notice_tier: dict[str, Tier] = {}
    holiday_shifts: list[int] = []
    holiday_all: list[str] = []
    for i, sr in enumerate(req.shifts):
        sq, tiers, hol = _price_shift(p, sr, i, scr.minimum_headcount, scr.minimum_reason)
        shifts.append(sq)
        for t in tiers:
            notice_shifts.setdefault(t.key, []).append(i)
            notice_tier[t.key] = t
        if hol and p.holiday_tiers:
            holiday_shifts.append(i)
            holiday_all.extend(h for h in hol if h not in holiday_all)

    notices = list(scr.notices)
    blocks = list(scr.blocks)
    approvals = list(scr.approvals)
    for tk, idx in notice_shifts.items():
        t = notice_tier[tk]
        notices.append(Notice(f"{tk}_rate", f"{t.label} rate applies to {_which(idx, len(shifts))}: requested "
                                            f"less than {_hours_word(t.under_minutes)} hours before the start.",
                              t.source, tuple(idx)))
    if holiday_shifts:
        t = p.holiday_tiers[0]
        where = "" if len(shifts) == 1 else f" ({_which(holiday_shifts, len(shifts))})"
        notices.append(Notice(f"{t.key}_rate", f"{t.label} rate applies on {', '.join(holiday_all)}{where}.",
                              t.source, tuple(holiday_shifts)))
    np_ = card.notice_period
    if np_ is not None:
        short = [i for i, s in enumerate(shifts) if s.start_min * 60 - p.submitted_s < np_.minutes * 60]
        if short:
            msg = np_.message or f"{card.short_name} asks for {_hours_word(np_.minutes)} hours' notice."
            notices.append(Notice("short_notice", f"{msg} ({_which(short, len(shifts), 'starts', 'start')} in "
                                                  f"less than {_hours_word(np_.minutes)} hours.)", np_.source,
                                  tuple(short)))
    ms = card.max_shift
    if ms is not None:
        long_ = [i for i, s in enumerate(shifts) if s.end_min - s.start_min > ms.minutes]
        if long_:
            msg = ms.message or f"{card.short_name} limits a shift to {_hours_word(ms.minutes)} hours."
            n = Notice("shift_too_long", f"{msg} ({_which(long_, len(shifts), 'is', 'are')} longer.)",
                       ms.source, tuple(long_))
            (blocks if ms.effect == "block" else notices).append(n)
    veh = [i for i, s in enumerate(shifts) if s.vehicles]
    if veh and card.vehicle.approval:
        msg = card.vehicle.approval_message or f"A vehicle needs the approval of the {card.vehicle.approval}."
        approvals.append(Approval("vehicle_approval", card.vehicle.approval, msg, card.vehicle.source))
        notices.append(Notice("vehicle_approval", msg, card.vehicle.source, tuple(veh)))
    if card.admin_fee.kind == "unpublished" and any(w.admin != "none" for w in card.cancellation):
        a = card.admin_fee
        notices.append(Notice("admin_fee_unpublished", a.message or (
            f"{card.short_name} charges an administration fee on late cancellation but publishes no amount; "
            "it is not included in the cancellation amounts shown."), a.source))
    rec = recommend(card, req.venue_kind, req.attendance)
    if rec is not None:
        below = [i for i, s in enumerate(shifts) if s.headcount < rec.min_officers]
        msg = rec.message
        if below:
            msg += f" {_which(below, len(shifts), 'has', 'have')} fewer officers."
        notices.append(Notice("staffing_recommendation", msg, rec.source, tuple(below)))

    total = sum(s.total_cents for s in shifts)
    steps = _cancellation.steps_for(card, shifts)
    deposit = _cancellation.deposit_for(shifts, total)
    return frozen_instance(
        Quote, agency=card.slug, rate_card_version=card.version, schedule=p.schedule.key,
        submitted_at=req.submitted_at, shifts=tuple(shifts), total_cents=total, deposit_cents=deposit,
        cancellation=steps,
        notices=tuple(notices), blocks=tuple(blocks), approvals=tuple(approvals), recommendation=rec,
        priority=req.priority, card=card, request=req,
    )


def _steps_json(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    """``[step.to_dict() for step in steps]``; a step's ``from`` is the previous step's ``until`` (the same
    object, see ``steps_for``), whose text is reused."""
    out = []
    prev: datetime | None = None
    prev_iso = ""
    for st in steps:
        start = st.start
        until = st.until.isoformat()
        out.append({"from": None if start is None else prev_iso if start is prev else start.isoformat(),
                    "until": until, "fee_cents": st.fee_cents, "label": st.label})
        prev, prev_iso = st.until, until
    return out


def _which(idx: list[int], n: int, singular: str = "", plural: str = "") -> str:
    """Which shifts, in words ("the shift", "shift 2", "shifts 1, 3", "every shift"); given verbs, a
    capitalised clause with the verb agreeing ("Shifts 1, 3 start")."""
    if n == 1:
        words, many = "the shift", False
    elif len(idx) == n:
        words, many = "every shift", False
    elif len(idx) == 1:
        words, many = f"shift {idx[0] + 1}", False
    else:
        words, many = "shifts " + ", ".join(str(i + 1) for i in idx), True
    if not singular:
        return words
    return f"{words[0].upper()}{words[1:]} {plural if many else singular}"


def _decimal(x: Fraction) -> str:
    """An exact decimal string for a card's fraction (cards only hold finite decimals)."""
    whole, rest = divmod(x.numerator, x.denominator)
    if not rest:
        return str(whole)
    digits = ""
    while rest and len(digits) < 8:
        rest *= 10
        d, rest = divmod(rest, x.denominator)
        digits += str(d)
    return f"{whole}.{digits}"


from . import cancellation as _cancellation  # noqa: E402  (cancellation imports this module's types)
