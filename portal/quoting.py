"""Quote a request body (the JSON of ``POST /api/v1/quotes``) with the agency's current card.

The API, ``flask quote`` and the wizard's live panel all come through here, so every price the
portal shows is the one the engine computes from the same input; ``flask cancellation`` and ``flask
invoice`` read their inputs here too and price them with the code of the pages that do the same job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal import cards
from portal.extensions import db
from portal.models import Agency, RateCardVersion
from portal.pricing import Quote, RateCard, RequestError, parse_request, quote, settlement
from portal.pricing import invoice as invoicing
from portal.pricing.invoice import Invoice
from portal.pricing.settlement import Settlement

FIELD_EXCERPT = 80  # characters of a field path echoed back (an unknown key can be a megabyte long)
MESSAGE_EXCERPT = 400
MAX_NESTING = 16  # the request format nests four deep (shifts[0].positions.officer); JSON may go far deeper


def _excerpt(text: str | None, limit: int) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


class QuoteInputError(ValueError):
    """The request cannot be priced. ``errors`` is a list of ``{"field", "message"}``.

    What the input said is echoed only as a short excerpt: an error names a field, it does not copy it.
    """

    def __init__(self, errors: list[dict[str, Any]]):
        errors = [{**e, "field": _excerpt(e["field"], FIELD_EXCERPT),
                   "message": _excerpt(e["message"], MESSAGE_EXCERPT)} for e in errors]
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


class BodyError(QuoteInputError):
    """The body is not a JSON document the request format could be (not JSON, or nested too deeply)."""

    def __init__(self, message: str):
        super().__init__([{"field": None, "message": message}])


def _nesting(value: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON value (walked without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            if depth > MAX_NESTING:
                break
            stack.extend((child, depth + 1) for child in children)
    return deepest


def load_body(raw: bytes | str) -> Any:
    """A request body parsed as JSON, or BodyError: not JSON, or arrays and objects nested past MAX_NESTING
    (the parser itself gives up, with a RecursionError, at about a thousand)."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BodyError(f"The body nests arrays or objects more than {MAX_NESTING} deep.") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise BodyError(f"The body is not valid JSON: {_excerpt(str(e), 200)}") from None
    if _nesting(data) > MAX_NESTING:
        raise BodyError(f"The body nests arrays or objects more than {MAX_NESTING} deep.")
    return data


@dataclass(frozen=True)
class PricedQuote:
    agency: Agency
    version: RateCardVersion
    card: RateCard
    quote: Quote

    def to_dict(self) -> dict[str, Any]:
        return self.quote.to_dict()


def agency_with_card(slug: Any) -> tuple[Agency, RateCardVersion]:
    """The agency named in a request and its current card version, or a QuoteInputError on ``agency``."""
    if not isinstance(slug, str) or not slug.strip():
        raise QuoteInputError([{"field": "agency", "message": "Name the agency, e.g. \"kcpd\"."}])
    slug = slug.strip()
    found = cards.current_for_slug(slug)  # None for a malformed slug too: it never reaches the database
    if found is None:
        known = ", ".join(db.session.scalars(select(Agency.slug).order_by(Agency.slug))) or "none"
        shown = slug[:40].encode("utf-8", "backslashreplace").decode()
        message = f"No agency {shown!r} takes bookings here (known: {known})."
        raise QuoteInputError([{"field": "agency", "message": message}])
    return found


def price(data: Any, *, now: datetime) -> PricedQuote:
    """Validate and price a request body. Raises QuoteInputError naming every bad field."""
    if not isinstance(data, dict):
        raise QuoteInputError([{"field": None, "message": "The request body must be a JSON object."}])
    agency, version = agency_with_card(data.get("agency"))
    card = cards.card_of(version)
    return PricedQuote(agency=agency, version=version, card=card, quote=price_with(card, data, now=now))


def price_with(card: RateCard, data: dict, *, now: datetime) -> Quote:
    """Price a request body with a card already in hand (the live panel's path; ``price`` uses it too)."""
    try:
        request = parse_request(data, card, now=now)
    except RequestError as e:
        raise QuoteInputError([{"field": err.field, "message": err.message} for err in e.errors]) from None
    return quote(request, card)


SETTLE_FIELDS = ("quote_request", "at", "approved", "deposit_held_cents", "cancel")
INVOICE_FIELDS = ("quote_request", "attendance", "deposit_held_cents")


@dataclass(frozen=True)
class Answer:
    """What ``flask cancellation`` or ``flask invoice`` prints: the agency and card version, and the result."""

    agency: Agency
    version: RateCardVersion
    result: Settlement | Invoice

    def to_dict(self) -> dict[str, Any]:
        return {"agency": self.agency.slug, "rate_card_version": self.version.version, **self.result.to_dict()}


def _check_input(data: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The problems of a ``flask cancellation`` or ``flask invoice`` input that every such input can have:
    not an object, unknown fields, no request body, a deposit that is not a number of cents."""
    if not isinstance(data, dict):
        raise QuoteInputError([{"field": None, "message": "The input must be a JSON object."}])
    errors = [{"field": str(k)[:40], "message": f"unknown field (known: {', '.join(fields)})"}
              for k in data if k not in fields]
    if not isinstance(data.get("quote_request"), dict):
        errors.append({"field": "quote_request", "message": "the booking's request body, as for a quote"})
    held = data.get("deposit_held_cents")
    if held is not None and (not isinstance(held, int) or isinstance(held, bool) or held < 0):
        errors.append({"field": "deposit_held_cents", "message": "a whole number of cents, at least 0"})
    return errors


def settle(data: Any, *, now: datetime) -> Answer:
    """The ``flask cancellation`` input (pricing spec section 10) settled with the agency's current card.
    Raises QuoteInputError naming every bad field (the request's own as ``quote_request.<field>``)."""
    errors = _check_input(data, SETTLE_FIELDS)
    at = now
    if data.get("at") is not None:
        try:
            at = datetime.fromisoformat(str(data["at"]))
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            errors.append({"field": "at", "message": "an ISO 8601 moment with its offset"})
    approved = data.get("approved", True)
    if not isinstance(approved, bool):
        errors.append({"field": "approved", "message": "true or false"})
    if errors:
        raise QuoteInputError(errors)
    return _answer(data, SETTLE_FIELDS, lambda body, card: settlement.settle(
        body, card, at=at, now=now, approved=approved, deposit_held=data.get("deposit_held_cents"),
        cancel=data.get("cancel")))


def invoice(data: Any, *, now: datetime) -> Answer:
    """The ``flask invoice`` input (pricing spec section 10): the booking's request body as it stands, the
    attendance of each shift and the deposit held, invoiced with the agency's current card by the code of the
    back office's close-out. Raises QuoteInputError naming every bad field."""
    errors = _check_input(data, INVOICE_FIELDS)
    if not isinstance(data.get("attendance"), list):
        errors.append({"field": "attendance", "message": "one list of records per shift"})
    if errors:
        raise QuoteInputError(errors)

    def compute(body: dict[str, Any], card: RateCard) -> Invoice:
        q = quote(parse_request(body, card, now=now), card)
        return invoicing.invoice(q, invoicing.parse_attendance(data["attendance"], card, q),
                                 data.get("deposit_held_cents"))

    return _answer(data, INVOICE_FIELDS, compute)


def _answer(data: dict[str, Any], fields: tuple[str, ...], compute) -> Answer:
    """``compute(request body, the agency's current card)``, its refusals named as the command's fields."""
    body = data["quote_request"]
    agency, version = agency_with_card(body.get("agency"))
    try:
        return Answer(agency, version, compute(body, cards.card_of(version)))
    except RequestError as e:
        raise _input_error(e, fields) from None


def _input_error(e: RequestError, fields: tuple[str, ...]) -> QuoteInputError:
    """The fields of a command's input as they are named there (the request's own under ``quote_request``)."""
    out = []
    for err in e.errors:
        name = err.field
        if name is not None and name.split(".")[0].split("[")[0] not in fields:
            name = f"quote_request.{name}"
        out.append({"field": name, "message": err.message})
    return QuoteInputError(out)


@dataclass(frozen=True)
class Comparison:
    """One request priced with two cards (an agency's current version and the one it is about to upload): each
    side's quote, or the errors that stopped it; ``difference_cents`` is new minus current when both priced."""

    current: Quote | None
    new: Quote | None
    current_errors: list[dict[str, Any]]
    new_errors: list[dict[str, Any]]

    @property
    def difference_cents(self) -> int | None:
        if self.current is None or self.new is None:
            return None
        return self.new.total_cents - self.current.total_cents


def compare(current: RateCard | None, new: RateCard, data: dict, *, now: datetime) -> Comparison:
    """Price ``data`` with both cards, as the API would with each (``price_with``)."""
    quotes, errors = [], []
    for card in (current, new):
        try:
            quotes.append(None if card is None else price_with(card, data, now=now))
            errors.append([])
        except QuoteInputError as e:
            quotes.append(None)
            errors.append(e.errors)
    return Comparison(quotes[0], quotes[1], errors[0], errors[1])
