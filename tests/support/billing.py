"""Invoiced bookings made quickly for the billing tests: a real submission priced by the engine, its invoice
computed by ``portal.pricing.invoice`` from attendance as booked (every officer works the shift), and payment
and refund rows, each dated as the test says. The status is set directly: these tests read invoices, they do
not live the booking's life (tests/staffing and tests/browser/test_backoffice_browser.py do)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.bookings import drafts, money, submission
from portal.extensions import db
from portal.models import Booking, BookingStatus, Invoice, Payment, Refund
from portal.pricing import invoice as invoicing

PLACES = {"kcpd": ("Kansas City", "MO", "64106"), "mesa": ("Mesa", "AZ", "85201"),
          "west-valley-city": ("West Valley City", "UT", "84119"), "tucson": ("Tucson", "AZ", "85701")}
_keys = itertools.count(1)


def invoiced_booking(employer, agency, invoiced_at: datetime, *, site: str = "Riverside Arena", officers: int = 2,
                     deposit_cents: int | None = None) -> Booking:
    """A submitted ``agency`` booking of ``employer``, invoiced at ``invoiced_at`` with its deposit paid (a
    ``succeeded`` deposit payment made the day before) and applied; status paid when the deposit covers it."""
    city, state, zip_code = PLACES[agency.slug]
    day = (datetime.now(ZoneInfo(agency.time_zone)).date() + timedelta(days=12)).isoformat()
    data = {**drafts.empty_data(agency.slug), "site_name": site, "street": "200 Main St", "city": city,
            "state": state, "zip_code": zip_code, "job_type": "security",
            "shift_rows": [{"date": day, "start": "18:00", "end": "23:00", "officers": str(officers)}],
            "instructions": "North gate.", "contact_name": "Sam Rivera", "contact_phone": "(816) 555-0199"}
    booking = drafts.create_draft(employer, agency, data, step="review")
    assert submission.submit(booking, employer, now=datetime.now(UTC))
    booking = db.session.get(Booking, booking.id)
    q = money.quote_of(booking)
    worked = [[invoicing.Worked(rank, s.starts_at, s.ends_at) for rank, n in s.positions.items() for _ in range(n)]
              for s in booking.active_shifts]
    held = booking.deposit_cents if deposit_cents is None else deposit_cents
    figures = invoicing.invoice(q, worked, held)
    if held:
        pay(booking, "deposit", held, invoiced_at - timedelta(days=1))
    invoice = Invoice(booking_id=booking.id, total_cents=figures.total_cents, deposit_applied_cents=held,
                      balance_cents=figures.balance_cents, figures=figures.to_dict(), input={},
                      created_at=invoiced_at)
    booking.status = BookingStatus.PAID if figures.balance_cents <= 0 else BookingStatus.INVOICED
    db.session.add(invoice)
    db.session.commit()
    return booking


def pay(booking: Booking, kind: str, cents: int, at: datetime, *, status: str = "succeeded") -> Payment:
    n = next(_keys)
    payment = Payment(booking_id=booking.id, kind=kind, purpose=kind if status == "succeeded" else f"{kind}:{n}",
                      status=status, amount_cents=cents, idempotency_key=f"test-{n}",
                      stripe_payment_intent_id=f"pi_test_{n}", card_label="Visa ending 4242", created_at=at)
    db.session.add(payment)
    db.session.commit()
    return payment


def refund(payment: Payment, cents: int, at: datetime, reason: str = "invoice") -> Refund:
    n = next(_keys)
    row = Refund(payment_id=payment.id, booking_id=payment.booking_id, reason=reason, status="succeeded",
                 amount_cents=cents, idempotency_key=f"test-refund-{n}", stripe_refund_id=f"re_test_{n}", created_at=at)
    db.session.add(row)
    db.session.commit()
    return row
