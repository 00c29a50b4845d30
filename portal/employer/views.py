"""The employer's side: dashboard and approvals by agencies."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import accounts
from portal.access import restrict_blueprint
from portal.extensions import db
from portal.models import Agency, Role

bp = Blueprint("employer", __name__, url_prefix="/employer")
restrict_blueprint(bp, Role.EMPLOYER)


@bp.get("/")
def dashboard():
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    organisation = current_user.organisation
    rows = [(agency, organisation.approval_for(agency)) for agency in agencies]
    return render_template("employer/dashboard.html", organisation=organisation, rows=rows)


@bp.post("/agencies/<slug>/approval")
def request_approval(slug: str):
    agency = db.first_or_404(select(Agency).where(Agency.slug == slug))
    accounts.request_approval(current_user, agency)
    flash(f"{agency.name} will review your organisation. We'll show the decision here.", "success")
    return redirect(url_for("employer.dashboard"))
