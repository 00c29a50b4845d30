"""A card checked as ``flask rate-cards check`` and ``import`` check it: read, validated, and its worked examples
priced.

``review_card(text, today=...)`` returns a :class:`~portal.pricing.validate.CardReview`: every problem (the card
cannot be used), every warning (it can), and how many worked examples were priced. A worked example that does
not come out exact is a problem: a card proves itself with the figures its agency states. ``today`` is passed
in (nothing here reads the clock) and only decides the warnings about dates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from .cancellation import cancellation_fee
from .card import RateCard, WorkedExample
from .engine import Quote, quote
from .money import format_cents
from .request import RequestError, parse_request
from .validate import CardReview, Problem, read_card

__all__ = ["check_card", "prove", "review_card"]

# parse_request's ``now`` only stands in for a missing submitted_at, which a worked example always gives.
_UNUSED_NOW = datetime(1970, 1, 1, tzinfo=UTC)


def review_card(text: str, *, today: date | None = None) -> CardReview:
    """Read ``text``, validate it and price its worked examples."""
    got = read_card(text, today=today)
    if got.card is None:
        return got
    problems = prove(got.card)
    return dataclasses.replace(got, card=None if problems else got.card, problems=tuple(problems),
                               examples_priced=len(got.card.examples))


def check_card(text: str, *, today: date | None = None) -> list[Problem]:
    """Every problem in the card text, each with its location, worked examples included. Empty: usable."""
    return list(review_card(text, today=today).problems)


def prove(card: RateCard) -> list[Problem]:
    """A problem for every figure of a worked example that the card does not reproduce exactly."""
    problems: list[Problem] = []
    for i, ex in enumerate(card.examples):
        loc = f"examples[{i}]"
        try:
            req = parse_request(ex.body(), card, now=_UNUSED_NOW)
        except RequestError as e:
            problems += [Problem(f"{loc}.request.{err.field}" if err.field else f"{loc}.request", err.message)
                         for err in e.errors]
            continue
        problems += [Problem(f"{loc}.{field}", f'worked example "{ex.name}": {message}')
                     for field, message in _differences(quote(req, card), ex)]
    return problems


def _differences(q: Quote, ex: WorkedExample) -> list[tuple[str, str]]:
    """``(field, why)`` for every stated figure the quote does not reproduce."""
    out: list[tuple[str, str]] = []

    def compare(field: str, got: Any, stated: Any, show: Callable[[Any], str] = format_cents, when: str = "") -> None:
        if stated is not None and got != stated:
            out.append((field, f"{when}the card gives {show(got)}, the example states {show(stated)}"))

    compare("total", q.total_cents, ex.total)
    compare("deposit", q.deposit_cents, ex.deposit)
    compare("shift_totals", tuple(s.total_cents for s in q.shifts), ex.shift_totals,
            lambda cents: ", ".join(map(format_cents, cents)))
    compare("positions", tuple(dict(s.positions) for s in q.shifts),
            None if ex.positions is None else tuple(dict(p) for p in ex.positions), _staffing)
    compare("blocked", q.blocked, ex.blocked,
            lambda b: f"a block ({'; '.join(x.message for x in q.blocks) or 'no reason'})" if b else "no block")
    for j, (at, fee) in enumerate(ex.cancellation_fees):
        compare(f"cancellation_fees[{j}].fee", cancellation_fee(q, at), fee, when=f"cancelled at {at.isoformat()}, ")
    return out


def _staffing(shifts: tuple[dict[str, int], ...]) -> str:
    return "; ".join(", ".join(f"{n} {rank}" for rank, n in s.items() if n) or "nobody" for s in shifts)
