"""Stripe, and only Stripe: the one module that imports the SDK.

Everything else talks to Stripe through the functions here, which take and give plain values
(``Intent``, ``SavedCard``, ``RefundResult``) and raise three kinds of error:

- ``Unreachable``: no answer (connection refused, timeout, Stripe's 5xx). For a call that writes,
  the outcome is unknown: the caller keeps its row pending and looks the outcome up before trying again.
- ``Declined``: the card was refused (Stripe's own message, for the employer).
- ``StripeProblem``: any other refusal (a bad request, an unknown id).

Writes go out with no network retry of the SDK's own: Stripe de-duplicates a retried request by its
idempotency key, but a stand-in such as localstripe does not, and the portal guarantees one charge
itself (``portal.payments.attempts``). Reads are retried a bounded number of times. Every call has a
timeout (``STRIPE_TIMEOUT_SECONDS``).

The API address is ``STRIPE_API_BASE`` (localstripe in local runs and tests; Stripe by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe
from flask import current_app

__all__ = [
    "Declined",
    "Intent",
    "SavedCard",
    "StripeProblem",
    "Unreachable",
    "cancel_intent",
    "construct_event",
    "create_customer",
    "create_intent",
    "create_refund",
    "create_setup_intent",
    "enabled",
    "find_charged_intent",
    "find_refund",
    "retrieve_intent",
    "saved_card_from_setup",
]


class PaymentError(Exception):
    def __init__(self, message: str, *, code: str = "", intent_id: str | None = None, charge_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.intent_id = intent_id
        self.charge_id = charge_id


class Unreachable(PaymentError):
    """Stripe did not answer; for a write, whether it happened is unknown."""


class Declined(PaymentError):
    """The card was declined or failed authentication (``message`` is Stripe's, for the employer)."""


class StripeProblem(PaymentError):
    """Stripe refused the request for another reason."""


def enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def _client() -> stripe.StripeClient:
    ext = current_app.extensions
    client = ext.get("detail_desk_stripe")
    if client is None:
        cfg = current_app.config
        client = ext["detail_desk_stripe"] = stripe.StripeClient(
            cfg["STRIPE_SECRET_KEY"],
            base_addresses={"api": cfg["STRIPE_API_BASE"].rstrip("/")},
            max_network_retries=int(cfg.get("STRIPE_READ_RETRIES", 2)),
            http_client=stripe.RequestsClient(timeout=float(cfg.get("STRIPE_TIMEOUT_SECONDS", 20))),
        )
    return client


_WRITE: dict[str, Any] = {"max_network_retries": 0}


def _call(fn, *args, **kwargs):
    """Run an SDK call, turning its errors into ours."""
    try:
        return fn(*args, **kwargs)
    except stripe.CardError as e:
        err = e.error
        raise Declined(e.user_message or "Your card was declined.", code=e.code or "card_declined",
                       intent_id=_id(getattr(err, "payment_intent", None)),
                       charge_id=_id(getattr(err, "charge", None))) from None
    except (stripe.APIConnectionError, stripe.RateLimitError) as e:
        raise Unreachable(f"Stripe could not be reached: {e.user_message or type(e).__name__}") from None
    except stripe.APIError as e:  # Stripe's own 5xx
        raise Unreachable(f"Stripe answered with an error: {e.user_message or type(e).__name__}") from None
    except stripe.StripeError as e:
        raise StripeProblem(e.user_message or str(e), code=e.code or "") from None


def _id(value: Any) -> str | None:
    """An id from a field that may hold the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return getattr(value, "id", None)


# -- customers and saved cards -------------------------------------------------------------------------
@dataclass(frozen=True)
class SavedCard:
    payment_method_id: str
    label: str  # "Visa ending 4242, expires 12/2030"


def create_customer(*, name: str, email: str, organisation_id: int) -> str:
    params = {"name": name, "email": email, "metadata": {"organisation_id": str(organisation_id)}}
    customer = _call(_client().v1.customers.create, params, dict(_WRITE))
    return customer.id


def create_setup_intent(customer_id: str, *, organisation_id: int) -> tuple[str, str]:
    """A SetupIntent to save a card for later charges: ``(id, client_secret)`` for Stripe.js."""
    si = _call(_client().v1.setup_intents.create,
               {"customer": customer_id, "usage": "off_session", "payment_method_types": ["card"],
                "metadata": {"organisation_id": str(organisation_id)}}, dict(_WRITE))
    return si.id, si.client_secret


def saved_card_from_setup(setup_intent_id: str, customer_id: str) -> SavedCard:
    """The card a confirmed SetupIntent of this customer saved, attached to the customer (Stripe attaches
    it; localstripe does not, so it is attached here when it is not)."""
    c = _client()
    si = _call(c.v1.setup_intents.retrieve, setup_intent_id)
    if _id(si.customer) != customer_id:
        raise StripeProblem("That card was set up for another customer.")
    if si.status != "succeeded" or not si.payment_method:
        raise Declined("The card was not confirmed. Please enter it again.", code=f"setup_{si.status}")
    pm = _call(c.v1.payment_methods.retrieve, _id(si.payment_method))
    owner = _id(pm.customer)
    if owner is None:
        pm = _call(c.v1.payment_methods.attach, pm.id, {"customer": customer_id}, dict(_WRITE))
    elif owner != customer_id:
        raise StripeProblem("That card belongs to another customer.")
    return SavedCard(pm.id, _card_label(pm))


def _card_label(pm) -> str:
    card = getattr(pm, "card", None)
    if card is None:
        return "Card"
    brand = str(getattr(card, "brand", "") or "card").replace("_", " ").title()
    label = f"{brand} ending {card.last4}"
    if getattr(card, "exp_month", None) and getattr(card, "exp_year", None):
        label += f", expires {int(card.exp_month):02d}/{card.exp_year}"
    return label[:64]


# -- payment intents ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Intent:
    id: str
    status: str  # Stripe's: succeeded | requires_action | requires_payment_method | processing | canceled ...
    amount: int
    charge_id: str | None
    client_secret: str
    error_message: str  # the last payment error, for the employer
    error_code: str
    metadata: dict[str, str]


def _intent(pi) -> Intent:
    err = getattr(pi, "last_payment_error", None)
    metadata = pi.metadata.to_dict() if hasattr(pi.metadata, "to_dict") else dict(pi.metadata or {})
    message = (getattr(err, "message", None) or "") if err else ""
    code = (getattr(err, "code", None) or "") if err else ""
    return Intent(pi.id, pi.status, pi.amount, _id(getattr(pi, "latest_charge", None)), pi.client_secret or "",
                  message, code, {str(k): str(v) for k, v in metadata.items()})


def create_intent(*, amount: int, currency: str, customer_id: str, payment_method_id: str, off_session: bool,
                  idempotency_key: str, metadata: dict[str, str]) -> Intent:
    """Create and confirm a PaymentIntent for a saved card (``off_session`` when the employer is away)."""
    params: dict[str, Any] = {
        "amount": amount, "currency": currency, "customer": customer_id, "payment_method": payment_method_id,
        "confirm": True, "payment_method_types": ["card"], "metadata": metadata,
    }
    if off_session:
        params["off_session"] = True
    pi = _call(_client().v1.payment_intents.create, params, {**_WRITE, "idempotency_key": idempotency_key})
    return _intent(pi)


def retrieve_intent(intent_id: str) -> Intent:
    return _intent(_call(_client().v1.payment_intents.retrieve, intent_id))


def cancel_intent(intent_id: str) -> Intent:
    return _intent(_call(_client().v1.payment_intents.cancel, intent_id, None, dict(_WRITE)))


def find_charged_intent(customer_id: str, payment_id: int) -> Intent | None:
    """The PaymentIntent that charged the customer for our Payment ``payment_id``, if any: how an attempt
    whose answer was lost is settled before anything is sent again."""
    c = _client()
    charges = _call(c.v1.charges.list, {"customer": customer_id, "limit": 100})
    for charge in charges.data:
        intent_id = _id(getattr(charge, "payment_intent", None))
        if not intent_id:
            continue
        intent = retrieve_intent(intent_id)
        if intent.metadata.get("payment_id") == str(payment_id):
            return intent
    return None


# -- refunds -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str  # succeeded | pending | failed | canceled
    amount: int
    metadata: dict[str, str]


def _refund(r) -> RefundResult:
    metadata = r.metadata.to_dict() if hasattr(r.metadata, "to_dict") else dict(r.metadata or {})
    return RefundResult(r.id, r.status, r.amount, {str(k): str(v) for k, v in metadata.items()})


def create_refund(*, intent_id: str, amount: int, idempotency_key: str, metadata: dict[str, str]) -> RefundResult:
    r = _call(_client().v1.refunds.create, {"payment_intent": intent_id, "amount": amount, "metadata": metadata},
              {**_WRITE, "idempotency_key": idempotency_key})
    return _refund(r)


def list_refunds(intent_id: str) -> list[RefundResult]:
    return [_refund(r) for r in _call(_client().v1.refunds.list, {"payment_intent": intent_id, "limit": 100}).data]


def find_refund(intent_id: str, refund_id: int) -> RefundResult | None:
    """Our Refund ``refund_id`` at Stripe, if it was made (looked up before a refund is sent again)."""
    return next((r for r in list_refunds(intent_id) if r.metadata.get("refund_id") == str(refund_id)), None)


# -- webhooks ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    id: str
    type: str
    object_id: str
    object_type: str
    payment_intent_id: str | None  # for charge and dispute events, the intent they belong to


def construct_event(payload: bytes, signature: str) -> Event:
    """Verify the signature on the raw body (``STRIPE_WEBHOOK_SECRET``); raises ValueError when it fails."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    if not secret:
        raise ValueError("STRIPE_WEBHOOK_SECRET is not set")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as e:
        raise ValueError(str(e)) from None
    obj = event.data.object
    return Event(event.id, event.type, getattr(obj, "id", "") or "", getattr(obj, "object", "") or "",
                 _id(getattr(obj, "payment_intent", None)))


def retrieve_charge_intent(charge_id: str) -> str | None:
    """The PaymentIntent a charge belongs to."""
    return _id(_call(_client().v1.charges.retrieve, charge_id).payment_intent)
