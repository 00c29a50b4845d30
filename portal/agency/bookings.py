"""The agency's side of a request: the queue, a request's detail, approvals, approve and deny.

Every lookup is scoped to the signed-in user's agency (``queries.get_booking_for_agency`` 404s for
another agency's bookings). Denying refunds the deposit through ``portal.payments.actions``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import clock, pagecache
from portal.agency.views import bp
from portal.bookings import forms, lifecycle, money, queries
from portal.bookings.states import TransitionError
from portal.extensions import db
from portal.htmx import render_page_or_block, see_other
from portal.models import BookingStatus, Payment, Refund
from portal.payments import actions
from portal.staffing import closeout


def _date(text: str | None, zone: ZoneInfo, *, days_after: int = 0) -> datetime | None:
    """A yyyy-mm-dd from the filter form, as the start of that day (or of a later one) in the agency's zone;
    None when it is not a date."""
    if not text or len(text) != 10:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date() + timedelta(days=days_after)
    except (ValueError, OverflowError):
        return None
    return datetime.combine(day, time(0), tzinfo=zone)


OVERDUE = "overdue"  # the queue's tab of bookings with a shift not closed out a week after it was worked


@bp.get("/bookings")
@pagecache.cached(lambda: [f"agency:{current_user.agency_id}"])
def queue():
    agency = current_user.agency
    zone = agency.zone
    now = clock.now()
    status = request.args.get("status", "submitted")
    if status not in ("", OVERDUE, *queries.QUEUE_STATUSES):
        status = "submitted"
    date_from = _date(request.args.get("from"), zone)
    date_to = _date(request.args.get("to"), zone, days_after=1)  # up to the end of that day
    search = (request.args.get("q") or "").strip()[:80].replace("\x00", "")
    page_text = request.args.get("page", "1")
    page = int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 7 else 1
    f = queries.QueueFilter(status="" if status == OVERDUE else status, date_from=date_from, date_to=date_to,
                            search=search, overdue_at=now if status == OVERDUE else None)
    result = queries.agency_queue(agency.id, f, page=page)
    ids = [row[0].id for row in result.rows]
    counts = {**queries.queue_counts(agency.id), OVERDUE: queries.overdue_count(agency.id, now)}
    return render_page_or_block(
        "agency/queue.html", "results", agency=agency, page=result, counts=counts, status=status,
        statuses=queries.QUEUE_STATUSES, labels={**{s.value: s.label for s in BookingStatus},
                                                 OVERDUE: "Close-out overdue"},
        args={k: v for k, v in request.args.items() if k in ("status", "from", "to", "q")},
        next_shifts=queries.next_shifts(ids, now), overdue=queries.overdue_among(ids, now),
        close_out_days=queries.CLOSE_OUT_DAYS,
    )


def detail(booking, *, status: int = 200, reason_form=None, approval_form=None, overrides=None):
    """The request page; ``overrides``: a refused form of the work part, shown with its messages."""
    from portal.agency.staffing import work_context

    payments = db.session.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)).all()
    refunds = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id).order_by(Refund.id)).all()
    card = queries.card_of_booking(booking)
    return render_template(
        "agency/booking.html", booking=booking, card=card, payments=payments, refunds=refunds,
        employer=booking.organisation.approval_for(booking.agency), approvals=lifecycle.required_approvals(booking),
        **dict(zip(("deposit_paid", "deposit_held"), money.deposit(booking), strict=True)),
        reason_form=reason_form or forms.ReasonForm(), approval_form=approval_form or forms.ApprovalRecordForm(),
        screening=[q for q in card.screening if (booking.screening or {}).get(q.key)],
        labels={s.value: s.label for s in BookingStatus}, invoice=closeout.invoice_of(booking),
        amounts_due=actions.amounts_due(payments), **work_context(booking, card, overrides=overrides),
    ), status


@bp.get("/bookings/<int:booking_id>")
def booking(booking_id: int):
    return detail(queries.get_booking_for_agency(current_user, booking_id))


@bp.post("/bookings/<int:booking_id>/approve")
def approve(booking_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    if not forms.DiscardForm().validate():
        flash("Your form expired. Please try again.", "error")
    else:
        try:
            lifecycle.approve(booking, current_user)
            flash(f"Request {booking.reference} approved.", "success")
        except lifecycle.Refused as e:
            flash(str(e), "error")
        except TransitionError:
            db.session.rollback()
            flash(f"Request {booking.reference} can no longer be approved (it is {booking.status_enum.label.lower()}).",
                  "info")
    return see_other(url_for("agency.booking", booking_id=booking.id))


@bp.post("/bookings/<int:booking_id>/deny")
def deny(booking_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    form = forms.ReasonForm()
    if not form.validate():
        return detail(booking, status=422, reason_form=form)
    try:
        actions.deny(booking, current_user, form.reason.data)
    except TransitionError:
        db.session.rollback()
        flash(f"Request {booking.reference} can no longer be denied.", "info")
    else:
        flash(f"Request {booking.reference} denied; the deposit is refunded in full.", "success")
    return see_other(url_for("agency.booking", booking_id=booking.id))


@bp.post("/bookings/<int:booking_id>/approvals")
def record_approval(booking_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    form = forms.ApprovalRecordForm()
    if not form.validate():
        return detail(booking, status=422, approval_form=form)
    try:
        if lifecycle.record_approval(booking, form.code.data, approved_by_name=form.approved_by.data,
                                     note=form.note.data or "", actor=current_user):
            flash("Approval recorded.", "success")
    except lifecycle.Refused as e:
        flash(str(e), "error")
    except TransitionError:
        db.session.rollback()
        flash("Approvals are recorded while the request waits for a decision.", "info")
    return see_other(url_for("agency.booking", booking_id=booking.id))
