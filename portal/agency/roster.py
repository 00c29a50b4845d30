"""The officer roster: every coordinator sees it; agency administrators add, edit, deactivate and import."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from portal import cards
from portal.agency.forms import ImportForm, OfficerForm
from portal.agency.views import bp
from portal.bookings.forms import DiscardForm
from portal.htmx import see_other
from portal.staffing import roster


def _card():
    card = cards.current_card(current_user.agency.slug)
    if card is None:
        abort(404)
    return card


def _admin_only() -> None:
    if not current_user.is_agency_admin:
        abort(403)


def _officer_form(card, officer=None, formdata=None) -> OfficerForm:
    form = OfficerForm(formdata=formdata, obj=officer)
    form.rank.choices = [(r.key, r.label) for r in card.ranks]
    return form


def _page(*, status: int = 200, form: OfficerForm | None = None, import_form: ImportForm | None = None):
    card = _card()
    return render_template(
        "agency/officers.html", officers=roster.officers(current_user.agency_id), card=card,
        form=form or _officer_form(card), import_form=import_form or ImportForm(formdata=None),
        toggle_form=DiscardForm(),
    ), status


@bp.get("/officers")
def officers():
    return _page()


def _save(form: OfficerForm, card, officer=None):
    """Save the form's officer; the form with the problems beside its fields when the roster refuses."""
    try:
        return roster.save(current_user.agency, card, full_name=form.full_name.data or "",
                           badge_number=form.badge_number.data or "", rank=form.rank.data or "", officer=officer)
    except roster.RosterError as e:
        for name, message in e.errors.items():
            form[name].errors = [message]
        return None


@bp.post("/officers")
def add_officer():
    _admin_only()
    card = _card()
    form = _officer_form(card, formdata=request.form)
    if form.validate() and (officer := _save(form, card)) is not None:
        flash(f"{officer.full_name} (badge {officer.badge_number}) added to the roster.", "success")
        return see_other(url_for("agency.officers"))
    return _page(status=422, form=form)


@bp.route("/officers/<int:officer_id>", methods=["GET", "POST"])
def officer(officer_id: int):
    found = roster.get_officer(current_user.agency_id, officer_id)
    card = _card()
    if request.method == "GET":
        return render_template("agency/officer.html", officer=found, form=_officer_form(card, found), card=card)
    _admin_only()
    form = _officer_form(card, formdata=request.form)
    if form.validate() and _save(form, card, found) is not None:
        flash(f"{found.full_name} saved.", "success")
        return see_other(url_for("agency.officers"))
    return render_template("agency/officer.html", officer=found, form=form, card=card), 422


@bp.post("/officers/<int:officer_id>/active")
def officer_active(officer_id: int):
    _admin_only()
    found = roster.get_officer(current_user.agency_id, officer_id)
    if DiscardForm().validate():
        active = request.form.get("active") == "1"
        roster.set_active(found, active)
        flash(f"{found.full_name} is {'active again' if active else 'deactivated: no new assignments'}.", "success")
    return see_other(url_for("agency.officers"))


@bp.post("/officers/import")
def import_officers():
    _admin_only()
    card = _card()
    form = ImportForm()
    upload = form.file.data
    if not form.validate():
        return _page(status=422, import_form=form)
    if upload is None or not upload.filename:
        form.file.errors = ["Choose a CSV file."]
        return _page(status=422, import_form=form)
    try:
        result = roster.import_csv(current_user.agency, card, upload.stream.read(roster.MAX_CSV_BYTES + 1))
    except roster.RosterError as e:
        form.file.errors = [e.errors["file"]]
        return _page(status=422, import_form=form)
    flash(f"Imported: {result.added} added, {result.updated} updated, {result.unchanged} unchanged.", "success")
    return see_other(url_for("agency.officers"))
