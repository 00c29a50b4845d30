"""Presentation helpers: money from integer cents, datetimes in the agency's own zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def money(cents: int | None, *, plain: bool = False) -> str:
    """``123456`` -> ``$1,234.56`` (``plain``: ``1234.56``, as a CSV file writes it). Integer arithmetic only."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{dollars}.{rest:02d}" if plain else f"{sign}${dollars:,}.{rest:02d}"


def local_datetime(value: datetime | None, zone: str | ZoneInfo, fmt: str = "%a %d %b %Y, %H:%M %Z") -> str:
    """An aware datetime shown in the given zone (the agency's)."""
    if value is None:
        return ""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return value.astimezone(tz).strftime(fmt)


def duration(minutes: int | None) -> str:
    """``390`` -> ``6 h 30 min``."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def iso_local(value: str | None, fmt: str = "%a %-d %b %Y, %H:%M") -> str:
    """An ISO 8601 string that already carries the agency's offset, shown as a person reads it."""
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime(fmt)


def positions_text(positions: dict[str, int], label_of=None) -> str:
    """``{"officer": 4, "sergeant": 1}`` -> ``4 officers, 1 sergeant`` (``label_of``: rank key -> label)."""
    parts = []
    for rank, count in positions.items():
        word = (label_of(rank) if label_of else rank.replace("_", " ")).lower()
        parts.append(f"{count} {word}{'' if count == 1 else 's'}")
    return ", ".join(parts)


def cited(text: str | None, card) -> str:
    """A rule's citation, or a sentence that quotes one, with each of the card's sources named by its title.

    The engine cites a source as its file and section ("kcpd-policy-630-9-secondary-employment.txt, IV.A.2",
    the JSON documents' ``source``); people read "KCPD Personnel Policy 630-9: Secondary Employment
    (effective 2025-12-31), IV.A.2".
    """
    if not text or card is None:
        return text or ""
    for source in card.sources.values():
        if source.file and source.file in text:
            text = text.replace(source.file, source.title)
    return text


_BOUNDARY = "%a %-d %b, %H:%M"


def _epoch_minute(at: datetime) -> int:
    return int(at.timestamp()) // 60


def _lead(window) -> str:
    """How long before the start a cancellation window opens: "72 hours", "3 business days"."""
    if window.business_days:
        return f"{window.business_days} business day{'s' if window.business_days != 1 else ''}"
    hours, rest = divmod(window.minutes, 60)
    return duration(window.minutes) if rest else f"{hours} hour{'s' if hours != 1 else ''}"


def cancellation_rows(quote: dict, card) -> list[dict]:
    """The quote's dated cancellation steps as a person reads the agency's rule.

    The engine's steps are ``[from, until)`` to the minute: a 72-hour window opens one minute after the
    moment 72 hours before the start, so a step reads "until Sun 20 Dec, 18:01". Each boundary is named
    here by what makes it: "72 hours before the start (Sun 20 Dec, 18:00)", "the start of shift 2 (...)".
    Only the words change; the steps (``from``, ``until``, ``fee_cents``) are the engine's.
    """
    starts = [_epoch_minute(datetime.fromisoformat(s["start"])) for s in quote["shifts"]]
    several = len(starts) > 1
    windows = [w for w in card.cancellation if w.minutes or w.business_days]

    def boundary(iso: str) -> str:
        at = datetime.fromisoformat(iso)
        minute = _epoch_minute(at)
        for i, start in enumerate(starts):
            if minute == start:
                return f"the start{f' of shift {i + 1}' if several else ''} ({at.strftime(_BOUNDARY)})"
        for i, start in enumerate(starts):
            for w in windows:
                if minute - 1 == card.deadline(start, w.minutes, w.business_days):
                    before = at - timedelta(minutes=1)
                    whose = f"shift {i + 1}" if several else "the start"
                    return f"{_lead(w)} before {whose} ({before.strftime(_BOUNDARY)})"
        return at.strftime(_BOUNDARY)

    return [
        {"when": f"From {boundary(s['from']) if s['from'] else 'approval'} until {boundary(s['until'])}",
         "fee_cents": s["fee_cents"]}
        for s in quote["cancellation"]
    ]
