"""The booking state machine, as a table: every (status, action) pair is applied, a harmless repeat, or
refused; and the module stays pure (no Flask, no SQLAlchemy)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal.bookings import states
from portal.bookings.states import Action, BookingStatus, Decision, Outcome, TransitionError, decide

S, A = BookingStatus, Action

APPLIED = [
    (S.DRAFT, A.SUBMIT, S.AWAITING_DEPOSIT),
    (S.DRAFT, A.DISCARD, S.CANCELLED),
    (S.AWAITING_DEPOSIT, A.PAY_DEPOSIT, S.SUBMITTED),
    (S.SUBMITTED, A.APPROVE, S.APPROVED),
    (S.SUBMITTED, A.DENY, S.DENIED),
    (S.SUBMITTED, A.RECORD_APPROVAL, S.SUBMITTED),
    (S.AWAITING_DEPOSIT, A.CANCEL, S.CANCELLED),
    (S.SUBMITTED, A.CANCEL, S.CANCELLED),
    (S.APPROVED, A.CANCEL, S.CANCELLED),
    (S.STAFFED, A.CANCEL, S.CANCELLED),
    (S.APPROVED, A.CANCEL_PART, S.APPROVED),
    (S.SUBMITTED, A.CANCEL_PART, S.SUBMITTED),
    (S.APPROVED, A.STAFF_PARTLY, S.PARTIALLY_STAFFED),
    (S.PARTIALLY_STAFFED, A.STAFF_FULLY, S.STAFFED),
    (S.APPROVED, A.MARK_UNFILLED, S.UNFILLED),
    (S.STAFFED, A.START, S.IN_PROGRESS),
    (S.IN_PROGRESS, A.COMPLETE, S.COMPLETED),
    (S.COMPLETED, A.INVOICE, S.INVOICED),
    (S.INVOICED, A.PAY_INVOICE, S.PAID),
    (S.INVOICED, A.REFUND_INVOICE, S.REFUNDED),
    # the back office
    (S.PARTIALLY_STAFFED, A.STAFF_PARTLY, S.PARTIALLY_STAFFED),  # one more officer, not yet all: recorded
    (S.STAFFED, A.STAFF_PARTLY, S.PARTIALLY_STAFFED),  # an officer removed
    (S.STAFFED, A.UNSTAFF, S.APPROVED),  # every officer removed
    (S.IN_PROGRESS, A.ASSIGN, S.IN_PROGRESS),  # staffing a later shift while the first is worked
    (S.STAFFED, A.MARK_UNFILLED, S.UNFILLED),  # the last shift given up after its officers were removed
    (S.PARTIALLY_STAFFED, A.UNFILL_SHIFT, S.PARTIALLY_STAFFED),  # one shift of several
    (S.IN_PROGRESS, A.UNFILL_SHIFT, S.IN_PROGRESS),
    (S.PARTIALLY_STAFFED, A.START, S.IN_PROGRESS),  # the first clock-in
    (S.IN_PROGRESS, A.CLOCK, S.IN_PROGRESS),
    (S.STAFFED, A.CLOCK, S.STAFFED),  # "did not come" before anyone clocked in
    (S.STAFFED, A.FIELD_NOTE, S.STAFFED),
    (S.PAID, A.FIELD_NOTE, S.PAID),  # notes and files after the work, too
    (S.IN_PROGRESS, A.CLOSE_SHIFT, S.IN_PROGRESS),  # one shift closed out, others still open
    (S.STAFFED, A.COMPLETE, S.COMPLETED),  # closed out with nobody having come
    (S.CANCELLED, A.REFUND_ISSUED, S.CANCELLED),  # money events move nothing
    (S.APPROVED, A.DISPUTE_OPENED, S.APPROVED),
    (S.AWAITING_DEPOSIT, A.PAYMENT_FAILED, S.AWAITING_DEPOSIT),
]

REPEATS = [
    (S.SUBMITTED, A.PAY_DEPOSIT),  # a duplicate webhook after the synchronous answer
    (S.APPROVED, A.PAY_DEPOSIT),  # or one that comes late
    (S.CANCELLED, A.PAY_DEPOSIT),
    (S.AWAITING_DEPOSIT, A.SUBMIT),  # a second click on Submit
    (S.APPROVED, A.SUBMIT),
    (S.APPROVED, A.APPROVE),
    (S.STAFFED, A.APPROVE),
    (S.DENIED, A.DENY),
    (S.CANCELLED, A.CANCEL),
    (S.CANCELLED, A.DISCARD),
    (S.PAID, A.INVOICE),
    (S.APPROVED, A.UNSTAFF),  # the last officer removed twice (two tabs)
    (S.UNFILLED, A.MARK_UNFILLED),
    (S.COMPLETED, A.COMPLETE),
]

REFUSED = [
    (S.AWAITING_DEPOSIT, A.DISCARD),  # a discard racing a submission must not cancel it
    (S.SUBMITTED, A.DISCARD),
    (S.DRAFT, A.APPROVE),
    (S.DRAFT, A.PAY_DEPOSIT),
    (S.DRAFT, A.PAYMENT_FAILED),
    (S.AWAITING_DEPOSIT, A.APPROVE),  # the agency decides only once the deposit is paid
    (S.CANCELLED, A.SUBMIT),  # a discarded draft cannot be submitted
    (S.DENIED, A.APPROVE),
    (S.CANCELLED, A.APPROVE),
    (S.APPROVED, A.DENY),
    (S.IN_PROGRESS, A.CANCEL),  # a started booking is invoiced, not cancelled
    (S.COMPLETED, A.CANCEL_PART),
    (S.DENIED, A.CANCEL),
    (S.PAID, A.CANCEL),
    (S.SUBMITTED, A.STAFF_PARTLY),  # officers are assigned only once the agency has approved
    (S.APPROVED, A.START),  # nobody is assigned: nobody clocks in
    (S.COMPLETED, A.CLOCK),  # attendance is closed
    (S.APPROVED, A.CLOCK),
    (S.SUBMITTED, A.FIELD_NOTE),
    (S.INVOICED, A.CLOSE_SHIFT),
    (S.APPROVED, A.COMPLETE),  # never staffed: mark it unfilled instead
    (S.IN_PROGRESS, A.MARK_UNFILLED),  # work has begun: the rest is invoiced
    (S.COMPLETED, A.ASSIGN),
]


@pytest.mark.parametrize(("status", "action", "to"), APPLIED)
def test_applied(status, action, to):
    assert decide(status, action) == Decision(Outcome.APPLIED, to)


@pytest.mark.parametrize(("status", "action"), REPEATS)
def test_harmless_repeat(status, action):
    assert decide(status, action) == Decision(Outcome.REPEAT, status)


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_refused(status, action):
    with pytest.raises(TransitionError):
        decide(status, action)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(A))
def test_every_pair_has_exactly_one_answer(status, action):
    """No pair is both applied and a repeat; every answer names a known status."""
    applied = (status, action) in states.TABLE
    repeat = status in states.REPEATS.get(action, ())
    assert not (applied and repeat)
    if applied or repeat:
        assert decide(status, action).status in set(S)
    else:
        with pytest.raises(TransitionError):
            decide(status, action)


def test_unknown_names_are_refused():
    with pytest.raises(TransitionError):
        decide("lost", A.APPROVE)
    with pytest.raises(TransitionError):
        decide(S.SUBMITTED, "teleport")


def test_the_table_is_pure():
    tree = ast.parse(Path(states.__file__).read_text())
    imported = {n.module if isinstance(n, ast.ImportFrom) else a.name
                for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                for a in (n.names if isinstance(n, ast.Import) else [n])}
    assert imported <= {"__future__", "enum", "typing"}, imported


def test_every_status_has_a_label():
    assert all(s.label for s in S)
