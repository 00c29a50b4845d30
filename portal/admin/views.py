"""Site administration: agencies and their users."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal import accounts
from portal.access import restrict_blueprint
from portal.admin.forms import AgencyUserForm
from portal.extensions import db
from portal.models import Agency, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")
restrict_blueprint(bp, Role.SITE_ADMIN)


@bp.route("/", methods=["GET", "POST"])
def dashboard():
    form = AgencyUserForm()
    status = 200
    if form.validate_on_submit():
        agency = db.session.scalar(select(Agency).where(Agency.slug == form.agency.data))
        try:
            accounts.create_user(
                form.email.data, form.password.data, Role(form.role.data), full_name=form.full_name.data, agency=agency
            )
        except accounts.AccountError as e:
            getattr(form, e.field).errors.append(e.message)
        else:
            flash(f"{form.email.data} can now sign in to the {agency.short_name} back office.", "success")
            return redirect(url_for("admin.dashboard"))
    if request.method == "POST":
        status = 422
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    staff = db.session.scalars(select(User).where(User.agency_id.is_not(None)).order_by(User.email)).all()
    return render_template("admin/dashboard.html", form=form, agencies=agencies, staff=staff), status
