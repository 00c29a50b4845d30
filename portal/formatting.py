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
