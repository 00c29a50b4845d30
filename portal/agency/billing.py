"""The agency's invoices on paper and in files: the printable invoice of a request (its own agency's only) and the
CSV exports of its invoices and payments for a date range (``portal.billing``, ``portal.downloads``)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from portal import billing, downloads
from portal.agency.views import bp
from portal.bookings import queries


@bp.get("/bookings/<int:booking_id>/invoice")
def invoice(booking_id: int):
    booking = queries.get_booking_for_agency(current_user, booking_id)
    return downloads.invoice_page(booking, url_for("agency.booking", booking_id=booking.id))


@bp.get("/exports")
def exports():
    agency = current_user.agency
    return downloads.export_or_page(
        billing.Scope(agency_id=agency.id), agency.zone, agency.slug,
        lambda form: render_template("agency/exports.html", agency=agency, form=form))
