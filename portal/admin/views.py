"""Site administration: agencies and their users; organisations, users and bookings across every agency.

Read-only but for accounts: disabling a user (their sessions end at once) and creating agency users. Money stays
with the agencies: a booking's page here shows its payments and offers no action on them.
"""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import accounts
from portal.access import restrict_blueprint
from portal.admin import queries
from portal.admin.forms import (
    AgencyUserForm,
    BookingSearchForm,
    OrganisationSearchForm,
    UserSearchForm,
    create_agency_user,
)
from portal.bookings import money
from portal.bookings.queries import card_of_booking
from portal.bookings.states import APPROVED_STATUSES, BookingStatus
from portal.extensions import db
from portal.htmx import render_page_or_block, see_other
from portal.models import Agency, Organisation, Payment, Refund, Role, User
from portal.payments import actions
from portal.staffing import assignments, closeout

bp = Blueprint("admin", __name__, url_prefix="/admin")
restrict_blueprint(bp, Role.SITE_ADMIN)


@bp.route("/", methods=["GET", "POST"])
def dashboard():
    form = AgencyUserForm()
    status = 200
    if form.validate_on_submit():
        agency = db.session.scalar(select(Agency).where(Agency.slug == form.agency.data))
        if create_agency_user(form, agency):
            return redirect(url_for("admin.dashboard"))
    if request.method == "POST":
        status = 422
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    staff = db.session.scalars(select(User).where(User.agency_id.is_not(None)).order_by(User.email)).all()
    return render_template("admin/dashboard.html", form=form, agencies=agencies, staff=staff), status


# -- the lists: a GET form each; what does not validate is left out of the search, with its message beside it --
def _page_number() -> tuple[int, str]:
    """The ``page`` argument, and a message when it is not a page number (then page 1)."""
    text = request.args.get("page", "1")
    if text.isascii() and text.isdigit() and len(text) < 7:
        return int(text), ""
    return 1, "That page number could not be read: showing the first page."


def _list(template: str, form, result, page_note: str, **context):
    kept = {k: v for k, v in request.args.items() if k in form._fields or k == "org"}
    return render_page_or_block(template, "results", form=form, page=result, page_note=page_note, args=kept,
                                here=request.full_path, **context)


@bp.get("/organisations")
def organisations():
    form = OrganisationSearchForm(request.args)
    form.validate()
    page, note = _page_number()
    return _list("admin/organisations.html", form, queries.organisations(form.search, page=page), note)


@bp.get("/users")
def users():
    form = UserSearchForm(request.args)
    form.validate()
    page, note = _page_number()
    role, active = form.value("role"), form.value("active")
    f = queries.UserFilter(search=form.search, role=Role(role) if role else None,
                           active={"active": True, "disabled": False}.get(active or ""))
    return _list("admin/users.html", form, queries.users(f, page=page), note)


def _organisation_arg():
    """The ``org`` argument (the bookings of one organisation, from its row): the organisation, or None."""
    text = request.args.get("org", "")
    if text.isascii() and text.isdigit() and len(text) < 10:
        return db.session.get(Organisation, int(text))
    return None


@bp.get("/bookings")
def bookings():
    agencies = queries.agencies()
    form = BookingSearchForm(request.args, agencies=agencies)
    form.validate()
    page, note = _page_number()
    agency = next((a for a in agencies if a.slug == form.value("agency")), None)
    organisation = _organisation_arg()
    if organisation is None and request.args.get("org"):
        missing = "That organisation was not found: showing the bookings of every organisation."
        note = f"{note} {missing}".strip()
    f = queries.BookingFilter(
        search=form.search, agency_id=agency.id if agency else None, status=form.value("status") or "",
        first_shift_from=form.value("date_from"), first_shift_to=form.value("date_to"),
        organisation_id=organisation.id if organisation else None)
    every_organisation = url_for("admin.bookings", **{k: v for k, v in request.args.items()
                                                      if k in form._fields and k != "page"})
    return _list("admin/bookings.html", form, queries.bookings(f, page=page), note, organisation=organisation,
                 every_organisation=every_organisation, labels={s.value: s.label for s in BookingStatus})


def _found(lookup, key: int):
    """What ``lookup`` finds, or 404."""
    try:
        return lookup(key)
    except queries.NotFound:
        abort(404)


@bp.get("/bookings/<int:booking_id>")
def booking(booking_id: int):
    """A booking of any agency, read-only: status, agency, employer, shifts, officers, invoice, payments, timeline."""
    booking = _found(queries.get_booking, booking_id)
    card = card_of_booking(booking)
    payments = db.session.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)).all()
    refunds = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id).order_by(Refund.id)).all()
    paid, held = money.deposit(booking)
    return render_template(
        "admin/booking.html", booking=booking, card=card, payments=payments, refunds=refunds,
        deposit_paid=paid, deposit_held=held, amounts_due=actions.amounts_due(payments),
        approval=booking.organisation.approval_for(booking.agency), invoice=closeout.invoice_of(booking),
        boards=assignments.board(booking, card) if booking.status in APPROVED_STATUSES else [],
    )


# -- disabling and enabling an account ---------------------------------------------------------------------
# Where to go back to after the change: a page of this area, in plain URL characters (no header injection).
_BACK = re.compile(r"/admin/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*\Z")


def _back() -> str:
    target = request.values.get("next", "")
    return target if _BACK.match(target) else url_for("admin.users")


@bp.get("/users/<int:user_id>/disable")
def confirm_disable(user_id: int):
    """Are you sure? Disabling signs the person out everywhere at once."""
    user = _found(queries.get_user, user_id)
    if user.id == current_user.id:
        abort(403)
    return render_template("admin/disable.html", user=user, back=_back())


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    """Disable an account (its sessions end at once) or enable it again."""
    user = db.session.get(User, user_id)
    wanted = request.form.get("active")
    if user is None or wanted not in ("0", "1"):
        abort(404)
    if user.id == current_user.id:
        abort(403)  # an administrator does not lock themself out
    accounts.set_active(user, wanted == "1")
    flash(f"{user.email} {'enabled' if user.active else 'disabled; its sessions ended'}.", "success")
    return see_other(_back())
