"""The booking state machine: a pure table of ``(status, action) -> status``. No Flask, no database.

Only ``portal.bookings.lifecycle.apply`` changes a booking's status, and only along these edges.
``decide(status, action)`` answers one of three things:

- ``Decision(APPLIED, to)``: the action moves the booking (``to`` may equal the status for actions that
  record something without moving it, such as a partial cancellation);
- ``Decision(REPEAT, status)``: the action was already applied (a duplicate webhook, a second click,
  two tabs): nothing changes and nothing is recorded;
- ``TransitionError``: the action is not allowed in this status (a discard of a submitted booking,
  an approval of a draft).

The back-office statuses (staffing, attendance, invoicing) are applied by the back office
(``portal.staffing``): staffing moves an approved booking to partially staffed or staffed (and back when
officers are removed), the first clock-in starts it, closing out its last shift completes and invoices it,
and the balance charged (or the excess refunded, or nothing owed) settles it. The back office's records that
move nothing (an officer assigned while work is under way, a clock time, a field note, one shift closed or
found unfillable among several) are actions too, so each lands on the timeline the employer watches.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class BookingStatus(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_DEPOSIT = "awaiting_deposit"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DENIED = "denied"
    CANCELLED = "cancelled"
    PARTIALLY_STAFFED = "partially_staffed"
    STAFFED = "staffed"
    UNFILLED = "unfilled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    INVOICED = "invoiced"
    PAID = "paid"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    BookingStatus.DRAFT: "Draft",
    BookingStatus.AWAITING_DEPOSIT: "Awaiting deposit",
    BookingStatus.SUBMITTED: "Submitted, awaiting the agency's approval",
    BookingStatus.APPROVED: "Approved",
    BookingStatus.DENIED: "Denied by the agency",
    BookingStatus.CANCELLED: "Cancelled",
    BookingStatus.PARTIALLY_STAFFED: "Partially staffed",
    BookingStatus.STAFFED: "Staffed",
    BookingStatus.UNFILLED: "Could not be staffed",
    BookingStatus.IN_PROGRESS: "In progress",
    BookingStatus.COMPLETED: "Completed",
    BookingStatus.INVOICED: "Invoiced",
    BookingStatus.PAID: "Paid",
    BookingStatus.REFUNDED: "Refunded",
}


class Action(enum.StrEnum):
    SUBMIT = "submit"  # the employer submits a draft
    DISCARD = "discard"  # the employer throws a draft away
    PAY_DEPOSIT = "pay_deposit"  # the deposit is paid (or, with no deposit due, the card is saved)
    APPROVE = "approve"
    DENY = "deny"
    CANCEL = "cancel"  # the whole booking
    CANCEL_PART = "cancel_part"  # one or more shifts, or fewer positions; the booking goes on
    RECORD_APPROVAL = "record_approval"  # a named approval the screening asked for (KCPD's tavern rule)
    STAFF_PARTLY = "staff_partly"
    STAFF_FULLY = "staff_fully"
    MARK_UNFILLED = "mark_unfilled"
    START = "start"
    COMPLETE = "complete"
    INVOICE = "invoice"
    PAY_INVOICE = "pay_invoice"
    REFUND_INVOICE = "refund_invoice"  # the invoice came out below the deposit and the rest was refunded
    UNSTAFF = "unstaff"  # the last officer was removed: the booking waits for staffing again
    ASSIGN = "assign"  # an officer assigned or removed while the work is under way
    UNFILL_SHIFT = "unfill_shift"  # one shift of several cannot be staffed: its share of the deposit is refunded
    CLOCK = "clock"  # a clock-in or clock-out recorded, or corrected
    FIELD_NOTE = "field_note"  # a note or file from the field
    CLOSE_SHIFT = "close_shift"  # one shift's attendance closed out while others remain open
    # Money events that move nothing but belong on the timeline
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_NEEDS_ACTION = "payment_needs_action"
    PAYMENT_SUCCEEDED = "payment_succeeded"
    REFUND_ISSUED = "refund_issued"
    REFUND_FAILED = "refund_failed"
    DISPUTE_OPENED = "dispute_opened"


S = BookingStatus
A = Action

LIVE = (S.APPROVED, S.PARTIALLY_STAFFED, S.STAFFED)  # approved and not yet worked
WORKING = (S.PARTIALLY_STAFFED, S.STAFFED, S.IN_PROGRESS)  # officers assigned; the work may be under way
BEFORE_WORK = (S.AWAITING_DEPOSIT, S.SUBMITTED, *LIVE)  # what an employer may still cancel
FINAL = frozenset({S.DENIED, S.CANCELLED, S.PAID, S.REFUNDED})
APPROVED_STATUSES = frozenset({*LIVE, S.UNFILLED, S.IN_PROGRESS, S.COMPLETED, S.INVOICED, S.PAID, S.REFUNDED})

TABLE: dict[tuple[BookingStatus, Action], BookingStatus] = {
    (S.DRAFT, A.SUBMIT): S.AWAITING_DEPOSIT,
    (S.DRAFT, A.DISCARD): S.CANCELLED,
    (S.AWAITING_DEPOSIT, A.PAY_DEPOSIT): S.SUBMITTED,
    (S.SUBMITTED, A.APPROVE): S.APPROVED,
    (S.SUBMITTED, A.DENY): S.DENIED,
    (S.SUBMITTED, A.RECORD_APPROVAL): S.SUBMITTED,
    **{(s, A.CANCEL): S.CANCELLED for s in BEFORE_WORK},
    **{(s, A.CANCEL_PART): s for s in BEFORE_WORK},
    **{(s, A.STAFF_PARTLY): S.PARTIALLY_STAFFED for s in LIVE},
    (S.APPROVED, A.STAFF_FULLY): S.STAFFED,
    (S.PARTIALLY_STAFFED, A.STAFF_FULLY): S.STAFFED,
    (S.PARTIALLY_STAFFED, A.UNSTAFF): S.APPROVED,
    (S.STAFFED, A.UNSTAFF): S.APPROVED,
    (S.IN_PROGRESS, A.ASSIGN): S.IN_PROGRESS,
    **{(s, A.MARK_UNFILLED): S.UNFILLED for s in LIVE},
    **{(s, A.UNFILL_SHIFT): s for s in (*LIVE, S.IN_PROGRESS)},
    (S.PARTIALLY_STAFFED, A.START): S.IN_PROGRESS,
    (S.STAFFED, A.START): S.IN_PROGRESS,
    **{(s, A.CLOCK): s for s in WORKING},  # a clock-in starts the work (START); the rest moves nothing
    **{(s, A.FIELD_NOTE): s for s in (*LIVE, S.IN_PROGRESS, S.COMPLETED, S.INVOICED, S.PAID, S.REFUNDED)},
    **{(s, A.CLOSE_SHIFT): s for s in WORKING},
    **{(s, A.COMPLETE): S.COMPLETED for s in WORKING},  # from staffed: nobody came at all
    (S.COMPLETED, A.INVOICE): S.INVOICED,
    (S.INVOICED, A.PAY_INVOICE): S.PAID,
    (S.INVOICED, A.REFUND_INVOICE): S.REFUNDED,
    # money events are recorded in any submitted status and move nothing
    **{(s, a): s for s in S if s is not S.DRAFT
       for a in (A.PAYMENT_FAILED, A.PAYMENT_NEEDS_ACTION, A.PAYMENT_SUCCEEDED, A.REFUND_ISSUED, A.REFUND_FAILED,
                 A.DISPUTE_OPENED)},
}

_AFTER_DEPOSIT = frozenset(S) - {S.DRAFT, S.AWAITING_DEPOSIT}

# Where an action is a harmless repeat: it (or something that supersedes it) has happened already.
REPEATS: dict[Action, frozenset[BookingStatus]] = {
    A.SUBMIT: frozenset(S) - {S.DRAFT, S.CANCELLED},
    A.DISCARD: frozenset({S.CANCELLED}),
    A.PAY_DEPOSIT: _AFTER_DEPOSIT,
    A.APPROVE: APPROVED_STATUSES,
    A.DENY: frozenset({S.DENIED}),
    A.CANCEL: frozenset({S.CANCELLED}),
    A.STAFF_FULLY: frozenset({S.STAFFED}),
    A.UNSTAFF: frozenset({S.APPROVED}),
    A.MARK_UNFILLED: frozenset({S.UNFILLED}),
    A.START: frozenset({S.IN_PROGRESS}),
    A.COMPLETE: frozenset({S.COMPLETED}),
    A.INVOICE: frozenset({S.INVOICED, S.PAID, S.REFUNDED}),
    A.PAY_INVOICE: frozenset({S.PAID}),
    A.REFUND_INVOICE: frozenset({S.REFUNDED}),
}


class Outcome(enum.Enum):
    APPLIED = "applied"
    REPEAT = "repeat"


class Decision(NamedTuple):
    outcome: Outcome
    status: BookingStatus


class TransitionError(ValueError):
    """An action the table does not allow in the booking's status."""

    def __init__(self, status: str, action: str):
        super().__init__(f"a booking that is {status} cannot take the action {action}")
        self.status = status
        self.action = action


def decide(status: str, action: str) -> Decision:
    """What ``action`` does to a booking in ``status``; raises TransitionError when it is not allowed."""
    try:
        current, act = BookingStatus(status), Action(action)
    except ValueError:
        raise TransitionError(status, action) from None
    to = TABLE.get((current, act))
    if to is not None:
        return Decision(Outcome.APPLIED, to)
    if current in REPEATS.get(act, ()):
        return Decision(Outcome.REPEAT, current)
    raise TransitionError(status, action)
