"""Invoices and exports (issue 9 item 5): the printable invoice of a booking for each side, the employer's billing
history, and the CSV exports of invoices and payments for a date range: their contents, scope (another agency's or
employer's rows never appear), the range's days in the agency's zone, messages beside the fields for a bad range,
streaming in pages of bounded size, and cells a spreadsheet would run defused."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from portal import billing
from portal.extensions import db
from tests.support.billing import invoiced_booking, pay, refund

KC = ZoneInfo("America/Chicago")
PHX = ZoneInfo("America/Phoenix")


def kc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=KC)


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def world(app, users, agencies):
    """Two employers; KCPD invoices on 5 Nov, late on 10 Nov and just after midnight on the 11th (Kansas City
    time), another employer's on 6 Nov, and a Mesa invoice of the first employer on 7 Nov."""
    ours, theirs = users.make("employer"), users.make("employer")
    kcpd, mesa = agencies["kcpd"], agencies["mesa"]
    made = {
        "early": invoiced_booking(ours, kcpd, kc("2026-11-05T10:00")),
        "late": invoiced_booking(ours, kcpd, kc("2026-11-10T23:30")),
        "after": invoiced_booking(ours, kcpd, kc("2026-11-11T00:10")),
        "theirs": invoiced_booking(theirs, kcpd, kc("2026-11-06T12:00"), site="Elsewhere Hall"),
        "mesa": invoiced_booking(ours, mesa, datetime(2026, 11, 7, 9, 0, tzinfo=PHX)),
    }
    return {"ours": ours, "theirs": theirs, **made}


def test_agency_invoice_export_has_its_own_lines_for_the_days_in_its_zone(app, users, world):
    desk = app.test_client()
    users.login(desk, "agency_staff", agency="kcpd")
    response = desk.get("/agency/exports?what=invoices&start=2026-11-01&end=2026-11-10")
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="kcpd-invoices-2026-11-01-to-2026-11-10.csv"'
    rows = rows_of(response)
    assert list(rows[0]) == billing.INVOICE_HEADER
    # the 5th, the 6th (another employer: still KCPD's) and 23:30 on the 10th; not 00:10 on the 11th, not Mesa's
    assert sorted({r["booking"] for r in rows}) == sorted(world[k].reference for k in ("early", "late", "theirs"))
    late = [r for r in rows if r["booking"] == world["late"].reference]
    invoice = db.session.scalar(db.select(billing.Invoice).where(billing.Invoice.booking_id == world["late"].id))
    assert {r["invoice"] for r in late} == {billing.invoice_number(invoice.id)}
    assert late[0]["invoiced_at"] == "2026-11-10T23:30:00-06:00"  # ISO, in the agency's zone
    assert late[0]["agency"] == world["late"].agency.name
    assert late[0]["employer"] == world["late"].organisation.legal_name
    lines = [ln for s in invoice.figures["shifts"] for ln in s["lines"]]
    assert len(late) == len(lines)
    for row, line in zip(late, lines, strict=True):
        cents = line["amount_cents"]
        assert row["amount_cents"] == str(cents) and row["amount"] == f"{cents // 100}.{cents % 100:02d}"
        assert row["invoice_total"] == f"{invoice.total_cents // 100}.{invoice.total_cents % 100:02d}"
    assert sum(int(r["amount_cents"]) for r in late) == invoice.total_cents

    # Mesa's staff see only Mesa's invoice
    other = app.test_client()
    users.login(other, "agency_staff", agency="mesa")
    rows = rows_of(other.get("/agency/exports?what=invoices&start=2026-11-01&end=2026-11-30"))
    assert {r["booking"] for r in rows} == {world["mesa"].reference}
    assert rows[0]["invoiced_at"] == "2026-11-07T09:00:00-07:00"


def test_employer_exports_its_own_invoices_and_payments_across_agencies(app, client, users, world):
    users.login(client, world["ours"])
    rows = rows_of(client.get("/employer/billing?what=invoices&start=2026-11-01&end=2026-11-30"))
    assert {r["booking"] for r in rows} == {world[k].reference for k in ("early", "late", "after", "mesa")}

    deposit = db.session.scalar(db.select(billing.Payment).where(billing.Payment.booking_id == world["early"].id))
    refund(deposit, 1500, kc("2026-11-05T11:00"))
    pay(world["early"], "balance", 2500, kc("2026-11-05T12:00"), status="failed")
    response = client.get("/employer/billing?what=payments&start=2026-11-04&end=2026-11-05")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="detail-desk-payments-2026-11-04-to-2026-11-05.csv"'
    rows = rows_of(response)
    assert list(rows[0]) == billing.PAYMENT_HEADER
    # the deposits paid the day before each invoice on the 4th (early) and a refund and a failed charge on the 5th;
    # nothing of the other employer (its deposit is on the 5th too)
    assert {r["booking"] for r in rows} == {world["early"].reference}
    assert [(r["type"], r["what"], r["status"], r["amount"]) for r in rows] == [
        ("payment", "Deposit", "succeeded", billing.dollars(deposit.amount_cents)),
        ("refund", "Refund (invoice below the deposit)", "succeeded", "-15.00"),
        ("payment", "Invoice balance", "failed", "25.00"),
    ]
    assert rows[0]["date"] == "2026-11-04T10:00:00-06:00" and rows[1]["stripe_reference"].startswith("re_test_")
    assert rows[1]["amount_cents"] == "-1500"


@pytest.mark.parametrize(("query", "field", "words"), [
    ("start=2026-11-10&end=2026-11-01", "end", "comes before the first"),
    ("start=2026-13-01&end=2026-11-01", "start", "Not a valid date"),
    ("start=&end=2026-11-01", "start", "Enter the first day"),
    ("start=0001-01-01&end=2026-11-01", "start", "between 2000 and 2099"),
    ("start=2026-11-01&end=9999-12-31", "end", "between 2000 and 2099"),
])
def test_a_bad_range_is_explained_beside_the_field(app, client, users, world, query, field, words):
    users.login(client, world["ours"])
    for path in ("/employer/billing", "/agency/exports"):
        if path == "/agency/exports":
            client = app.test_client()
            users.login(client, "agency_staff", agency="kcpd")
        response = client.get(f"{path}?what=invoices&{query}")
        assert response.status_code == 422 and response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        error = html.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
        assert words in error, error


def test_the_export_pages_without_a_request_show_the_form(app, client, users, world):
    users.login(client, world["ours"])
    html = client.get("/employer/billing").get_data(as_text=True)
    assert 'name="start"' in html and 'value="invoices"' in html and "field-error" not in html


def test_the_export_reads_the_rows_a_page_at_a_time(app, world):
    """The generator asks for ``page_size`` invoices a query, only when the rows before are written: memory
    holds one page, whatever the number of rows."""
    pages: list[str] = []

    def count(conn, cursor, statement, *args):
        if "FROM invoices" in statement:
            pages.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        scope = billing.Scope(agency_id=world["early"].agency_id)
        rows = billing.invoice_rows(db.session, scope, date(2026, 11, 1), date(2026, 11, 30), page_size=2)
        first = next(rows)
        assert len(pages) == 1 and "LIMIT" in pages[0].upper()
        rest = list(rows)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len({r[0] for r in [first, *rest]}) == 4  # four KCPD invoices, two a page
    assert len(pages) == 3  # 2 + 2 + an empty last page


def test_cells_that_a_spreadsheet_would_run_are_defused(app, client, users, agencies):
    employer = users.make("employer")
    employer.organisation.legal_name = '=HYPERLINK("http://evil.example","click")'
    booking = invoiced_booking(employer, agencies["kcpd"], kc("2026-11-05T10:00"), site="@SUM(A1)")
    users.login(client, employer)
    rows = rows_of(client.get("/employer/billing?what=invoices&start=2026-11-05&end=2026-11-05"))
    assert rows[0]["employer"] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert rows[0]["booking"] == booking.reference
    for text in ("=1+1", "+1", "-1+2", "@cmd", "\tx", "\rx"):
        assert billing.csv_cell(text) == "'" + text
    assert billing.csv_cell("-15.00") == "-15.00" and billing.csv_cell("-1500") == "-1500"
    assert billing.csv_cell("Riverside") == "Riverside" and billing.csv_cell(None) == ""
    assert [billing.dollars(c) for c in (0, 5, -5, 123456, -1500)] == ["0.00", "0.05", "-0.05", "1234.56", "-15.00"]


def test_the_printable_invoice_is_each_sides_own(app, client, users, world):
    booking = world["late"]
    invoice = db.session.scalar(db.select(billing.Invoice).where(billing.Invoice.booking_id == booking.id))
    users.login(client, world["ours"])
    response = client.get(f"/employer/requests/{booking.id}/invoice")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert billing.invoice_number(invoice.id) in html and booking.organisation.legal_name in html
    assert "Kansas City" in html and "America/Chicago" in html and "pi_test_" in html
    assert f"/employer/requests/{booking.id}/invoice" in client.get(f"/employer/requests/{booking.id}").get_data(
        as_text=True)  # linked from the booking page
    assert client.get(f"/employer/requests/{world['theirs'].id}/invoice").status_code == 404

    desk = app.test_client()
    users.login(desk, "agency_staff", agency="kcpd")
    assert desk.get(f"/agency/bookings/{booking.id}/invoice").status_code == 200
    mesa = app.test_client()
    users.login(mesa, "agency_staff", agency="mesa")
    assert mesa.get(f"/agency/bookings/{booking.id}/invoice").status_code == 404


def test_no_invoice_yet_is_a_404(app, client, users, agencies):
    from tests.support.demo import populate

    people = populate(users, agencies)
    users.login(client, people.employer)
    assert client.get(f"/employer/requests/{people.booking_id}/invoice").status_code == 404


def test_billing_history_lists_invoices_payments_and_refunds_newest_first_by_pages(app, client, users, world):
    deposit = db.session.scalar(db.select(billing.Payment).where(billing.Payment.booking_id == world["early"].id))
    refund(deposit, 1500, kc("2026-11-05T11:00"))
    users.login(client, world["ours"])
    html = client.get("/employer/billing").get_data(as_text=True)
    # four invoices, four deposits and a refund; the other employer's never
    assert html.count('data-testid="billing-invoice"') == 4 and html.count('data-testid="billing-payment"') == 4
    assert html.count('data-testid="billing-refund"') == 1 and world["theirs"].reference not in html
    assert html.index(world["after"].reference) < html.index(world["early"].reference)
    assert "\N{MINUS SIGN}$15.00" in html

    page = billing.history(billing.Scope(organisation_id=world["ours"].organisation_id), page=2, per_page=4)
    assert (page.page, page.pages, page.total, len(page.rows)) == (2, 3, 9, 4)
