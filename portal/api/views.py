"""The machine interface: ``/api/v1``. JSON in, JSON out; the same code as every page."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select

from portal import cards, clock, quoting
from portal.extensions import csrf, db, limiter
from portal.models import Agency

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies are read here: the API is anonymous and stateless
# One budget per client address for the whole API (a limit per route would multiply it by the routes).
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")(bp)

OPENAPI = Path(__file__).resolve().parent / "openapi.json"


def _errors(errors: list[dict], status: int = 422):
    return {"errors": errors}, status


@bp.post("/quotes")
def create_quote():
    try:
        data = quoting.load_body(request.get_data(cache=False, as_text=False))
        priced = quoting.price(data, now=clock.now())
    except quoting.QuoteInputError as e:
        return _errors(e.errors)
    return priced.to_dict()


def _agency_summary(agency: Agency) -> dict | None:
    version = cards.current_version(agency)
    if version is None:
        return None
    card = cards.card_of(version)
    return {
        "slug": agency.slug,
        "name": agency.name,
        "time_zone": agency.time_zone,
        "jurisdiction": {"city": agency.jurisdiction_city, "state": agency.jurisdiction_state},
        "rate_card_version": version.version,
        "effective_date": version.effective_date.isoformat(),
        **cards.describe(card),
    }


@bp.get("/agencies")
def agencies():
    rows = db.session.scalars(select(Agency).order_by(Agency.slug)).all()
    return {"agencies": [s for s in (_agency_summary(a) for a in rows) if s is not None]}


@bp.get("/agencies/<slug>/rate-card")
def rate_card(slug: str):
    found = cards.current_for_slug(slug)
    if found is None:
        return _errors([{"field": "slug", "message": f"No agency {slug[:40]!r} has a rate card here."}], 404)
    agency, version = found
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "toml"):
        return _errors([{"field": "format", "message": "Ask for json (the default) or toml."}])
    if fmt == "toml":
        return Response(version.source_text, mimetype="application/toml")
    return {
        "agency": agency.slug,
        "version": version.version,
        "effective_date": version.effective_date.isoformat(),
        "imported_at": version.imported_at.isoformat(),
        "card": cards.card_document(version),
    }


@bp.get("/openapi.json")
def openapi():
    return Response(OPENAPI.read_text(), mimetype="application/json")
