"""The agency back office: dashboard, employer approvals, team."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import accounts
from portal.access import restrict_blueprint
from portal.admin.forms import AgencyUserForm, create_agency_user
from portal.extensions import db
from portal.models import ApprovalStatus, EmployerApproval, Role, User

bp = Blueprint("agency", __name__, url_prefix="/agency")
restrict_blueprint(bp, Role.AGENCY_STAFF, Role.AGENCY_ADMIN)

_DECISIONS = {
    "approve": (ApprovalStatus.APPROVED, "approved"),
    "deny": (ApprovalStatus.DENIED, "denied"),
    "suspend": (ApprovalStatus.SUSPENDED, "suspended"),
}


def _approval_for_my_agency(approval_id: int) -> EmployerApproval:
    """An approval record of the signed-in user's agency, or 404 (never another agency's)."""
    approval = db.session.scalar(
        select(EmployerApproval).where(
            EmployerApproval.id == approval_id, EmployerApproval.agency_id == current_user.agency_id
        )
    )
    if approval is None:
        abort(404)
    return approval


@bp.get("/")
def dashboard():
    approvals = db.session.scalars(
        select(EmployerApproval)
        .where(EmployerApproval.agency_id == current_user.agency_id)
        .order_by(EmployerApproval.status != ApprovalStatus.PENDING, EmployerApproval.requested_at.desc())
    ).all()
    return render_template("agency/dashboard.html", agency=current_user.agency, approvals=approvals)


@bp.post("/employers/<int:approval_id>/decision")
def decide(approval_id: int):
    approval = _approval_for_my_agency(approval_id)
    decision = _DECISIONS.get(request.form.get("decision", ""))
    if decision is None:
        abort(400)
    status, word = decision
    accounts.decide_approval(approval, status, current_user, request.form.get("note", "")[:500])
    flash(f"{approval.organisation.legal_name} {word}.", "success")
    return redirect(url_for("agency.dashboard"))


@bp.route("/team", methods=["GET", "POST"])
def team():
    if not current_user.is_agency_admin:
        abort(403)
    form = AgencyUserForm(with_agency=False)
    status = 200
    if form.validate_on_submit() and create_agency_user(form, current_user.agency):
        return redirect(url_for("agency.team"))
    if request.method == "POST":
        status = 422
    members = db.session.scalars(
        select(User).where(User.agency_id == current_user.agency_id).order_by(User.full_name)
    ).all()
    return render_template("agency/team.html", form=form, members=members), status

from portal.agency import billing as _billing  # noqa: E402, F401  (the printable invoice, CSV exports)
from portal.agency import bookings as _bookings  # noqa: E402, F401  (the request queue and its routes)
from portal.agency import roster as _roster  # noqa: E402, F401  (the officer roster)
from portal.agency import staffing as _staffing  # noqa: E402, F401  (staffing, attendance, notes, close-out)
