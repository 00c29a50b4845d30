"""Money: integer cents, exact parsing, the one rounding rule.

Amounts are never floats. A published amount such as ``"85.50"`` is parsed from
its decimal text into integer cents; anything with more than two decimals is
refused rather than rounded. Every line amount is rounded once, half up
(pricing spec section 3).
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = [
    "AMOUNT_RE",
    "AmountError",
    "format_cents",
    "parse_amount",
    "parse_fraction",
    "round_half_up",
    "round_line",
]

AMOUNT_RE = re.compile(r"^(\d{1,9})(?:\.(\d{1,2}))?$")
_DECIMAL_RE = re.compile(r"^(\d{1,9})(?:\.(\d{1,6}))?$")


class AmountError(ValueError):
    """An amount could not be read; the message says why in plain words."""


def parse_amount(value: object) -> int:
    """Return integer cents for ``"85.50"``, ``"85.5"``, ``"85"`` or a non-negative int of dollars.

    Raises :class:`AmountError` for floats, booleans, negative numbers, more than
    two decimals, or anything that is not a plain decimal amount.
    """
    if isinstance(value, bool):
        raise AmountError(f'expected an amount like "85.50", got {value!r}')
    if isinstance(value, int):
        if value < 0 or value > 999_999_999:
            raise AmountError(f'expected an amount like "85.50", got {value}')
        return value * 100
    if isinstance(value, float):
        raise AmountError(f'write the amount as a quoted string like "85.50" (got the number {value!r})')
    if not isinstance(value, str):
        raise AmountError(f'expected an amount like "85.50", got {value!r}')
    m = AMOUNT_RE.match(value)
    if m is None:
        if re.match(r"^\d+\.\d{3,}$", value):
            raise AmountError(f'amounts have at most 2 decimals, got "{value}"')
        raise AmountError(f'expected an amount like "85.50", got "{value}"')
    dollars, cents = m.group(1), m.group(2) or ""
    return int(dollars) * 100 + int(cents.ljust(2, "0"))


def parse_fraction(value: object, what: str = "number") -> Fraction:
    """Parse a non-negative decimal given as text (``"1.5"``) or an int into an exact Fraction."""
    if isinstance(value, bool | float):
        raise AmountError(f'write the {what} as a quoted string like "1.5" (got {value!r})')
    if isinstance(value, int):
        if value < 0:
            raise AmountError(f"expected a non-negative {what}, got {value}")
        return Fraction(value)
    if not isinstance(value, str) or not _DECIMAL_RE.match(value):
        raise AmountError(f'expected a {what} like "1.5", got {value!r}')
    return Fraction(value)


def round_half_up(value: Fraction | int) -> int:
    """Round a non-negative exact number to the nearest integer, halves up."""
    if isinstance(value, int):
        return value
    num, den = value.numerator, value.denominator
    return (2 * num + den) // (2 * den)


def round_line(rate_cents: int, count: int, minutes: int) -> int:
    """``round_half_up(rate_cents * count * minutes / 60)`` in integer arithmetic."""
    return (rate_cents * count * minutes * 2 + 60) // 120


def format_cents(cents: int | None) -> str:
    """``12345 -> "$123.45"``; ``None`` (not published) -> ``"not published"``."""
    if cents is None:
        return "not published"
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"
