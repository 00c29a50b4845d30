"""Detail Desk pricing engine: pure, standard library only.

Everything money-related is decided here: rate cards (``load_card``; ``check_card``/``review_card``
also price the card's worked examples),
request validation (``parse_request``), quotes (``quote``), cancellation fees and
deposits, the billed minutes of a worked position (``billed_minutes``, for the
invoice). Time is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

from pathlib import Path

from .cancellation import cancellation_fee, reduction_fee, shift_cancellation_fee
from .card import RateCard
from .engine import Line, Quote, ShiftQuote, Step, quote
from .invoice import billed_minutes, vehicle_minutes
from .money import format_cents, parse_amount, round_half_up
from .request import FieldError, QuoteRequest, RequestError, ShiftRequest, parse_request
from .review import check_card, review_card
from .screening import Approval, Notice
from .validate import CardError, CardReview, Problem, load_card

__all__ = [
    "SEED_CARD_DIR",
    "SEED_SLUGS",
    "Approval",
    "CardError",
    "CardReview",
    "FieldError",
    "Line",
    "Notice",
    "Problem",
    "Quote",
    "QuoteRequest",
    "RateCard",
    "RequestError",
    "ShiftQuote",
    "ShiftRequest",
    "Step",
    "billed_minutes",
    "cancellation_fee",
    "check_card",
    "format_cents",
    "load_card",
    "load_seed_card",
    "parse_amount",
    "parse_request",
    "quote",
    "reduction_fee",
    "review_card",
    "round_half_up",
    "shift_cancellation_fee",
    "vehicle_minutes",
]

SEED_CARD_DIR = Path(__file__).resolve().parent.parent / "rate_cards"
SEED_SLUGS = ("kcpd", "mesa", "west-valley-city", "tucson")


def load_seed_card(slug: str) -> RateCard:
    """One of the shipped cards in ``portal/rate_cards/`` (raises ``CardError`` if it is broken)."""
    if slug not in SEED_SLUGS:
        raise KeyError(slug)
    return load_card((SEED_CARD_DIR / f"{slug}.toml").read_text(encoding="utf-8"))
