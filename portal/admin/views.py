"""Site administration: agencies and their users."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import accounts
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
    return redirect(url_for("admin.dashboard"), 303)
