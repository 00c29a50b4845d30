"""Who may open what: one role check per blueprint, and ownership helpers that 404."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from portal.extensions import login_manager
from portal.models import Role


def restrict_blueprint(bp: Blueprint, *roles: Role) -> None:
    """Every view of ``bp`` needs a signed-in user with one of ``roles``.

    Anonymous visitors are sent to log in; signed-in users of another role get 403.
    """
    allowed = {r.value for r in roles}

    @bp.before_request
    def _check_role():
        if not current_user.is_authenticated:
            if request.headers.get("HX-Request"):
                # htmx would swap the login page into a fragment: send the whole window there instead.
                return "", 200, {"HX-Redirect": url_for(login_manager.login_view, next=request.full_path)}
            return login_manager.unauthorized()
        if current_user.role not in allowed:
            abort(403)
        return None


def home_endpoint_for(user) -> str:
    """Where a user lands after logging in."""
    if not user.is_authenticated:
        return "main.index"
    if user.is_employer:
        return "employer.dashboard"
    if user.is_agency_user:
        return "agency.dashboard"
    return "admin.dashboard"
