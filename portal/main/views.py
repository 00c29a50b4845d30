"""Public pages."""

from flask import Blueprint, render_template
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    return render_template("main/index.html", agencies=agencies)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
