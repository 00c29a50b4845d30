"""The agency back office: dashboard, employer approvals (decisions, background checks, history), team."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import accounts, cards
from portal.access import restrict_blueprint
from portal.admin.forms import AgencyUserForm, create_agency_user
from portal.agency.forms import BackgroundCheckForm
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


def _dashboard(status: int = 200, *, refused: tuple[int, accounts.ApprovalRefused] | None = None,
               check_form: tuple[int, BackgroundCheckForm] | None = None):
    """The back office's front page: each employer with its status, background check, decision and history.
    ``refused``: (approval id, the refusal) beside that employer's decision; ``check_form``: a refused check form."""
    agency = current_user.agency
    approvals = db.session.scalars(
        select(EmployerApproval)
        .where(EmployerApproval.agency_id == agency.id)
        .options(selectinload(EmployerApproval.decisions), selectinload(EmployerApproval.checks),
                 selectinload(EmployerApproval.organisation))
        .order_by(EmployerApproval.status != ApprovalStatus.PENDING, EmployerApproval.requested_at.desc())
    ).all()
    required = accounts.background_check_required(agency)
    card = cards.current_card(agency.slug)
    return render_template(
        "agency/dashboard.html", agency=agency, approvals=approvals, card=card,
        review=card.employer_review if card else None, check_required=required,
        standing={a.id: accounts.check_standing(a, required=required) for a in approvals},
        history={a.id: accounts.approval_history(a) for a in approvals},
        next_statuses=accounts.NEXT_STATUSES, refused=dict([refused]) if refused else {},
        check_forms=dict([check_form]) if check_form else {}, blank_check_form=BackgroundCheckForm(formdata=None),
        note=request.form.get("note", "") if refused else "",
    ), status


@bp.get("/")
def dashboard():
    return _dashboard()


@bp.post("/employers/<int:approval_id>/decision")
def decide(approval_id: int):
    approval = _approval_for_my_agency(approval_id)
    decision = _DECISIONS.get(request.form.get("decision", ""))
    if decision is None:
        abort(400)
    status, word = decision
    if status == ApprovalStatus.APPROVED and approval.status == ApprovalStatus.SUSPENDED:
        word = "reinstated"
    try:
        changed = accounts.decide_approval(approval, status, current_user, request.form.get("note", ""))
    except accounts.ApprovalRefused as e:
        return _dashboard(422, refused=(approval.id, e))
    if changed:
        flash(f"{approval.organisation.legal_name} {word}.", "success")
    return redirect(url_for("agency.dashboard"))


@bp.post("/employers/<int:approval_id>/checks")
def record_check(approval_id: int):
    """Record a background check of the employer (agency staff of its own agency only)."""
    approval = _approval_for_my_agency(approval_id)
    form = BackgroundCheckForm()
    if not form.validate():
        return _dashboard(422, check_form=(approval.id, form))
    try:
        check = accounts.record_check(approval, form.outcome.data, current_user, form.reference.data or "")
    except accounts.ApprovalRefused as e:
        field = form.reference if e.field == "reference" else form.outcome
        field.errors = [*field.errors, str(e)]
        return _dashboard(422, check_form=(approval.id, form))
    flash(f"Background check of {approval.organisation.legal_name} recorded: {check.outcome_enum.label.lower()}.",
          "success")
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
from portal.agency import rate_cards as _rate_cards  # noqa: E402, F401  (the rate card: history, new versions)
from portal.agency import roster as _roster  # noqa: E402, F401  (the officer roster)
from portal.agency import staffing as _staffing  # noqa: E402, F401  (staffing, attendance, notes, close-out)
