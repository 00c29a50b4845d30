"""Presentation helpers: money from integer cents, datetimes in the agency's own zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def money(cents: int | None) -> str:
    """``123456`` -> ``$1,234.56``. Integer arithmetic only."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


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
