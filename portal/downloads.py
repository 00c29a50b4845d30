"""The billing pages' shared handling, for the agency's and the employer's blueprints: the printable invoice of a
booking already scoped to the user, and the exports: read the date range (a GET form), and either stream the CSV
asked for or give the page back with the messages beside the fields."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from flask import Response, abort, render_template, request
from sqlalchemy.orm import Session

from portal import billing, clock
from portal.bookings import queries
from portal.extensions import db
from portal.forms import DateRangeForm

EXPORTS = {"invoices": (billing.INVOICE_HEADER, billing.invoice_rows),
           "payments": (billing.PAYMENT_HEADER, billing.payment_rows)}


def invoice_page(booking, back: str):
    """The printable invoice (404 before the booking is invoiced); ``back``: the booking page's URL."""
    document = billing.invoice_document(booking)
    if document is None:
        abort(404)
    return render_template("invoice.html", booking=booking, card=queries.card_of_booking(booking), back=back,
                           **document)


def csv_response(filename: str, header: list[str], rows: Callable[[Session], Iterator[list]]) -> Response:
    """A CSV download streamed as ``rows(session)`` gives its rows.

    The body is written after the view has returned and its request context is gone, so it reads with a session
    of its own on the app's engine, closed (its connection given back) when the download ends or is abandoned.
    It needs nothing of the request: the scope and the range are decided before. (``stream_with_context`` would
    keep the request context alive instead, a context-variable token held across ``yield``: a server or test
    client that reads the first piece in one context and the rest in another, as Werkzeug's test client under
    tests/conftest.py's per-request contexts does, cannot pop it.)
    """
    engine = db.engine

    def body() -> Iterator[str]:
        with Session(engine) as session:
            yield from billing.csv_lines(header, rows(session))

    response = Response(body(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_or_page(scope: billing.Scope, zone, prefix: str, render: Callable[..., object]):
    """``?what=invoices|payments&start=&end=``: the CSV streamed; otherwise (or with a bad range, 422) the page
    ``render(form=...)`` draws. The range defaults to the month so far, in ``zone``."""
    today = clock.now().astimezone(zone).date()
    form = DateRangeForm.from_args(request.args, today.replace(day=1), today)
    what = request.args.get("what", "")
    if what not in EXPORTS:
        return render(form=form)
    if not form.validate():
        return render(form=form), 422
    header, rows = EXPORTS[what]
    first: date = form.start.data
    last: date = form.end.data
    return csv_response(f"{prefix}-{what}-{first.isoformat()}-to-{last.isoformat()}.csv", header,
                        lambda session: rows(session, scope, first, last))
