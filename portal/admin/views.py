"""Site administration: agencies and their users."""

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.access import restrict_blueprint
from portal.admin.forms import AgencyUserForm, create_agency_user
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
        if create_agency_user(form, agency):
            return redirect(url_for("admin.dashboard"))
    if request.method == "POST":
        status = 422
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    staff = db.session.scalars(select(User).where(User.agency_id.is_not(None)).order_by(User.email)).all()
    return render_template("admin/dashboard.html", form=form, agencies=agencies, staff=staff), status
