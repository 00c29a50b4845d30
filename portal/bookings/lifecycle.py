"""The booking's life after submission: the agency's decision, approvals, cancellations.

``apply`` is the one caller of the state machine (``states.decide``): it locks the row, applies
the action with an update guarded by the status it read, and appends the event. The decisions
below (``decide_denial``, ``decide_cancellation``) write every row of their use case (the status,
the receipt, the refunds and charges owed as pending rows) and leave the commit, and the talking to
Stripe, to the caller (``portal.payments.actions``): one transaction per use case. ``approve`` and
``record_approval`` move no money and commit themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from portal.bookings import money, queries
from portal.bookings.states import Action, BookingStatus, Decision, Outcome, TransitionError, decide
from portal.extensions import db
from portal.formatting import money as dollars
from portal.models import (
    ApprovalStatus,
    Booking,
    BookingApproval,
    BookingEvent,
    Cancellation,
    Payment,
    PaymentKind,
    PaymentStatus,
    Refund,
    RefundStatus,
    ShiftState,
    User,
)
from portal.pricing.settlement import Settlement, remaining_positions

__all__ = [
    "FeeChanged",
    "Refused",
    "TransitionError",
    "apply",
    "approve",
    "decide_cancellation",
    "decide_denial",
    "owe_deposit_refunds",
    "owe_refund",
    "record_approval",
    "required_approvals",
]


class Refused(Exception):
    """A use case the rules do not allow now, with a sentence for the user."""


class FeeChanged(Exception):
    """The fee is not the one the employer confirmed (a window opened meanwhile): show it again."""

    def __init__(self, settlement: Settlement):
        super().__init__(f"the fee is now {settlement.fee_cents} cents")
        self.settlement = settlement


def apply(booking: Booking, action: Action, *, actor: User | None, note: str = "",
          data: dict[str, Any] | None = None) -> Decision:
    """Apply ``action``: lock, decide, update guarded by the status read, append the event. The caller
    commits. A harmless repeat changes and records nothing; a forbidden move raises TransitionError."""
    locked = queries.lock(booking.id)
    current = locked.status
    decision = decide(current, action)
    if decision.outcome is Outcome.REPEAT:
        return decision
    if decision.status != current:
        result = db.session.execute(
            update(Booking).where(Booking.id == locked.id, Booking.status == current).values(status=decision.status)
        )
        if result.rowcount != 1:
            raise TransitionError(current, action)
        set_committed_value(locked, "status", str(decision.status))
    db.session.add(BookingEvent(
        booking_id=locked.id, actor_id=actor.id if actor else None, action=str(action), from_status=current,
        to_status=str(decision.status), note=note[:500], data=data or {},
    ))
    return decision


# -- the agency's decision -----------------------------------------------------------------------------
def required_approvals(booking: Booking) -> list[dict[str, Any]]:
    """The named approvals the booking's screening asks for, each with its record if entered."""
    recorded = {a.code: a for a in booking.approvals}
    return [{**a, "record": recorded.get(a["code"])} for a in (booking.quote or {}).get("approvals", [])]


def record_approval(booking: Booking, code: str, *, approved_by_name: str, note: str, actor: User) -> bool:
    """Record that the named approval ``code`` was given (by whom, as the coordinator says). Commits.
    False when it was already recorded (a second click)."""
    wanted = next((a for a in required_approvals(booking) if a["code"] == code), None)
    if wanted is None:
        raise Refused("This booking does not need that approval.")
    if wanted["record"] is not None:
        return False
    queries.lock(booking.id)
    decision = apply(booking, Action.RECORD_APPROVAL, actor=actor,
                     note=f"Approval recorded: {wanted['name']}, given by {approved_by_name}.",
                     data={"code": code, "approved_by": approved_by_name})
    if decision.outcome is Outcome.REPEAT:
        db.session.rollback()
        return False
    db.session.add(BookingApproval(booking_id=booking.id, code=code, approver=wanted["name"],
                                   approved_by_name=approved_by_name, note=note, recorded_by_id=actor.id))
    try:
        db.session.commit()
    except IntegrityError:  # recorded by someone else at the same moment
        db.session.rollback()
        return False
    return True


def approve(booking: Booking, actor: User) -> Decision:
    """The agency approves a submitted booking: only for an employer it has approved, and only once every
    approval the screening named is recorded. Commits."""
    locked = queries.lock(booking.id)
    if locked.status == BookingStatus.SUBMITTED:
        employer = locked.organisation.approval_for(locked.agency)
        if employer is not None and employer.status == ApprovalStatus.SUSPENDED:
            db.session.rollback()
            raise Refused(f"{locked.organisation.legal_name} is suspended as an employer: no request of theirs can "
                          "be approved until it is reinstated.")
        if employer is None or employer.status != ApprovalStatus.APPROVED:
            db.session.rollback()
            raise Refused(f"Approve {locked.organisation.legal_name} as an employer first.")
        missing = [a["name"] for a in required_approvals(locked) if a["record"] is None]
        if missing:
            db.session.rollback()
            raise Refused(f"Record the approval of the {', '.join(missing)} first.")
    decision = apply(locked, Action.APPROVE, actor=actor, note=f"Approved by {locked.agency.short_name}.")
    db.session.commit()
    return decision


def decide_denial(booking: Booking, actor: User, reason: str) -> Decision:
    """Deny a submitted booking with a reason; the whole deposit held is owed back (pending refunds)."""
    locked = queries.lock(booking.id)
    held = money.deposit_held(locked)
    decision = apply(locked, Action.DENY, actor=actor, note=f"Denied: {reason}",
                     data={"reason": reason, "refund_cents": held})
    if decision.outcome is Outcome.APPLIED and held:
        owe_deposit_refunds(locked, held, reason="denied")
    return decision


# -- cancellation ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CancellationDecision:
    decision: Decision
    cancellation: Cancellation | None  # None for a repeat


def decide_cancellation(booking: Booking, actor: User, cancel: list[dict[str, Any]] | None, *, at: datetime,
                        confirmed_fee: int | None = None) -> CancellationDecision:
    """Cancel ``cancel`` (shift numbers, see ``money.settlement``; None: the whole booking) at ``at``: the
    receipt, the shifts, the status, the refund and the charge owed. Raises ``FeeChanged`` when the fee
    is not ``confirmed_fee`` (what the employer saw), ``RequestError`` for a cancellation that cannot be
    done (a started shift, a reduction below a staffing minimum), TransitionError when the booking can
    no longer be cancelled."""
    locked = queries.lock(booking.id)
    action = Action.CANCEL if cancel is None else Action.CANCEL_PART
    if decide(locked.status, action).outcome is Outcome.REPEAT:
        return CancellationDecision(Decision(Outcome.REPEAT, BookingStatus(locked.status)), None)
    s = money.settlement(locked, cancel, at=at)
    if confirmed_fee is not None and confirmed_fee != s.fee_cents:
        raise FeeChanged(s)
    # The booking ends when nothing of it is left (every remaining shift named); a "whole" cancellation
    # that finds a shift started leaves that shift to be invoiced.
    action = Action.CANCEL if s.whole else Action.CANCEL_PART
    rows = money.shift_numbers(locked, s)
    held = s.deposit_held_cents
    receipt = Cancellation(
        booking_id=locked.id, at=at, actor_id=actor.id, whole=s.whole, approved=s.approved, fee_cents=s.fee_cents,
        kept_cents=min(s.fee_cents, held), deposit_held_cents=held, deposit_after_cents=s.deposit_after_cents,
        refund_cents=s.refund_cents, charge_cents=s.charge_cents, rule=s.rule, source=s.source,
        settlement=_receipt_figures(s, rows),
    )
    db.session.add(receipt)
    remaining = iter((s.remaining or {}).get("shifts", []))
    for row in locked.active_shifts:
        fee = next((f for f, r in zip(s.shifts, rows, strict=True) if r is row), None)
        if fee is None:
            next(remaining)
        elif fee.whole:
            row.state = ShiftState.CANCELLED
        else:
            row.positions = remaining_positions(row.positions, dict(fee.removed))
            row.vehicles = next(remaining)["vehicles"]
    if not s.whole:
        left = locked.active_shifts
        locked.starts_at = min(r.starts_at for r in left)
        locked.ends_at = max(r.ends_at for r in left)
        locked.total_cents = money.quote_of(locked).total_cents
    decision = apply(locked, action, actor=actor, note=_cancel_note(s, rows),
                     data={"fee_cents": s.fee_cents, "refund_cents": s.refund_cents, "charge_cents": s.charge_cents})
    db.session.flush()
    if s.refund_cents:
        owe_deposit_refunds(locked, s.refund_cents, reason="cancellation", cancellation=receipt)
    if s.charge_cents:
        db.session.add(Payment(
            booking_id=locked.id, kind=PaymentKind.CANCELLATION_FEE, purpose=f"cancellation:{receipt.id}",
            amount_cents=s.charge_cents, off_session=True, idempotency_key=_key("fee", receipt.id),
            created_by_id=actor.id, stripe_payment_method_id=locked.organisation.payment_method_id,
            card_label=locked.organisation.card_label,
        ))
    return CancellationDecision(decision, receipt)


def _receipt_figures(s: Settlement, rows) -> dict[str, Any]:
    d = s.to_dict()
    for entry, row in zip(d["shifts"], rows, strict=True):
        entry["shift"] = row.number
        entry["starts_at"] = row.starts_at.astimezone(s.at.tzinfo).isoformat()  # the agency's zone
    return d


def _cancel_note(s: Settlement, rows) -> str:
    if s.whole:
        what = "The booking was cancelled"
    else:
        parts = []
        for f, row in zip(s.shifts, rows, strict=True):
            if f.whole:
                parts.append(f"shift {row.number} cancelled")
            else:
                removed = ", ".join(f"{n} {rk}" for rk, n in f.removed)
                parts.append(f"shift {row.number} reduced by {removed}")
        what = "; ".join(parts).capitalize()
    return (f"{what}. Fee {dollars(s.fee_cents)}; refund {dollars(s.refund_cents)}"
            + (f"; {dollars(s.charge_cents)} to charge to the saved card" if s.charge_cents else "") + ".")


# -- refunds owed -------------------------------------------------------------------------------------------
def _key(kind: str, *parts: object) -> str:
    import secrets

    return f"dd-{kind}-{'-'.join(str(p) for p in parts)}-{secrets.token_hex(8)}"[:64]


def refundable(payment: Payment) -> int:
    """What is left of a successful payment to refund (refunds owed or made already count)."""
    if payment.status != PaymentStatus.SUCCEEDED:
        return 0
    db.session.flush()
    taken = db.session.scalar(select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
        Refund.payment_id == payment.id, Refund.status != RefundStatus.FAILED))
    return payment.amount_cents - int(taken or 0)


def owe_refund(payment: Payment, amount: int, *, reason: str, cancellation: Cancellation | None = None) -> int:
    """A pending refund of up to ``amount`` from ``payment``, bounded by what is left of it: never more
    than was paid. Returns the amount owed back. The caller commits; ``portal.payments`` sends it."""
    take = min(amount, refundable(payment))
    if take > 0:
        db.session.add(Refund(payment_id=payment.id, booking_id=payment.booking_id, reason=reason, amount_cents=take,
                              cancellation_id=cancellation.id if cancellation else None,
                              idempotency_key=_key("refund", payment.id)))
        db.session.flush()
    return max(take, 0)


def owe_deposit_refunds(booking: Booking, amount: int, *, reason: str,
                        cancellation: Cancellation | None = None) -> None:
    """Pending refunds for ``amount``, taken from the booking's successful deposit payments, newest first."""
    payments = db.session.scalars(
        select(Payment).where(Payment.booking_id == booking.id, Payment.kind == PaymentKind.DEPOSIT,
                              Payment.status == PaymentStatus.SUCCEEDED).order_by(Payment.id.desc())
    ).all()
    left = amount
    for p in payments:
        left -= owe_refund(p, left, reason=reason, cancellation=cancellation)
        if not left:
            break
