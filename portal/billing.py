"""Invoices and payments as the two sides read them afterwards: the printable invoice of a booking, the employer's
billing history, and CSV exports of invoices (one row per invoice line) and of payments and refunds for a date
range, for an agency or for an employer.

Everything is scoped (``Scope``: one agency's bookings, or one employer's). The exports are generators that page
through the rows by keyset (``id > last``, ``EXPORT_PAGE_SIZE`` rows a query) and read plain columns, never ORM
objects, so the session keeps nothing between pages: memory stays the same whatever the number of rows. They take
the session to read with: a download streamed after its request has ended brings its own
(``portal.downloads``). A date
range is whole days in the agency's time zone (an employer's range is read in each agency's own zone); times in the
files are ISO 8601 with the agency's offset; amounts are dollars written from integer cents (``"-15.00"``) beside
the cents. Cells a spreadsheet would read as a formula are defused (``csv_cell``).
"""

from __future__ import annotations

import csv
import heapq
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from portal.bookings.queries import Page
from portal.extensions import db
from portal.formatting import money
from portal.models import Agency, Booking, Invoice, Organisation, Payment, Refund

EXPORT_PAGE_SIZE = 500  # rows (invoices, payments) read by one query of an export
HISTORY_PAGE_SIZE = 25


@dataclass(frozen=True)
class Scope:
    """Whose rows: one agency's (``agency_id``) or one employer's (``organisation_id``)."""

    agency_id: int | None = None
    organisation_id: int | None = None

    def bookings(self):
        """The condition on ``Booking`` that keeps the scope's rows."""
        if self.agency_id is not None:
            return Booking.agency_id == self.agency_id
        return Booking.organisation_id == self.organisation_id


def invoice_number(invoice_id: int) -> str:
    """What the invoice is called on paper and in the exports (the same for both sides)."""
    return f"INV-{invoice_id:06d}"


# -- the billing history (an employer's invoices, payments and refunds, newest first) ---------------------------
@dataclass(frozen=True)
class Entry:
    kind: str  # invoice | payment | refund
    id: int
    at: datetime
    booking_id: int
    reference: str  # the booking's
    time_zone: str
    amount_cents: int  # refunds negative
    what: str  # "Invoice", "Deposit", "Refund (cancellation)", ...
    status: str  # the booking's status for an invoice, the payment's or refund's otherwise
    document: str  # the invoice number or the Stripe reference

    @property
    def number(self) -> str:
        return invoice_number(self.id) if self.kind == "invoice" else self.document


def _ledger(scope: Scope):
    """Invoices, payments and refunds of the scope as one union, with the columns of ``Entry``."""
    def base(model, kind: str, amount, what, status, document):
        return (select(literal(kind).label("kind"), model.id.label("id"), model.created_at.label("at"),
                       Booking.id.label("booking_id"), Booking.reference.label("reference"),
                       Agency.time_zone.label("time_zone"), amount.label("amount_cents"), what.label("what"),
                       status.label("status"), document.label("document"))
                .join(Booking, Booking.id == model.booking_id).join(Agency, Agency.id == Booking.agency_id)
                .where(scope.bookings()))

    return union_all(
        base(Invoice, "invoice", Invoice.total_cents, literal("invoice"), Booking.status, literal("")),
        base(Payment, "payment", Payment.amount_cents, Payment.kind, Payment.status,
             func.coalesce(Payment.stripe_payment_intent_id, "")),
        base(Refund, "refund", -Refund.amount_cents, Refund.reason, Refund.status,
             func.coalesce(Refund.stripe_refund_id, "")),
    ).subquery()


WHAT = {"invoice": "Invoice", "deposit": "Deposit", "cancellation_fee": "Cancellation fee",
        "balance": "Invoice balance"}
REFUND_WHY = {"denied": "request denied", "cancellation": "cancellation", "after_cancellation": "paid after cancelling",
              "stripe": "made at Stripe", "unfilled": "a shift not staffed", "invoice": "invoice below the deposit"}


def _what(kind: str, what: str) -> str:
    if kind == "refund":
        return f"Refund ({REFUND_WHY[what]})" if what in REFUND_WHY else "Refund"
    return WHAT.get(what, what)


def history(scope: Scope, page: int = 1, per_page: int = HISTORY_PAGE_SIZE) -> Page:
    ledger = _ledger(scope)
    total = db.session.scalar(select(func.count()).select_from(ledger)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(select(ledger).order_by(ledger.c.at.desc(), ledger.c.kind, ledger.c.id.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return Page([Entry(**{**r._asdict(), "what": _what(r.kind, r.what)}) for r in rows], page, pages, total)


# -- the printable invoice -----------------------------------------------------------------------------------
def invoice_document(booking: Booking) -> dict[str, Any] | None:
    """What the printable invoice shows of a booking (already scoped by the caller); None before it is invoiced."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.booking_id == booking.id))
    if invoice is None:
        return None
    payments = db.session.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)).all()
    refunds = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id).order_by(Refund.id)).all()
    return {"invoice": invoice, "number": invoice_number(invoice.id), "payments": payments, "refunds": refunds}


# -- date ranges ----------------------------------------------------------------------------------------------
def _bounds(zone: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``) in the zone."""
    return (datetime.combine(first, time(0), tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone))


def _in_range(session: Session, column, scope: Scope, first: date, last: date):
    """``column`` (a moment of a row joined to its booking) within the days, in each agency's own zone."""
    agencies = select(Agency.id, Agency.time_zone)
    if scope.agency_id is not None:
        agencies = agencies.where(Agency.id == scope.agency_id)
    zones = session.execute(agencies).all()
    conditions = []
    for agency_id, zone in zones:
        start, end = _bounds(ZoneInfo(zone), first, last)
        conditions.append(and_(Booking.agency_id == agency_id, column >= start, column < end))
    return or_(*conditions) if conditions else false()


# -- CSV -------------------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ a tab or a carriage return gets a leading
    apostrophe (OWASP, CSV injection); plain numbers such as ``-15.00`` are left as they are."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def dollars(cents: int | None) -> str:
    """``-1500`` -> ``"-15.00"``: integer arithmetic, no floats."""
    return money(cents, plain=True)


def csv_lines(header: list[str], rows: Iterable[list[Any]], chunk: int = 64 * 1024) -> Iterator[str]:
    """The CSV text in pieces of about ``chunk`` characters, as the rows come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        if buffer.tell() >= chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _pages(session: Session, query, key, page_size: int) -> Iterator[Any]:
    """The rows of ``query`` in ``key`` order (a unique integer column), ``page_size`` at a time (keyset)."""
    last = None
    while True:
        q = query if last is None else query.where(key > last)
        rows = session.execute(q.order_by(key).limit(page_size)).all()
        yield from rows
        if len(rows) < page_size:
            return
        last = rows[-1].id


INVOICE_HEADER = ["invoice", "invoiced_at", "booking", "agency", "employer", "status", "shift", "shift_start",
                  "line", "rank", "tier", "count", "minutes", "rate", "amount", "amount_cents",
                  "invoice_total", "deposit_applied", "balance"]


def invoice_rows(session: Session, scope: Scope, first: date, last: date, *,
                 page_size: int | None = None) -> Iterator[list[Any]]:
    """One row per invoice line (an invoice with no line, where nobody worked, is one row without a line), the
    invoice's figures repeated on each so a spreadsheet can total them either way."""
    query = (select(Invoice.id, Invoice.created_at, Invoice.total_cents, Invoice.deposit_applied_cents,
                    Invoice.balance_cents, Invoice.figures, Booking.reference, Booking.status,
                    Agency.name.label("agency"), Agency.time_zone, Organisation.legal_name)
             .join(Booking, Booking.id == Invoice.booking_id).join(Agency, Agency.id == Booking.agency_id)
             .join(Organisation, Organisation.id == Booking.organisation_id)
             .where(scope.bookings(), _in_range(session, Invoice.created_at, scope, first, last)))
    for r in _pages(session, query, Invoice.id, page_size or EXPORT_PAGE_SIZE):
        head = [invoice_number(r.id), r.created_at.astimezone(ZoneInfo(r.time_zone)).isoformat(), r.reference,
                r.agency, r.legal_name, r.status]
        tail = [dollars(r.total_cents), dollars(r.deposit_applied_cents), dollars(r.balance_cents)]
        lines = [(n, shift["start"], line) for n, shift in enumerate(r.figures.get("shifts", []), start=1)
                 for line in shift.get("lines", [])]
        if not lines:
            yield [*head, "", "", "", "", "", "", "", "", "", "", *tail]
        for n, start, line in lines:
            per_hour = line.get("unit", "per_hour") == "per_hour"
            yield [*head, n, start, line.get("description") or line["kind"], line.get("rank") or "",
                   line.get("tier") or "", line.get("count", ""), line.get("minutes", "") if per_hour else "",
                   dollars(line.get("rate_cents")), dollars(line["amount_cents"]), line["amount_cents"], *tail]


PAYMENT_HEADER = ["date", "type", "what", "booking", "agency", "employer", "status", "amount", "amount_cents",
                  "currency", "card", "stripe_reference"]


def payment_rows(session: Session, scope: Scope, first: date, last: date, *,
                 page_size: int | None = None) -> Iterator[list[Any]]:
    """Every payment attempt (with its status: a declined one is listed as failed) and every refund, in the order
    they were made; refunds as negative amounts."""
    size = page_size or EXPORT_PAGE_SIZE
    columns = (Booking.reference, Agency.name.label("agency"), Agency.time_zone, Organisation.legal_name)

    def scoped(query, model):
        return (query.join(Booking, Booking.id == model.booking_id).join(Agency, Agency.id == Booking.agency_id)
                .join(Organisation, Organisation.id == Booking.organisation_id)
                .where(scope.bookings(), _in_range(session, model.created_at, scope, first, last)))

    payments = scoped(select(Payment.id, Payment.created_at, Payment.kind, Payment.status, Payment.amount_cents,
                             Payment.currency, Payment.card_label, Payment.stripe_payment_intent_id, *columns), Payment)
    refunds = scoped(select(Refund.id, Refund.created_at, Refund.reason, Refund.status, Refund.amount_cents,
                            Payment.currency, Payment.card_label, Refund.stripe_refund_id, *columns)
                     .join(Payment, Payment.id == Refund.payment_id), Refund)

    def rows(query, key, kind: str) -> Iterator[tuple[datetime, str, int, list[Any]]]:
        for r in _pages(session, query, key, size):
            sign = -1 if kind == "refund" else 1
            yield (r.created_at, kind, r.id, [
                r.created_at.astimezone(ZoneInfo(r.time_zone)).isoformat(), kind, _what(kind, r[2]), r.reference,
                r.agency, r.legal_name, r.status, dollars(sign * r.amount_cents), sign * r.amount_cents,
                r.currency, r.card_label, r[7] or ""])

    for _, _, _, row in heapq.merge(rows(payments, Payment.id, "payment"), rows(refunds, Refund.id, "refund"),
                                    key=lambda item: item[:3]):
        yield row
