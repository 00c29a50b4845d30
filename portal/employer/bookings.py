"""The employer's submitted bookings: status page (live), deposit and payments, cancellation, receipts.

Views parse a form, call a service (``portal.payments.actions`` where money moves, ``portal.bookings``
otherwise) and render; they compute no money. Every lookup is scoped to the signed-in employer's
organisation (``queries.get_booking_for`` 404s otherwise).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from portal import clock, pagecache, quote_forms
from portal.bookings import attachments, drafts, forms, lifecycle, money, queries, submission
from portal.bookings.states import APPROVED_STATUSES, BEFORE_WORK, FINAL, TransitionError
from portal.employer.views import _flash_result, _setup_intent, bp
from portal.extensions import db
from portal.htmx import see_other
from portal.models import BookingEvent, Cancellation, Payment, PaymentKind, PaymentStatus, Refund
from portal.payments import actions, client
from portal.pricing import RequestError
from portal.staffing import assignments, attendance, closeout

BOOKING = "employer/booking.html"
POLL_SECONDS = 4


def _now() -> datetime:
    return clock.now()


def _payment_of(booking, payment_id: int) -> Payment:
    payment = db.session.scalar(select(Payment).where(Payment.id == payment_id, Payment.booking_id == booking.id))
    if payment is None:
        abort(404)
    return payment


def booking_context(booking, *, now: datetime) -> dict[str, Any]:
    """What the booking page (and its live block) shows."""
    card = queries.card_of_booking(booking)
    payments = db.session.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)).all()
    refunds = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id).order_by(Refund.id)).all()
    deposit_attempt = next((p for p in reversed(payments) if p.kind == PaymentKind.DEPOSIT), None)
    cancellable = booking.status in BEFORE_WORK and booking.priced_request is not None
    paid, held = money.deposit(booking)
    fee_now = money.fee_now(booking, at=now, held=held) if cancellable else None
    organisation = booking.organisation
    return {
        "booking": booking, "card": card, "now": now,
        "preview": quote_forms.Preview(booking.quote) if booking.quote else None,
        "payments": payments, "refunds": refunds, "deposit_attempt": deposit_attempt,
        "deposit_paid": paid, "deposit_held": held, "amounts_due": actions.amounts_due(payments),
        "cancellable": cancellable, "fee_now": fee_now,
        "started": {s.id for s in booking.active_shifts if s.starts_at <= now},
        "approval": organisation.approval_for(booking.agency),
        "refusal": submission.refusal(organisation, booking.agency),
        "employer_review": card.employer_review,
        "asks_attire": drafts.asks_attire(card),
        "saved_card": organisation.card_label if organisation.payment_method_id else "",
        "payments_enabled": client.enabled(), "pay_form": forms.PayForm(),
        "boards": assignments.board(booking, card) if booking.status in APPROVED_STATUSES else [],
        "notes": attendance.notes_of(booking), "invoice": closeout.invoice_of(booking),
        "live": booking.status not in FINAL, "poll_seconds": POLL_SECONDS,
        "last_event": booking.events[-1].id if booking.events else 0,
    }


@bp.get("/requests/<int:booking_id>")
@pagecache.cached(lambda booking_id: [f"org:{current_user.organisation_id}"])
def booking(booking_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    if booking.is_draft:
        return redirect(url_for("employer.step", booking_id=booking.id, step=booking.step))
    return render_template(BOOKING, **booking_context(booking, now=_now()))


@bp.get("/requests/<int:booking_id>/live")
def booking_live(booking_id: int):
    """The booking page's live block, polled while the page is open: 204 while nothing has changed."""
    booking = queries.get_booking_for(current_user, booking_id)
    since = request.args.get("since", "")
    last = db.session.scalar(select(BookingEvent.id).where(BookingEvent.booking_id == booking.id)
                             .order_by(BookingEvent.id.desc()).limit(1)) or 0
    if since.isdigit() and int(since) == last and len(since) < 19:
        return "", 204
    return render_block(BOOKING, "live", **booking_context(booking, now=_now()))


# -- cards and payments ---------------------------------------------------------------------------------------
@bp.post("/payments/setup")
def card_setup():
    """A SetupIntent's client secret for Stripe.js (asked by the card form just before it confirms)."""
    if not client.enabled():
        return {"error": actions.NOT_CONFIGURED}, 503
    try:
        secret = actions.start_card_setup(current_user)
    except client.Unreachable:
        return {"error": actions.UNREACHABLE_MESSAGE}, 503
    except client.PaymentError as e:
        return {"error": e.message}, 422
    return {"client_secret": secret}


@bp.post("/requests/<int:booking_id>/deposit")
def pay_deposit(booking_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    form = forms.PayForm()
    if not form.validate():
        flash("Your form expired or the card was not confirmed. Please try again.", "error")
        return see_other(url_for("employer.booking", booking_id=booking.id))
    _flash_result(actions.pay_deposit(booking, current_user, setup_intent_id=_setup_intent(form)))
    return see_other(url_for("employer.booking", booking_id=booking.id))


@bp.post("/requests/<int:booking_id>/payments/<int:payment_id>/secret")
def payment_secret(booking_id: int, payment_id: int):
    """The client secret of an attempt waiting for the employer's bank (3-D Secure), for Stripe.js."""
    booking = queries.get_booking_for(current_user, booking_id)
    payment = _payment_of(booking, payment_id)
    if payment.status != PaymentStatus.REQUIRES_ACTION:
        return {"error": "This payment does not wait for your bank."}, 409
    try:
        return {"client_secret": actions.client_secret(payment)}
    except client.Unreachable:
        return {"error": actions.UNREACHABLE_MESSAGE}, 503
    except client.PaymentError as e:
        return {"error": e.message}, 422


@bp.post("/requests/<int:booking_id>/payments/<int:payment_id>/authenticated")
def payment_authenticated(booking_id: int, payment_id: int):
    """Stripe.js has run the bank's check: read the outcome."""
    booking = queries.get_booking_for(current_user, booking_id)
    payment = _payment_of(booking, payment_id)
    if forms.DiscardForm().validate():
        _flash_result(actions.after_authentication(payment))
    return see_other(url_for("employer.booking", booking_id=booking.id))


@bp.post("/requests/<int:booking_id>/payments/<int:payment_id>/pay")
def pay_due(booking_id: int, payment_id: int):
    """Pay a charge that did not go through (a cancellation fee above the deposit)."""
    booking = queries.get_booking_for(current_user, booking_id)
    payment = _payment_of(booking, payment_id)
    form = forms.PayForm()
    if payment.kind == PaymentKind.DEPOSIT or not form.validate():
        abort(400)
    _flash_result(actions.pay_due(booking, current_user, payment, setup_intent_id=_setup_intent(form)))
    return see_other(url_for("employer.booking", booking_id=booking.id))


@bp.get("/requests/<int:booking_id>/field-notes/<int:note_id>/file")
def field_file(booking_id: int, note_id: int):
    """A photo or document the agency added from the field."""
    booking = queries.get_booking_for(current_user, booking_id)
    note = attendance.note_file(booking, note_id)
    return attachments.send_stored(note.stored_name, note.content_type, note.original_name)


# -- cancellation ---------------------------------------------------------------------------------------------
def _spec(form: forms.CancelForm, booking, source) -> tuple[list[dict[str, Any]] | None, dict[str, str]]:
    """The cancellation asked for, by shift number (None: the whole booking), and errors by field."""
    scope = form.scope.data
    if scope == "booking":
        return None, {}
    number = form.shift.data
    rows = {s.number: s for s in booking.active_shifts}
    if number not in rows:
        return [], {"shift": "Choose a shift that is still booked."}
    if scope == "shift":
        return [{"shift": number}], {}
    removed: dict[str, int] = {}
    errors: dict[str, str] = {}
    for rank, have in rows[number].positions.items():
        text = str(source.get(f"remove_{rank}", "") or "").strip()
        if not text or text == "0":
            continue
        if not text.isascii() or not text.isdigit() or len(text) > 4 or not 0 < int(text) <= have:
            errors[f"remove_{rank}"] = f"A number from 0 to {have}."
            continue
        removed[rank] = int(text)
    if not removed and not errors:
        errors["positions"] = "Say how many officers to remove."
    return [{"shift": number, "positions": removed}], errors


def _cancel_page(booking, form, *, status: int = 200, settlement=None, errors=None, changed: bool = False):
    now = _now()
    return render_template(
        "employer/cancel.html", booking=booking, form=form, settlement=settlement, errors=errors or {},
        changed=changed, card=queries.card_of_booking(booking), now=now,
        started={s.id for s in booking.active_shifts if s.starts_at <= now},
        removing={k: request.values.get(k, "") for k in request.values if k.startswith("remove_")},
    ), status


@bp.route("/requests/<int:booking_id>/cancel", methods=["GET", "POST"])
def cancel(booking_id: int):
    """Choose what to cancel, see the fee owed now (with the rule and its source), then confirm."""
    booking = queries.get_booking_for(current_user, booking_id)
    if booking.status not in BEFORE_WORK:
        flash("This booking can no longer be cancelled here.", "info")
        return see_other(url_for("employer.booking", booking_id=booking.id))
    form = forms.CancelForm(formdata=request.form if request.method == "POST" else request.args,
                            meta={"csrf": request.method == "POST"})
    if not form.validate():
        return _cancel_page(booking, form, status=422 if request.method == "POST" else 200)
    spec, errors = _spec(form, booking, request.values)
    if errors and request.method == "GET" and set(errors) == {"positions"} \
            and not any(k.startswith("remove_") for k in request.args):
        return _cancel_page(booking, form)  # "Fewer officers" chosen: ask how many (nothing wrong yet)
    if errors:
        return _cancel_page(booking, form, status=422, errors=errors)
    now = _now()
    try:
        settlement = money.settlement(booking, spec, at=now)
    except RequestError as e:
        return _cancel_page(booking, form, status=422, errors={"": " ".join(err.message for err in e.errors)})
    if request.method == "GET" or request.form.get("action") != "confirm":
        return _cancel_page(booking, form, settlement=settlement)
    try:
        result = actions.cancel(booking, current_user, spec, at=now, confirmed_fee=form.confirmed_fee.data)
    except lifecycle.FeeChanged as changed:
        db.session.rollback()
        return _cancel_page(booking, form, status=409, settlement=changed.settlement, changed=True)
    except RequestError as e:
        db.session.rollback()
        return _cancel_page(booking, form, status=422, errors={"": " ".join(err.message for err in e.errors)})
    except TransitionError:
        db.session.rollback()
        flash("This booking can no longer be cancelled.", "info")
        return see_other(url_for("employer.booking", booking_id=booking.id))
    if result.repeat:
        flash("The booking was already cancelled.", "info")
        return see_other(url_for("employer.booking", booking_id=booking.id))
    receipt = result.cancellation
    flash("Cancelled. Your receipt is below." + (" The refund will be sent as soon as the payment service answers."
                                                  if result.refunds_pending else ""), "success")
    if result.charge is not None and result.charge.outcome != "paid":
        flash(f"The fee above your deposit was not charged: {result.charge.message} Please pay it on the booking "
              "page.", "warning")
    return see_other(url_for("employer.cancellation", booking_id=booking.id, cancellation_id=receipt.id))


@bp.get("/requests/<int:booking_id>/cancellations/<int:cancellation_id>")
def cancellation(booking_id: int, cancellation_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    receipt = db.session.scalar(select(Cancellation).where(Cancellation.id == cancellation_id,
                                                           Cancellation.booking_id == booking.id))
    if receipt is None:
        abort(404)
    refunds = db.session.scalars(select(Refund).where(Refund.cancellation_id == receipt.id)).all()
    charges = db.session.scalars(select(Payment).where(Payment.purpose == f"cancellation:{receipt.id}",
                                                       Payment.booking_id == booking.id)).all()
    return render_template("employer/receipt.html", booking=booking, receipt=receipt, refunds=refunds,
                           charges=charges, card=queries.card_of_booking(booking))
