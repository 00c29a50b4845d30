"""The employer's billing: its history of invoices, payments and refunds (paged), the printable invoice of its own
bookings, and CSV exports of its invoices and payments for a date range (``portal.billing``)."""

from __future__ import annotations

from datetime import UTC

from flask import render_template, url_for
from flask_login import current_user

from portal import billing, downloads
from portal.bookings import queries
from portal.employer.views import _page_arg, bp
from portal.models import BookingStatus


@bp.get("/requests/<int:booking_id>/invoice")
def invoice(booking_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    return downloads.invoice_page(booking, url_for("employer.booking", booking_id=booking.id))


@bp.get("/billing")
def billing_history():
    """The history, newest first, with the export form. An employer's range is read in each agency's own zone
    (the form's default, the month so far, by the UTC date)."""
    scope = billing.Scope(organisation_id=current_user.organisation_id)
    return downloads.export_or_page(
        scope, UTC, "detail-desk",
        lambda form: render_template("employer/billing.html", organisation=current_user.organisation, form=form,
                                     history=billing.history(scope, page=_page_arg("page")),
                                     labels={s.value: s.label for s in BookingStatus}))
