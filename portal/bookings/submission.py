"""Submission: a draft re-validated step by step, priced again at the moment of submission with the
current card, and frozen: the priced request body (with ``submitted_at``), the card version, the quote
and the shifts. The deposit follows (``portal.payments.deposits``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from portal import accounts
from portal.bookings import drafts, lifecycle, queries
from portal.bookings.states import Action, Outcome, TransitionError
from portal.extensions import db
from portal.formatting import money
from portal.models import Agency, ApprovalStatus, Booking, BookingShift, BookingStatus, Organisation, User
from portal.pricing import RateCard


@dataclass
class Problem:
    step: str  # the wizard step that fixes it; "" when no step can (the agency declined the employer)
    message: str


def refusal(organisation: Organisation | None, agency: Agency) -> str | None:
    """Why the agency takes no requests from the organisation (it denied or suspended it), or None."""
    approval = organisation.approval_for(agency) if organisation is not None else None
    if approval is None:
        return None
    if approval.status == ApprovalStatus.DENIED:
        return f"{agency.short_name} has declined to work with {organisation.legal_name}."
    if approval.status == ApprovalStatus.SUSPENDED:
        return f"{agency.short_name} has suspended its work with {organisation.legal_name}."
    return None


class SubmitRefused(Exception):
    def __init__(self, problems: list[Problem], result=None):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
        self.result = result  # the draft as check_draft priced it, for the review page to show


def check_draft(booking: Booking, card: RateCard, *, now: datetime) -> tuple[list[Problem], Any]:
    """Re-validate every step from the stored data, with the same forms; price with the current card."""
    from portal.bookings import forms

    data = drafts.draft_data(booking)
    problems: list[Problem] = []
    refused = refusal(booking.organisation, booking.agency)
    if refused:
        problems.append(Problem("", f"{refused} It takes no requests from your organisation."))

    def form_problems(step: str, form) -> None:
        form.validate()
        for name, messages in form.errors.items():
            label = getattr(getattr(form, name, None), "label", None)
            for message in messages if isinstance(messages, list) else [messages]:
                problems.append(Problem(step, f"{label.text if label else name}: {message}"))

    location = forms.LocationForm(
        formdata=MultiDict({k: data[k] or "" for k in forms.LocationForm.FIELDS}), meta={"csrf": False}
    )
    location.agency.choices = [(booking.agency.slug, booking.agency.name)]
    form_problems("location", location)
    for block in drafts.advice(card, data, now=now, location_only=True).blocks:
        problems.append(Problem("location", block["message"]))
    work = forms.work_form_class(card)(formdata=MultiDict(forms.work_formdata(card, data)), meta={"csrf": False})
    form_problems("work", work)
    orders = forms.OrdersForm(
        formdata=MultiDict({k: data[k] or "" for k in forms.OrdersForm.FIELDS}), meta={"csrf": False}
    )
    form_problems("orders", orders)

    result = drafts.price(card, data, now=now)
    if result.quote is None:
        for message in result.missing + result.problems:
            problems.append(Problem("shifts", message))
        for messages in result.field_errors.values():
            problems.extend(Problem("shifts", m) for m in messages)
    else:
        for block in result.quote["blocks"]:
            problems.append(Problem("shifts", f"{card.short_name} will not take this request: {block['message']}"))
    return problems, result


def submit(booking: Booking, user: User, *, now: datetime) -> bool:
    """Submit a draft: re-validate, re-price with the current card at ``now``, freeze what was priced.

    Returns False when the booking was already submitted (a second click, another tab: nothing happens).
    Raises SubmitRefused listing what to fix. The client never sends a price. Commits.
    """
    locked = queries.lock(booking.id)
    if locked.status != BookingStatus.DRAFT:
        db.session.rollback()
        return False
    version, card = queries.card_for(locked)
    problems, result = check_draft(locked, card, now=now)
    if problems:
        db.session.rollback()
        raise SubmitRefused(problems, result)
    q = result.quote
    body = {**result.body, "submitted_at": now.astimezone(card.zone).isoformat()}
    locked.shifts.clear()
    for i, (requested, quoted) in enumerate(zip(body["shifts"], q["shifts"], strict=True)):
        starts_at, ends_at = datetime.fromisoformat(quoted["start"]), datetime.fromisoformat(quoted["end"])
        local_start, local_end = datetime.fromisoformat(requested["start"]), datetime.fromisoformat(requested["end"])
        locked.shifts.append(BookingShift(
            position=i, local_date=local_start.date(), local_start=local_start.time(),
            local_end=local_end.time(), local_end_date=ends_at.date(),
            starts_at=starts_at, ends_at=ends_at, requested=dict(requested["positions"]),
            positions=dict(quoted["positions"]), vehicles=quoted["vehicles"], job_type=quoted["job_type"],
            total_cents=quoted["total_cents"],
        ))
    locked.priced_request = body
    locked.quote = q
    locked.rate_card_version_id = version.id
    locked.total_cents = q["total_cents"]
    locked.deposit_cents = q["deposit_cents"]
    locked.submitted_at = now
    locked.starts_at = min(s.starts_at for s in locked.shifts)
    locked.ends_at = max(s.ends_at for s in locked.shifts)
    locked.step = "review"
    try:
        decision = lifecycle.apply(
            locked, Action.SUBMIT, actor=user,
            note=f"Submitted with a quote of {money(q['total_cents'])} on rate card version {version.version}.",
            data={"total_cents": q["total_cents"], "deposit_cents": q["deposit_cents"],
                  "rate_card_version": version.version},
        )
    except TransitionError:  # discarded meanwhile (another tab)
        db.session.rollback()
        return False
    if decision.outcome is Outcome.REPEAT:
        db.session.rollback()
        return False
    db.session.commit()
    approval = user.organisation.approval_for(locked.agency) if user.organisation else None
    if approval is None:
        accounts.request_approval(user, locked.agency)  # the agency now sees the organisation pending
    return True


def needs_employer_review(booking: Booking, user: User) -> bool:
    approval = user.organisation.approval_for(booking.agency) if user.organisation else None
    return approval is None or approval.status != ApprovalStatus.APPROVED


