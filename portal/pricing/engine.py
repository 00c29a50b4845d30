"""The quote: pure, deterministic pricing of a validated request against a card.

Pricing spec section 3, one shift at a time:

1. positions after the headcount minimums and supervisor rules (``staffing``);
2. vehicles to the lowest-ranked positions; each adds the card's extra minutes;
3. billed minutes per position = max(minimum, scheduled + vehicle extra), padding at the end;
4. the tiers that apply to the whole shift are found (notice tiers, the chosen priority, and
   holiday or daily-window tiers priced by the whole shift when any scheduled minute is in
   their periods); the billed interval is cut where a minute-level tier starts or stops
   (holiday periods, daily-window edges, long-shift thresholds), each segment gets the highest
   applicable replacement rate, consecutive segments at one rate merge into a piece, pieces
   equal in (rank, rate, minutes) form one line;
5. surcharges, vehicles, administration fee and other charges are lines too;
6. every line rounds once, half up; totals are sums of lines.

Times are epoch minutes internally, so elapsed time across daylight-saving
changes is what is billed. What the card alone decides is derived once when it is
read (``RateCard``); what a card and a calendar day decide (the day cut into
segments by holiday periods and daily windows) sits in a bounded LRU cache shared by
every quote; the rest is worked out per quote. Nothing that a request alone decides
is kept.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple

from . import cancellation as _cancellation
from .card import MinuteTiers, RateCard, Tier
from .holidays import day_periods, periods
from .money import format_cents, round_half_up, round_line
from .request import QuoteRequest, ShiftRequest, frozen_instance
from .results import Group, Line, Quote, ShiftQuote, Step, WindowFee, decimal_text
from .screening import Approval, Notice, screen
from .staffing import recommend, staff_shift, vehicle_split

__all__ = ["Group", "Line", "Quote", "ShiftQuote", "Step", "WindowFee", "quote"]

_DAY = timedelta(days=1)


# --------------------------------------------------------------------------------------------
# time helpers


def _local(card: RateCard, minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, card.zone)


def _epoch(local: datetime) -> int:
    return int(local.timestamp()) // 60


def _hours(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    if not m:
        return f"{h} h"
    return f"{h} h {m} min" if h else f"{m} min"


def _hours_word(minutes: int) -> str:
    return f"{minutes // 60}" if minutes % 60 == 0 else f"{minutes / 60:g}"


def _lead_words(minutes: int, business_days: int) -> str:
    if business_days:
        return f"{business_days} business day{'s' if business_days != 1 else ''}"
    return f"{_hours_word(minutes)} hours"


Period = tuple[int, int, Tier, str]  # [a, b) in epoch minutes, the tier in force, a holiday name or ""


class InForce(NamedTuple):
    """The minute-level tiers in force during a segment of time."""

    rep: tuple[Tier, ...]  # replacing the rate
    sur: tuple[Tier, ...]  # adding a surcharge
    names: tuple[str, ...]  # the holiday names of their periods
    whole: tuple[Tier, ...]  # tiers priced by the whole shift (when any scheduled minute is in their periods)
    whole_names: tuple[str, ...]  # the holiday names of their periods


NOTHING = InForce((), (), (), (), ())
Segment = tuple[int, int, InForce]  # [a, b) in epoch minutes and what is in force
PricedSegment = tuple[int, int, list[Tier], list[Tier], tuple[str, ...]]  # [a, b), replacing, surcharging, names


def _periods(plan: MinuteTiers, d: date) -> list[Period]:
    """The periods of the card's minute-level tiers (holiday periods, daily windows) that start on local date ``d``."""
    zone = plan.zone
    periods = [(a, b, t, rule.name) for a, b, rule in day_periods(plan.rules, zone, d) for t in plan.holiday] \
        if plan.holiday else []
    for t in plan.window:
        f, to = t.window_from or time(0), t.window_to or time(0)
        periods.append((_epoch(datetime.combine(d, f, zone)), _epoch(datetime.combine(d if to > f else d + _DAY, to,
                                                                                          zone)), t, ""))
    return periods


@lru_cache(maxsize=4096)
def _day_segments(plan: MinuteTiers, d: date) -> tuple[int, tuple[Segment, ...]]:
    """Local date ``d`` cut where a minute-level tier starts or stops: the epoch minute of the midnight that ends
    it, and its segments from midnight to midnight (periods that start the day before included). Depends on the
    card and the day only; kept for the 4,096 most recent (card, day) pairs, bounded whatever the requests ask."""
    zone = plan.zone
    start, end = _epoch(datetime.combine(d, time(0), zone)), _epoch(datetime.combine(d + _DAY, time(0), zone))
    periods = [p for p in _periods(plan, d - _DAY) + _periods(plan, d) if p[0] < end and p[1] > start]
    points = {start, end}
    for a, b, _, _ in periods:
        points.update(m for m in (a, b) if start < m < end)
    segments: list[Segment] = []
    for a, b in pairwise(sorted(points)):
        rep: list[Tier] = []
        sur: list[Tier] = []
        names: list[str] = []
        whole: list[Tier] = []
        whole_names: list[str] = []
        for pa, pb, t, name in periods:
            if pa <= a < pb:
                tiers, words = (whole, whole_names) if t.whole_shift else (rep if t.replaces else sur, names)
                if t not in tiers:
                    tiers.append(t)
                if name and name not in words:
                    words.append(name)
        segments.append((a, b, InForce(tuple(rep), tuple(sur), tuple(names), tuple(whole), tuple(whole_names))))
    return end, tuple(segments)


class _Pricer:
    """Per-quote context: the schedule's rates, the card's tiers by kind, the request's moment."""

    def __init__(self, card: RateCard, req: QuoteRequest):
        self.card = card
        self.req = req
        self.schedule = card.schedule(req.schedule) or card.default_schedule
        self.rates = card.rates_for(self.schedule, req.offered_rates)
        by_when = card.tiers_by_when
        self.holiday_tiers = by_when["holiday"]
        self.window_tiers = by_when["daily_window"]
        self.after_tiers = by_when["after_hours"]
        self.notice_tiers = by_when["notice"]
        self.selected = card.tier(req.priority) if req.priority else None
        self.submitted_s = req.submitted_at.timestamp()
        self.offered = req.offered_rates
        self.whole_shift = bool(card.whole_shift_tiers)
        self.minute_level = bool(by_when["holiday"] or by_when["daily_window"])
        self.phrases: dict[tuple[str, tuple[str, ...], float], str] = {}  # (tier, holiday names, lead) -> phrase

    def shift_tiers(self, start_min: int, headcount: int) -> tuple[list[Tier], list[Tier], list[Tier]]:
        """Tiers for the whole shift by notice and choice -- (replacing, surcharging, notice tiers among them): the
        tightest notice tier of each kind whose condition holds, then the chosen priority."""
        if not self.notice_tiers and self.selected is None:
            return [], [], []
        best: dict[bool, tuple[int, Tier]] = {}  # replaces -> (lead the tier covers, tier)
        for t in self.notice_tiers:
            if (t.if_headcount_at_least or t.if_attendance_over is not None) and not t.condition_met(
                    headcount, self.req.attendance):
                continue
            span = start_min - self.card.deadline(start_min, None, t.under_business_days) if t.under_business_days \
                else t.under_minutes
            if self.submitted_s > (start_min - span) * 60:
                got = best.get(t.replaces)
                if got is None or span < got[0]:
                    best[t.replaces] = (span, t)
        if not best and self.selected is None:
            return [], [], []
        rep: list[Tier] = []
        sur: list[Tier] = []
        notice: list[Tier] = []
        for _, t in best.values():
            notice.append(t)
            (rep if t.replaces else sur).append(t)
        t = self.selected
        if t is not None and t not in notice:
            (rep if t.replaces else sur).append(t)
        return rep, sur, notice

    def segments(self, s: int, e: int, day: date) -> list[Segment]:
        """The segments covering ``[s, e)`` (``day``: the local date of ``s``), cut where a holiday period or daily
        window starts or stops (the card's days, joined where nothing changes at midnight) or an ``after_hours``
        threshold (counted from ``s``) passes."""
        out: list[Segment] = []
        if self.minute_level:
            plan = self.card.minute_tiers
            d = day
            while True:
                midnight, day_segments = _day_segments(plan, d)
                for a, b, state in day_segments:
                    if b <= s:
                        continue
                    if a >= e:
                        break
                    if out and out[-1][2] == state:
                        a = out.pop()[0]
                    out.append((a if a > s else s, b if b < e else e, state))
                if midnight >= e:
                    break
                d += _DAY
        else:
            out.append((s, e, NOTHING))
        for t in self.after_tiers:
            m = s + t.after_minutes
            cut: list[Segment] = []
            for a, b, state in out:
                rep, sur, *rest = state
                with_t = InForce(*(((*rep, t), sur) if t.replaces else (rep, (*sur, t))), *rest)
                if a < m < b:
                    cut += [(a, m, state), (m, b, with_t)]
                else:
                    cut.append((a, b, with_t if a >= m else state))
            out = cut
        return out

    def shift_segments(self, shift: ShiftRequest, e: int, rep0: list[Tier], sur0: list[Tier]
                       ) -> tuple[list[PricedSegment], list[str], list[str]]:
        """The segments of ``[shift start, e)`` with the replacing and the surcharging tiers in force in each (the
        minute-level ones, then the shift's own ``rep0`` and ``sur0``), and the holiday names: all of them, and
        those of the tiers priced by the whole shift. Such a tier applies everywhere when any scheduled minute is in
        its periods, and nowhere otherwise."""
        raw = self.segments(shift.start_min, e, shift.start.astimezone(self.card.zone).date())
        whole_names: list[str] = []
        if self.whole_shift:
            whole: list[Tier] = []
            for a, _, (_, _, _, tiers, names) in raw:
                if a < shift.end_min:
                    whole += [t for t in tiers if t not in whole]
                    whole_names += [n for n in names if n not in whole_names]
            rep0 = rep0 + [t for t in whole if t.replaces]
            sur0 = sur0 + [t for t in whole if not t.replaces]
        holiday_names = list(whole_names)
        segs: list[PricedSegment] = []
        for a, b, (rep, sur, names, _, _) in raw:
            for n in names:
                if n not in holiday_names:
                    holiday_names.append(n)
            if whole_names:
                names = tuple(dict.fromkeys((*names, *whole_names)))
            segs.append((a, b, [*rep, *rep0] if rep else rep0, [*sur, *sur0] if sur else sur0, names))
        return segs, holiday_names, whole_names

    def phrase(self, t: Tier, names: tuple[str, ...], lead_s: float, by_notice: list[Tier]) -> str:
        """How a piece at tier ``t`` is described on its line."""
        if t.when == "notice" and t in by_notice:
            return (f"{t.label} rate: requested {_hours(max(0, int(lead_s // 60)))} before the start "
                    f"(under {_lead_words(t.under_minutes, t.under_business_days)})")
        if t.selectable and t is self.selected:
            return f"{t.label} rate (priority chosen)"
        whole = ", whole shift" if t.whole_shift else ""
        if t.when == "holiday":
            return f"{t.label} rate{whole}: {', '.join(names)}" if names else f"{t.label} rate{whole}"
        if t.when == "daily_window":
            return f"{t.label} rate{whole} ({t.window_from:%H:%M}-{t.window_to:%H:%M})"
        if t.when == "after_hours":
            return f"{t.label} rate (after {_hours_word(t.after_minutes)} hours)"
        return f"{t.label} rate"


def _add(lines: dict[Any, list[Any]], key: tuple[Any, ...], count: int, tier: str, phrases: list[str]) -> None:
    """Add ``count`` positions to the line ``[count, tier, phrases]`` at ``key``, with any phrase it lacks."""
    got = lines.get(key)
    if got is None:
        lines[key] = [count, tier, list(phrases)]
        return
    got[0] += count
    for p in phrases:
        if p not in got[2]:
            got[2].append(p)


def _price_shift(p: _Pricer, shift: ShiftRequest, index: int, minimum_headcount: int,
                 minimum_reason: str) -> tuple[ShiftQuote, list[Tier], list[str]]:
    card = p.card
    counts, explanations = staff_shift(card, shift, minimum_headcount, minimum_reason)
    headcount = sum(counts.values())
    groups_raw = vehicle_split(card, counts, shift.vehicles)
    jt = card.job_type(shift.job_type) if shift.job_type else None
    minimum = jt.minimum_minutes if jt is not None and jt.minimum_minutes is not None else card.minimum_minutes
    s = shift.start_min
    sched = shift.end_min - s
    extra = card.vehicle.extra_minutes
    rep0, sur0, notice_tiers = p.shift_tiers(s, headcount)
    lead_s = s * 60 - p.submitted_s

    # The segments of the longest billed interval, once per shift: shorter ones are its prefixes.
    longest = max(minimum, sched + extra if shift.vehicles else sched)
    segs, holiday_names, whole_names = p.shift_segments(shift, s + longest, rep0, sur0)

    labour: dict[tuple[str, int, int], list[Any]] = {}  # (rank, rate, minutes) -> [count, tier, phrases]
    premium: dict[tuple[str, str, int, int], list[Any]] = {}
    groups: list[Group] = []
    padded = False
    rates = p.rates
    vehicle_phrase = f"Vehicle pick-up and return: {extra} min" if extra else ""
    min_phrase = f"{_hours_word(minimum)}-hour minimum applies" if minimum > sched else ""
    for rank, has_vehicle, count in groups_raw:
        worked = sched + extra if has_vehicle else sched
        billed = minimum if minimum > worked else worked
        padded = padded or billed > worked
        e = s + billed
        row = rates[rank]
        regular = row["regular"]
        pieces: list[list[Any]] = []  # [rate, tier, start, end, names]
        runs: dict[str, list[list[int]]] = {}  # surcharge tier key -> [[start, end], ...]
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
                if names and names != last[4]:
                    last[4] = tuple(dict.fromkeys((*last[4], *names)))
            else:
                pieces.append([best, best_tier, a, b, names])
            for t in sur:
                rr = runs.setdefault(t.key, [])
                if rr and rr[-1][1] == a:
                    rr[-1][1] = b
                else:
                    rr.append([a, b])
        for rate, tier, a, b, names in pieces:
            if tier == "regular":
                phrases = ["Offered rate" if rank in p.offered else "Regular rate"]
            else:
                phrase = p.phrases.get((tier, names, lead_s))
                if phrase is None:
                    phrase = p.phrases[tier, names, lead_s] = p.phrase(card.tier_by_key[tier], names, lead_s,
                                                                         notice_tiers)
                phrases = [phrase]
            if has_vehicle and extra and a < s + worked and b > s + sched:
                phrases.append(vehicle_phrase)
            if billed > worked and b > s + worked:
                phrases.append(min_phrase)
            _add(labour, (rank, rate, b - a), count, tier, phrases)
        surcharge_pieces: list[tuple[int, int]] = []
        start_surcharge = 0
        for tk, rr in runs.items():
            t = card.tier_by_key[tk]
            amount = t.surcharge_for(rank)
            if amount:
                if rr[0][0] == s:
                    start_surcharge += amount
                for a, b in rr:
                    surcharge_pieces.append((amount, b - a))
                    _add(premium, (t.key, rank, amount, b - a), count, t.key, [f"{t.label} surcharge"])
        groups.append(Group(rank, has_vehicle, count, billed, pieces[0][0] + start_surcharge,
                            tuple([(pc[0], pc[3] - pc[2]) for pc in pieces] + surcharge_pieces)))

    lines: list[Line] = []
    labour_cents = 0  # labour and premium lines: what a percentage charge is a percentage of
    for (rank, rate, minutes), (count, tier, phrases) in labour.items():
        amount = round_line(rate, count, minutes)
        labour_cents += amount
        lines.append(Line("labour", rank, tier, count, minutes, rate, amount, "; ".join(phrases)))
    for (tk, rank, rate, minutes), (count, _tier, phrases) in premium.items():
        amount = round_line(rate, count, minutes)
        labour_cents += amount
        lines.append(Line("premium", rank, tk, count, minutes, rate, amount, "; ".join(phrases)))
    if shift.vehicles:
        lines += _vehicle_lines(card, groups, shift.vehicles)
    if card.admin_fee.kind in ("per_hour", "percent", "per_job") or card.charges:
        lines += _fee_lines(card, groups, headcount, labour_cents)
    total = 0
    for ln in lines:
        total += ln.amount_cents

    if padded:
        explanations.append(f"Each position is billed at least {_hours_word(minimum)} hours"
                            + (f" ({jt.label})" if jt is not None and jt.minimum_minutes is not None else ""))
    if shift.vehicles and extra:
        explanations.append(f"Each position with a vehicle gets {extra} extra minutes for pick-up and return")
    for t in notice_tiers:
        why = ""
        if t.if_headcount_at_least or t.if_attendance_over is not None:
            why = " for this size of request"
        explanations.append(f"{t.label} rate{why}: the request comes {_hours(max(0, int(lead_s // 60)))} before "
                            f"the start, under {_lead_words(t.under_minutes, t.under_business_days)}")
    if holiday_names and p.holiday_tiers:
        explanations.append(("Holiday, whole shift: " if whole_names else "Holiday: ") + ", ".join(holiday_names))

    positions = tuple([(rk, n) for rk, n in counts.items() if n])
    sq = ShiftQuote(
        index, shift.start, shift.end, s, shift.end_min, shift.job_type, shift.headcount, positions,
        shift.vehicles, minimum, tuple(groups), tuple(lines), total, labour_cents,
        tuple(explanations), _cancellation.window_fees(card, groups, minimum, start_min=s),
    )
    return sq, notice_tiers, holiday_names


def _vehicle_lines(card: RateCard, groups: list[Group], vehicles: int) -> list[Line]:
    """Vehicles of a shift with equal billed minutes form one line: over the billed minutes of the position that
    has the vehicle, or the card's vehicle minimum if that is longer."""
    v = card.vehicle
    if not vehicles or v.kind == "none":
        return []
    by_minutes: dict[int, int] = {}
    for g in groups:
        if g.vehicle:
            m = max(g.billed_minutes, v.minimum_minutes)
            by_minutes[m] = by_minutes.get(m, 0) + g.count
    extra_txt = (f"; includes pick-up and return: {v.extra_minutes} min" if v.extra_minutes else "") + (
        f"; {_hours_word(v.minimum_minutes)}-hour vehicle minimum" if v.minimum_minutes else "")
    out = []
    for minutes, n in by_minutes.items():
        if v.kind == "per_hour":
            out.append(Line("vehicle", None, None, n, minutes, v.rate, round_line(v.rate, n, minutes),
                            f"Vehicle, {_hours(minutes)}{extra_txt}"))
        elif v.kind == "first_hour":
            out.append(Line("vehicle", None, None, n, min(60, minutes), v.first_hour, v.first_hour * n,
                            "Vehicle, first hour", unit="per_shift"))
            if minutes > 60:
                out.append(Line("vehicle", None, None, n, minutes - 60, v.additional_hour,
                                round_line(v.additional_hour, n, minutes - 60),
                                f"Vehicle, each further hour ({_hours(minutes - 60)}){extra_txt}"))
        elif v.kind == "flat":
            out.append(Line("vehicle", None, None, n, minutes, v.flat, v.flat * n, "Vehicle, flat fee per shift",
                            unit="per_shift"))
    return out


def _fee_lines(card: RateCard, groups: list[Group], headcount: int, labour_cents: int) -> list[Line]:
    """The administration fee and the other charges (for a card that has one): per position-hour (one line per group
    of positions equal in billed minutes), a percentage of labour (labour and premium lines), or per job."""
    a = card.admin_fee
    by_billed: dict[int, int] = {}
    for g in groups:
        by_billed[g.billed_minutes] = by_billed.get(g.billed_minutes, 0) + g.count

    def percent_line(kind: str, label: str, percent: Fraction, key: str | None = None) -> Line:
        return Line(kind, None, None, 1, 0, labour_cents, round_half_up(Fraction(labour_cents) * percent / 100),
                    f"{label}: {decimal_text(percent)} % of labour", unit="percent", key=key)

    out = []
    if a.kind == "per_hour" and a.rate:
        out += [Line("admin_fee", None, None, n, minutes, a.rate, round_line(a.rate, n, minutes),
                     "Administration fee") for minutes, n in by_billed.items()]
    elif a.kind == "percent" and a.percent is not None:
        out.append(percent_line("admin_fee", "Administration fee", a.percent))
    elif a.kind == "per_job":
        out.append(Line("admin_fee", None, None, headcount, 0, a.first_position, a.per_job(headcount),
                        f"Administration fee per job: {format_cents(a.first_position)} for the first position"
                        f" and {format_cents(a.each_additional)} for each further one", unit="per_shift"))
    for c in card.charges:
        if c.percent is not None:
            out.append(percent_line("charge", c.label, c.percent, c.key))
        else:
            out += [Line("charge", None, None, n, minutes, c.rate, round_line(c.rate, n, minutes), c.label,
                         key=c.key) for minutes, n in by_billed.items()]
    return out


def _minimum_headcount(card: RateCard, req: QuoteRequest, screened_minimum: int, screened_reason: str
                       ) -> tuple[int, str]:
    """The larger of the screening answers' minimum and the card's minimum from attendance, with its reason."""
    att = card.attendance_minimum
    if att is None or att.headcount(req.attendance) <= screened_minimum:
        return screened_minimum, screened_reason
    reason = att.message or f"one officer per {att.attendees_per_officer:,} attendees"
    reason = reason[:1].lower() + reason[1:].rstrip(".")
    return att.headcount(req.attendance), reason + (f" ({att.source})" if att.source else "")


def quote(req: QuoteRequest, card: RateCard) -> Quote:
    """Price ``req`` with ``card``. Pure: the same inputs always give the same quote."""
    p = _Pricer(card, req)
    scr = screen(req, card)
    minimum_headcount, minimum_reason = scr.minimum_headcount, scr.minimum_reason
    if card.attendance_minimum is not None:
        minimum_headcount, minimum_reason = _minimum_headcount(card, req, minimum_headcount, minimum_reason)
    shifts: list[ShiftQuote] = []
    notice_shifts: dict[str, list[int]] = {}
    notice_tier: dict[str, Tier] = {}
    holiday_shifts: list[int] = []
    holiday_all: list[str] = []
    for i, sr in enumerate(req.shifts):
        sq, tiers, hol = _price_shift(p, sr, i, minimum_headcount, minimum_reason)
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
    n = len(shifts)
    for tk, idx in notice_shifts.items():
        t = notice_tier[tk]
        notices.append(Notice(f"{tk}_rate", f"{t.label} rate applies to {_which(idx, n)}: requested "
                                            f"less than {_lead_words(t.under_minutes, t.under_business_days)} "
                                            "before the start.", t.source, tuple(idx)))
    if holiday_shifts:
        t = p.holiday_tiers[0]
        where = "" if n == 1 else f" ({_which(holiday_shifts, n)})"
        whole = " to the whole shift" if any(x.whole_shift for x in p.holiday_tiers) else ""
        notices.append(Notice(f"{t.key}_rate", f"{t.label} rate applies{whole} on {', '.join(holiday_all)}{where}.",
                              t.source, tuple(holiday_shifts)))
    np_ = card.notice_period
    if np_ is not None:
        short = [i for i, s in enumerate(shifts) if p.submitted_s > (
            card.deadline(s.start_min, None, np_.business_days) if np_.business_days
            else s.start_min - np_.minutes) * 60]
        if short:
            words = _lead_words(np_.minutes, np_.business_days)
            msg = np_.message or f"{card.short_name} asks for {words}' notice."
            notices.append(Notice("short_notice", f"{msg} ({_which(short, n, 'starts', 'start')} in "
                                                  f"less than {words}.)", np_.source, tuple(short)))
    ms = card.max_shift
    if ms is not None:
        long_ = [i for i, s in enumerate(shifts) if s.end_min - s.start_min > ms.minutes]
        if long_:
            msg = ms.message or f"{card.short_name} limits a shift to {_hours_word(ms.minutes)} hours."
            notice = Notice("shift_too_long", f"{msg} ({_which(long_, n, 'is', 'are')} longer.)", ms.source,
                            tuple(long_))
            (blocks if ms.effect == "block" else notices).append(notice)
    if card.blocked_dates:
        blocks += _blocked_dates(card, shifts)
    att = card.attendance_minimum
    if att is not None and att.headcount(req.attendance):
        raised = [i for i, s in enumerate(shifts) if s.requested_headcount < att.headcount(req.attendance)]
        if raised:
            msg = att.message or (f"{card.short_name} requires one officer per {att.attendees_per_officer:,} "
                                  "attendees.")
            notices.append(Notice("attendance_minimum", f"{msg} For {req.attendance:,} attendees: "
                                                        f"{att.headcount(req.attendance)} officers.", att.source,
                                  tuple(raised)))
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
    if card.full_shift:
        notices.append(Notice("full_shift_billing", card.full_shift.message or _full_shift_words(card),
                              card.full_shift.source))
    rec = recommend(card, req.venue_kind, req.attendance)
    if rec is not None:
        below = [i for i, s in enumerate(shifts) if s.headcount < rec.min_officers]
        msg = rec.message
        if below:
            msg += f" {_which(below, n, 'has', 'have')} fewer officers."
        notices.append(Notice("staffing_recommendation", msg, rec.source, tuple(below)))

    total = sum(s.total_cents for s in shifts)
    # frozen_instance: the generated __init__ of a frozen dataclass sets its 15 fields one object.__setattr__ at a
    # time, measured at about 4 % of a single-shift quote (benchmarks/README.md)
    return frozen_instance(
        Quote, agency=card.slug, rate_card_version=card.version, schedule=p.schedule.key,
        submitted_at=req.submitted_at, shifts=tuple(shifts), total_cents=total,
        deposit_cents=_cancellation.deposit_for(shifts, total), cancellation=_cancellation.steps_for(card, shifts),
        notices=tuple(notices), blocks=tuple(blocks), approvals=tuple(approvals), recommendation=rec,
        priority=req.priority, card=card, request=req,
    )


def _blocked_dates(card: RateCard, shifts: list[ShiftQuote]) -> list[Notice]:
    """A block per blocked date that a shift's scheduled time touches, naming the shifts."""
    hit: dict[str, list[int]] = {}
    for i, s in enumerate(shifts):
        for _, _, rule in periods(card.blocked_rules, card.zone, s.start_min, s.end_min):
            idx = hit.setdefault(rule.key, [])
            if i not in idx:
                idx.append(i)
    out = []
    for b in card.blocked_dates:
        idx = hit.get(b.rule.key)
        if idx:
            msg = b.message or f"{card.short_name} takes no off-duty work on {b.rule.name}."
            where = "" if len(shifts) == 1 else f" ({_which(idx, len(shifts), 'falls', 'fall')} on it.)"
            out.append(Notice("blocked_date", msg + where, b.source, tuple(idx)))
    return out


def _full_shift_words(card: RateCard) -> str:
    fs = card.full_shift
    parts = []
    if fs.if_released_early:
        parts.append("a position released early is billed its full scheduled shift")
    if fs.if_worked_over_percent is not None:
        share = "half" if fs.if_worked_over_percent == 50 else f"{fs.if_worked_over_percent} %"
        parts.append(f"a position that works more than {share} of its scheduled time is billed the full shift")
    return f"On the invoice, {' and '.join(parts)}."


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
