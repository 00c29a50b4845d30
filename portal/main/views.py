"""Public pages: the landing page and the instant quote (no account needed)."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from jinja2_fragments.flask import render_block
from sqlalchemy import select

from portal import cards, clock, quote_forms
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


def _quotable_agencies() -> list[Agency]:
    return [a for a in db.session.scalars(select(Agency).order_by(Agency.name)) if cards.current_version(a)]


_LEFT_AS_IS = re.compile(r"[A-Za-z0-9_.~-]*\Z")  # the text quote_plus returns unchanged


def _quoted(text: str) -> str:
    return text if _LEFT_AS_IS.match(text) else quote_plus(text)


def _clean_query(formdata) -> str:
    """The query string of the form's filled fields (as urlencode writes it), without ``action``."""
    return "&".join(
        f"{_quoted(k)}={_quoted(v)}" for k, v in formdata.items(multi=True) if k != "action" and v != ""
    )


def public_url(path: str) -> str:
    """An absolute link to ``path`` for people to share, on the configured host (``SERVER_NAME``), or on the
    request's host once ``TRUSTED_HOSTS`` has vetted it (or outside production). In production with
    neither, the path alone: a forged Host header never ends up in a link the page offers."""
    config = current_app.config
    if config.get("SERVER_NAME"):
        return f"{config['PREFERRED_URL_SCHEME']}://{config['SERVER_NAME']}{path}"
    if config.get("TRUSTED_HOSTS") or config.get("DETAIL_DESK_ENV") != "production":
        return f"{request.scheme}://{request.host}{path}"
    return path


def _quote_context(formdata, *, page: bool = True) -> dict:
    """Everything the instant-quote page shows for these query parameters (``page=False``: the panel only)."""
    card = cards.current_card(formdata.get("agency", ""))
    # The card names its agency (slug, name, short_name, time_zone): the page needs no agency row.
    context = {"agencies": _quotable_agencies() if page else [], "agency": card, "card": card, "form": None,
               "preview": None, "loose": []}
    if card is None:
        return context
    rows = quote_forms.rows_of(formdata)
    if any(v for row in rows for v in row.values()):
        preview = quote_forms.preview(card.slug, card, formdata, now=clock.now(), rows=rows)
    else:
        preview = quote_forms.Preview(None, ["Enter the date, start and end of a shift, and how many officers."])
    if page:  # the form, its rows numbered as the preview read them, with the messages beside the fields
        form = context["form"] = quote_forms.bind(card, quote_forms.with_rows(formdata, rows), csrf=False)
        context["loose"] = quote_forms.apply_errors(form, preview.field_errors)
    query = _clean_query(formdata)
    quote_url = url_for("main.instant_quote") + "?" + query
    context.update(
        query=query,
        preview=preview,
        quote_url=quote_url,
        share_url=public_url(quote_url),
        # The request wizard opens a draft pre-filled from these same parameters (after sign-in).
        request_url=url_for("employer.new_request") + "?" + query,
    )
    return context


def _fragment(block: str, context: dict, formdata):
    if block == "panel":
        # The live panel's hot path: its own small template, given everything it reads (no context
        # processors, which would load the session; no block extraction from the whole page).
        # Its print heading and actions sit beside the panel: swapped out of band (only in this fragment).
        response = current_app.jinja_env.get_template("main/_quote_side.html").render(**context, oob=True)
    else:
        response = render_block("main/quote.html", block, **context)
    quote_url = context.get("quote_url") or url_for("main.instant_quote") + "?" + _clean_query(formdata)
    headers = {"Vary": "HX-Request", "HX-Replace-Url": quote_url}
    return response, 200, headers


@bp.get("/quote")
def instant_quote():
    """The instant quote. A GET form, so the address of the page is the link to share."""
    formdata = request.args
    action = formdata.get("action", "")
    if action:
        formdata, _ = quote_forms.apply_row_action(formdata, action)  # only repeating (not offered here) errs
        if not request.headers.get("HX-Request"):
            return redirect(url_for("main.instant_quote") + "?" + _clean_query(formdata), 303)
    context = _quote_context(formdata)
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        return _fragment("app", context, formdata)
    response = render_template("main/quote.html", **context)
    return response, 200, {"Vary": "HX-Request"}


@bp.get("/quote/preview")
def quote_preview():
    """The live panel: the same form and the same pricing as the page, nothing written."""
    context = _quote_context(request.args, page=False)
    if context["card"] is None:
        return "", 204
    return _fragment("panel", context, request.args)
