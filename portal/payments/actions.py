"""The use cases that move money: pay the deposit, save a card, complete 3-D Secure, pay what is due,
cancel (with the fee kept and the rest refunded), deny (all refunded), a shift the agency cannot fill (its
share refunded), close out (the invoice's balance charged off-session, or the excess of the deposit refunded).

Each decides and commits first (the booking's rows, with the payment or refund owed as a pending row),
then talks to Stripe, then records the answer. A declined card or a Stripe outage leaves the booking
and every row intact: the employer sees why and tries again; pending refunds and charges are sent
again by the next action or by ``flask payments reconcile``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.bookings import lifecycle, queries
from portal.bookings.states import Action, Outcome, TransitionError, decide
from portal.extensions import db
from portal.models import Booking, Cancellation, Invoice, Organisation, Payment, PaymentKind, PaymentStatus, User
from portal.models.payments import OPEN_PAYMENT_STATUSES
from portal.models.types import utcnow
from portal.payments import attempts, client, refunds
from portal.staffing import assignments, closeout

NOT_CONFIGURED = "Online payment is not set up on this portal yet. Please contact the agency."
UNREACHABLE_MESSAGE = ("We could not reach the payment service, so nothing was charged twice and your request is "
                       "saved. Please try again in a minute.")


@dataclass(frozen=True)
class PayResult:
    """What happened to a payment request, for the page to say."""

    outcome: str  # paid | saved | requires_action | declined | unavailable | in_progress | already | refused
    message: str = ""
    payment: Payment | None = None


# -- cards -------------------------------------------------------------------------------------------------
def customer_for(organisation: Organisation, user: User) -> str:
    """The organisation's Stripe customer, created on first use. Commits."""
    if organisation.stripe_customer_id:
        return organisation.stripe_customer_id
    customer = client.create_customer(name=organisation.legal_name, email=user.email, organisation_id=organisation.id)
    org = db.session.scalar(select(Organisation).where(Organisation.id == organisation.id).with_for_update())
    if org.stripe_customer_id:  # another request made one meanwhile: keep the first
        db.session.rollback()
        return org.stripe_customer_id
    org.stripe_customer_id = customer
    db.session.commit()
    return customer


def start_card_setup(user: User) -> str:
    """A SetupIntent's client secret, for Stripe.js to confirm the card the employer types. Raises
    ``client.PaymentError`` (``Unreachable`` when Stripe is down)."""
    organisation = user.organisation
    _, secret = client.create_setup_intent(customer_for(organisation, user), organisation_id=organisation.id)
    return secret


def save_card(user: User, setup_intent_id: str) -> str:
    """Keep the card a confirmed SetupIntent saved as the organisation's card for later charges. Commits;
    returns its label. Raises ``client.PaymentError``."""
    organisation = user.organisation
    card = client.saved_card_from_setup(setup_intent_id, customer_for(organisation, user))
    organisation.payment_method_id = card.payment_method_id
    organisation.card_label = card.label
    db.session.commit()
    return card.label


# -- the deposit --------------------------------------------------------------------------------------------
def open_attempt(booking_id: int, purpose: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(
        Payment.booking_id == booking_id, Payment.purpose == purpose, Payment.status.in_(OPEN_PAYMENT_STATUSES)))


def pay_deposit(booking: Booking, user: User, *, setup_intent_id: str | None = None) -> PayResult:
    """Pay the booking's deposit with the card just set up (``setup_intent_id``) or the saved one; with no
    deposit due, only save the card. Double clicks, refreshes, two tabs and retries make one charge."""
    try:
        decide(booking.status, Action.PAY_DEPOSIT)
    except TransitionError:
        return PayResult("refused", "This request can no longer be paid.")
    refused = _ready_to_pay(user, setup_intent_id)
    if refused is not None:
        return refused
    return _charge(booking, user, purpose="deposit", kind=PaymentKind.DEPOSIT, new_card=bool(setup_intent_id))


def _ready_to_pay(user: User, setup_intent_id: str | None) -> PayResult | None:
    """Payments are set up, and the card just confirmed (if any) is saved; else why not."""
    if not client.enabled():
        return PayResult("refused", NOT_CONFIGURED)
    if setup_intent_id:
        try:
            save_card(user, setup_intent_id)
        except client.Unreachable:
            return PayResult("unavailable", UNREACHABLE_MESSAGE)
        except client.PaymentError as e:
            return PayResult("declined", e.message)
    return None


def _charge(booking: Booking, user: User, *, purpose: str, kind: PaymentKind, new_card: bool,
            amount: int | None = None) -> PayResult:
    organisation = booking.organisation
    locked = queries.lock(booking.id)
    if kind == PaymentKind.DEPOSIT:
        decision = decide(locked.status, Action.PAY_DEPOSIT)
        if decision.outcome is Outcome.REPEAT:
            db.session.rollback()
            return PayResult("already", "The deposit is paid.")
        amount = locked.deposit_cents or 0
    existing = open_attempt(locked.id, purpose)
    if existing is not None:
        db.session.rollback()
        return _continue(existing, organisation, replace=new_card, user=user, kind=kind, booking=booking,
                         purpose=purpose, amount=amount)
    if not organisation.payment_method_id:
        db.session.rollback()
        return PayResult("refused", "Enter a card first.")
    if kind == PaymentKind.DEPOSIT and not amount:
        lifecycle.apply(locked, Action.PAY_DEPOSIT, actor=user,
                        note=f"No deposit is due; {organisation.card_label} is saved for the final invoice.",
                        data={"card": organisation.card_label})
        db.session.commit()
        return PayResult("saved", f"No deposit is due. We saved {organisation.card_label} for the final invoice.")
    payment = Payment(
        # the employer is here, paying: on-session (the charges made without them are off-session rows
        # written by the cancellation and the close-out)
        booking_id=locked.id, kind=kind, purpose=purpose, amount_cents=amount, off_session=False,
        idempotency_key=f"dd-{kind}-{locked.id}-{secrets.token_hex(8)}", claimed_at=utcnow(),
        stripe_payment_method_id=organisation.payment_method_id, card_label=organisation.card_label,
        created_by_id=user.id,
    )
    db.session.add(payment)
    try:
        db.session.commit()  # the row and its key exist before Stripe hears of them
    except IntegrityError:  # another tab started the same payment a moment ago
        db.session.rollback()
        other = open_attempt(booking.id, purpose)
        return _result(other) if other is not None else PayResult("in_progress", "The payment is in progress.")
    return _send(payment, organisation, maybe_sent=False)


def _send(payment: Payment, organisation: Organisation, *, maybe_sent: bool) -> PayResult:
    try:
        attempts.send(payment, organisation.stripe_customer_id or "", maybe_sent=maybe_sent)
    except client.Unreachable:
        return PayResult("unavailable", UNREACHABLE_MESSAGE, payment)
    return _result(payment)


def _continue(payment: Payment, organisation: Organisation, *, replace: bool, user: User, kind: PaymentKind,
              booking: Booking, purpose: str, amount: int | None) -> PayResult:
    """An attempt for the same purpose is open: finish it rather than start another."""
    if payment.status == PaymentStatus.SUCCEEDED:
        return PayResult("already", "It is paid already.", payment)
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        if not replace:
            return _result(payment)
        # the employer chose another card: give up the one waiting for authentication, unless it was paid
        try:
            attempts.refresh(payment)
            if payment.status == PaymentStatus.REQUIRES_ACTION and payment.stripe_payment_intent_id:
                attempts.record(payment, client.cancel_intent(payment.stripe_payment_intent_id))
            db.session.commit()
        except client.Unreachable:
            db.session.rollback()
            return PayResult("unavailable", UNREACHABLE_MESSAGE, payment)
        except client.PaymentError:
            db.session.rollback()
            attempts.refresh(payment)
            db.session.commit()
        if payment.status == PaymentStatus.SUCCEEDED:
            return PayResult("already", "It is paid already.", payment)
        return _charge(booking, user, purpose=purpose, kind=kind, new_card=False, amount=amount)
    # pending: someone is talking to Stripe about it, or its answer was lost
    maybe_sent = payment.failure_code == attempts.UNREACHABLE or payment.claimed_at is not None
    if not attempts.claim(payment):
        return PayResult("in_progress", "The payment is in progress. This page will show the result in a moment.",
                         payment)
    return _send(payment, organisation, maybe_sent=maybe_sent)


def _result(payment: Payment) -> PayResult:
    status = payment.status
    if status == PaymentStatus.SUCCEEDED:
        return PayResult("paid", f"Paid with {payment.card_label}." if payment.card_label else "Paid.", payment)
    if status == PaymentStatus.REQUIRES_ACTION:
        return PayResult("requires_action", "Your bank asks you to confirm this payment.", payment)
    if status == PaymentStatus.FAILED:
        return PayResult("declined", payment.failure_message or "The payment did not go through.", payment)
    if status == PaymentStatus.CANCELED:
        return PayResult("declined", "The payment was cancelled.", payment)
    if payment.failure_code == attempts.UNREACHABLE:
        return PayResult("unavailable", UNREACHABLE_MESSAGE, payment)
    return PayResult("in_progress", "The payment is in progress. This page will show the result in a moment.", payment)


def client_secret(payment: Payment) -> str:
    """For Stripe.js to run the bank's check on an attempt waiting for it. Raises ``client.PaymentError``."""
    return client.retrieve_intent(payment.stripe_payment_intent_id or "").client_secret


def after_authentication(payment: Payment) -> PayResult:
    """The browser finished the bank's check (or gave up): read the outcome from Stripe. Commits."""
    try:
        attempts.refresh(payment)
    except client.Unreachable:
        db.session.rollback()
        return PayResult("unavailable", UNREACHABLE_MESSAGE, payment)
    db.session.commit()
    return _result(payment)


def pay_due(booking: Booking, user: User, payment: Payment, *, setup_intent_id: str | None = None) -> PayResult:
    """Pay a charge that failed or waits for the employer (a cancellation fee above the deposit)."""
    refused = _ready_to_pay(user, setup_intent_id)
    if refused is not None:
        return refused
    return _charge(booking, user, purpose=payment.purpose, kind=PaymentKind(payment.kind),
                   new_card=bool(setup_intent_id), amount=payment.amount_cents)


def amounts_due(payments: list[Payment]) -> list[Payment]:
    """Of a booking's payments (in order), the charges the employer still owes: the latest attempt of each
    purpose other than the deposit that did not go through (and was not paid by a later attempt)."""
    latest: dict[str, Payment] = {}
    for p in payments:
        if p.kind != PaymentKind.DEPOSIT:
            latest[p.purpose] = p
    return [p for p in latest.values() if p.status in (PaymentStatus.FAILED, PaymentStatus.REQUIRES_ACTION,
                                                        PaymentStatus.CANCELED)
            or (p.status == PaymentStatus.PENDING and p.failure_code == attempts.UNREACHABLE)]


# -- deciding with money ------------------------------------------------------------------------------------
def deny(booking: Booking, user: User, reason: str) -> None:
    """The agency denies the request; the deposit is refunded in full."""
    lifecycle.decide_denial(booking, user, reason)
    db.session.commit()
    refunds.send_pending(booking.id)


@dataclass(frozen=True)
class CancelResult:
    repeat: bool
    cancellation: Cancellation | None
    refunds_pending: bool  # a refund could not be sent yet (Stripe unreachable): it will be
    charge: PayResult | None  # the fee above the deposit, charged to the saved card


def cancel(booking: Booking, user: User, cancel_spec: list[dict[str, Any]] | None, *, at: datetime,
           confirmed_fee: int | None) -> CancelResult:
    """Cancel (part of) the booking at ``at``: keep the fee, refund the rest, charge what the deposit does
    not cover. Raises ``lifecycle.FeeChanged``, ``RequestError`` and ``TransitionError`` (see
    ``lifecycle.decide_cancellation``)."""
    decided = lifecycle.decide_cancellation(booking, user, cancel_spec, at=at, confirmed_fee=confirmed_fee)
    if decided.decision.outcome is Outcome.REPEAT:
        db.session.rollback()
        return CancelResult(True, None, False, None)
    receipt = decided.cancellation
    db.session.commit()
    left = refunds.send_pending(booking.id) if receipt.refund_cents else []
    charge = None
    if receipt.charge_cents:
        payment = open_attempt(booking.id, f"cancellation:{receipt.id}")
        if payment is not None and attempts.claim(payment):
            charge = _send(payment, booking.organisation, maybe_sent=False)
    return CancelResult(False, receipt, bool(left), charge)


# -- the back office ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settled:
    """What a back-office decision sent to Stripe."""

    refunds_pending: bool  # a refund could not be sent yet (Stripe unreachable): it will be
    charge: PayResult | None  # the invoice's balance, charged to the saved card


def _collect(booking: Booking) -> Settled:
    """After a committed decision: send its refunds, and charge the invoice's balance if one is owed."""
    left = refunds.send_pending(booking.id)
    charge = None
    payment = open_attempt(booking.id, closeout.BALANCE)
    if payment is not None and payment.status == PaymentStatus.PENDING and attempts.claim(payment):
        charge = _send(payment, booking.organisation, maybe_sent=False)
    return Settled(bool(left), charge)


def close_out(booking: Booking, user: User, shift_id: int, *, now: datetime) -> tuple[Invoice | None, Settled]:
    """Close out a shift; the last one invoices the booking and collects its balance. Raises ``Refused``."""
    invoice = closeout.close_shift(booking, shift_id, user, now=now)
    db.session.commit()
    return invoice, (_collect(booking) if invoice is not None else Settled(False, None))


def mark_unfilled(booking: Booking, user: User, shift_id: int, reason: str) -> tuple[int, Invoice | None, Settled]:
    """A shift the agency cannot staff: its share of the deposit is refunded in full; when the shifts left are
    all closed out already, the booking is invoiced now. Raises ``Refused``."""
    refund = assignments.decide_unfilled(booking, shift_id, user, reason)
    invoice = None
    locked = queries.lock(booking.id)
    if assignments.completes_after_unfilled(locked):
        invoice = closeout.decide_invoice(locked, user, "Every shift left is closed out: the work is complete.")
    db.session.commit()
    return refund, invoice, _collect(booking)


def send_owed(booking: Booking) -> None:
    """Send what is owed and not yet sent for a booking (refunds; charges left pending by an outage)."""
    refunds.send_pending(booking.id)
