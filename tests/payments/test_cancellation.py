"""Cancelling through the employer's pages, for each of the four agencies: before approval, outside the
cancellation window and inside it; a reduction, one shift, then the rest of the booking. Each step checks
the fee against the agency's published rule (pricing spec section 4), the refund against
``held - fee - deposit of what remains`` (the deposit as the quote API prices the remaining request),
and the refunds localstripe actually made.

Shifts are placed relative to the real clock: "near" shifts start 20 to 22 hours from now (inside
every agency's window, and under every emergency threshold), "far" ones 10 to 12 days away.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.bookings import lifecycle
from portal.extensions import db
from portal.models import Booking, BookingStatus, Cancellation, Payment, PaymentStatus, Refund
from tests.conftest import csrf_token_from
from tests.support.backoffice import approve_employer
from tests.support.payments import VISA, sdk, submit_with_card
from tests.support.wizard import ZONES, url, walk_to_review

# Owed per position removed, in cents, by the agencies' rules for a 4-hour shift (spec sections 4 and 8).
INSIDE = {
    "kcpd": 3 * 3800,  # 72 h window: the 3-hour minimum at $38.00
    "mesa": 3 * 8920,  # 24 h window: 3 hours at the emergency rate $89.20 (admin fee unpublished: left out)
    "west-valley-city": 2 * 8550 + 4 * 1050,  # 48 h: 2-hour minimum at $85.50 + admin $10.50 for 4 h
    "tucson": 3 * 9617 + 4 * 1200,  # 24 h: 3 hours at $96.17 + admin $12.00 for 4 h
}
OUTSIDE = {"kcpd": 0, "mesa": 0, "west-valley-city": 4 * 1050, "tucson": 4 * 1200}  # admin for the first 24 h


def local(slug: str, at: datetime) -> tuple[str, str]:
    at = at.astimezone(ZoneInfo(ZONES[slug]))
    return at.date().isoformat(), at.strftime("%H:%M")


def shifts(slug: str, near: bool) -> dict:
    now = datetime.now(ZoneInfo(ZONES[slug])).replace(second=0, microsecond=0)
    rows = {}
    for i in range(3):
        start = now + (timedelta(hours=20 + i) if near else timedelta(days=10 + i))
        date, begin = local(slug, start)
        end_date, end = local(slug, start + timedelta(hours=4))
        row = {"date": date, "start": begin, "end": end, "officers": "2"}
        if end_date != date:
            row["end_date"] = end_date
        rows.update({f"shifts-{i}-{k}": v for k, v in row.items()})
    return rows


def paid_booking(client, line, slug: str, near: bool) -> Booking:
    bid = walk_to_review(client, slug, shifts=shifts(slug, near))
    submit_with_card(client, line, bid, VISA)
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.SUBMITTED, [e.note for e in booking.events]
    return booking


def approve(booking: Booking, users) -> None:
    coordinator = users.make("agency_admin", agency=booking.agency.slug)
    approval = booking.organisation.approval_for(booking.agency)
    approve_employer(approval, coordinator)
    lifecycle.approve(booking, coordinator)
    assert db.session.get(Booking, booking.id).status == BookingStatus.APPROVED


def held(booking: Booking) -> int:
    from portal.bookings import money

    return money.deposit_held(db.session.get(Booking, booking.id))


def deposit_of_rest(client, booking: Booking) -> int:
    """The deposit of what remains, as the quote API prices the remaining request (same submitted_at)."""
    from portal.bookings import money

    db.session.refresh(booking)
    if not booking.active_shifts:
        return 0
    response = client.post("/api/v1/quotes", data=json.dumps(money.request_body(booking)),
                           content_type="application/json")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["deposit_cents"]


def cancel(client, booking: Booking, **form) -> tuple[Cancellation, str]:
    """Look at the fee (GET), then confirm it (POST), as the employer does."""
    page = client.get(f"{url(booking.id)}/cancel", query_string=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    fee = int(re.search(r'name="confirmed_fee" value="(\d+)"', html).group(1))
    shown = re.search(r'data-testid="settle-fee">\$([\d,]+\.\d\d)<', html).group(1)
    assert int(shown.replace(",", "").replace(".", "")) == fee
    token = csrf_token_from(html)
    done = client.post(f"{url(booking.id)}/cancel", data={**form, "csrf_token": token, "confirmed_fee": fee,
                                                           "action": "confirm"})
    assert done.status_code == 303, done.get_data(as_text=True)
    receipt_id = int(re.search(r"/cancellations/(\d+)", done.headers["Location"]).group(1))
    receipt = db.session.get(Cancellation, receipt_id)
    return receipt, client.get(done.headers["Location"]).get_data(as_text=True)


def stripe_refunds(line, booking: Booking) -> int:
    """What localstripe refunded on the booking's deposit."""
    deposit = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id,
                                                      Payment.status == PaymentStatus.SUCCEEDED))
    return sum(r.amount for r in sdk(line).v1.refunds.list({"payment_intent": deposit.stripe_payment_intent_id}).data)


def check_step(client, line, booking: Booking, receipt: Cancellation, fee: int, held_before: int,
               refunded_before: int) -> None:
    after = deposit_of_rest(client, booking)
    assert receipt.fee_cents == fee
    assert receipt.deposit_held_cents == held_before
    assert receipt.deposit_after_cents == after
    assert receipt.refund_cents == max(0, held_before - fee - after)
    assert receipt.charge_cents == max(0, fee - held_before)
    made = db.session.scalars(select(Refund).where(Refund.cancellation_id == receipt.id)).all()
    assert sum(r.amount_cents for r in made) == receipt.refund_cents
    assert all(r.status == "succeeded" and r.stripe_refund_id for r in made)
    assert stripe_refunds(line, booking) == refunded_before + receipt.refund_cents


@pytest.mark.parametrize("slug", ["kcpd", "mesa", "west-valley-city", "tucson"])
@pytest.mark.parametrize("timing", ["before_approval", "outside_window", "inside_window"])
def test_reduce_then_one_shift_then_the_rest(client, employer, users, stripe_line, slug, timing):
    booking = paid_booking(client, stripe_line, slug, near=timing == "inside_window")
    per_position = {"before_approval": 0, "outside_window": OUTSIDE[slug], "inside_window": INSIDE[slug]}[timing]
    if timing != "before_approval":
        approve(booking, users)
    paid = booking.deposit_cents
    assert held(booking) == paid

    steps = [({"scope": "reduce", "shift": 1, "remove_officer": 1}, 1),  # one officer fewer on shift 1
             ({"scope": "shift", "shift": 2}, 2),  # shift 2 (2 officers)
             ({"scope": "booking"}, 3)]  # the rest: shift 1's last officer and shift 3's two
    refunded = 0
    for form, positions in steps:
        before = held(booking)
        receipt, page = cancel(client, booking, **form)
        check_step(client, stripe_line, booking, receipt, per_position * positions, before, refunded)
        refunded += receipt.refund_cents
        assert "Cancellation receipt" in page and receipt.rule.split(":")[0][:20] in page
        for entry in receipt.settlement["shifts"]:  # shown in the agency's zone, as everywhere
            assert datetime.fromisoformat(entry["starts_at"]).utcoffset() == datetime.fromisoformat(
                entry["starts_at"]).astimezone(ZoneInfo(ZONES[slug])).utcoffset()
    booking = db.session.get(Booking, booking.id)
    assert booking.status == BookingStatus.CANCELLED
    fees = sum(c.fee_cents for c in booking.cancellations)
    assert fees == per_position * 6 and refunded == paid - fees  # everything not owed came back
    assert held(booking) == 0


def test_a_fee_above_the_deposit_is_charged_to_the_saved_card(client, employer, users, stripe_line):
    """West Valley City, one officer for two hours tomorrow: the deposit is capped at the quote total
    ($171.00), but a cancellation owes the 2-hour minimum ($171.00) plus the administration fee ($21.00)."""
    now = datetime.now(ZoneInfo(ZONES["west-valley-city"])).replace(second=0, microsecond=0)
    date, start = local("west-valley-city", now + timedelta(hours=20))
    end_date, end = local("west-valley-city", now + timedelta(hours=22))
    row = {"shifts-0-date": date, "shifts-0-start": start, "shifts-0-end": end, "shifts-0-officers": "1"}
    if end_date != date:
        row["shifts-0-end_date"] = end_date
    bid = walk_to_review(client, "west-valley-city", shifts=row)
    submit_with_card(client, stripe_line, bid, VISA)
    booking = db.session.get(Booking, bid)
    assert booking.deposit_cents == booking.total_cents == 2 * 8550
    approve(booking, users)
    receipt, page = cancel(client, booking, scope="booking")
    assert (receipt.fee_cents, receipt.refund_cents, receipt.charge_cents) == (2 * 8550 + 2 * 1050, 0, 2 * 1050)
    [fee_payment] = db.session.scalars(select(Payment).where(Payment.purpose == f"cancellation:{receipt.id}"))
    assert fee_payment.status == PaymentStatus.SUCCEEDED and fee_payment.off_session
    intent = sdk(stripe_line).v1.payment_intents.retrieve(fee_payment.stripe_payment_intent_id)
    assert (intent.amount, intent.status) == (2 * 1050, "succeeded")
    assert "$21.00" in page


def test_the_fee_shown_is_the_fee_confirmed(client, employer, users, stripe_line):
    """A confirmation carrying another fee than the one that applies now is shown again, not applied."""
    booking = paid_booking(client, stripe_line, "kcpd", near=True)
    approve(booking, users)
    html = client.get(f"{url(booking.id)}/cancel", query_string={"scope": "booking"}).get_data(as_text=True)
    token = csrf_token_from(html)
    stale = client.post(f"{url(booking.id)}/cancel", data={"scope": "booking", "csrf_token": token,
                                                          "confirmed_fee": 0, "action": "confirm"})
    assert stale.status_code == 409
    assert 'data-testid="fee-changed"' in stale.get_data(as_text=True)
    assert db.session.get(Booking, booking.id).status == BookingStatus.APPROVED
    assert booking.cancellations == []


def test_a_reduction_below_the_tavern_minimum_is_refused(client, employer, users, stripe_line):
    work = {"job_type": "security", "attire": "uniform", "q_alcohol_principal_business": "y"}
    bid = walk_to_review(client, "kcpd", work=work, shifts={
        **{k: v for k, v in shifts("kcpd", False).items() if k.startswith("shifts-0-")}, "shifts-0-officers": "3"})
    submit_with_card(client, stripe_line, bid, VISA)
    booking = db.session.get(Booking, bid)
    page = client.get(f"{url(bid)}/cancel", query_string={"scope": "reduce", "shift": 1, "remove_officer": 1})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and 'data-testid="cancel-refused"' in html
    assert "need 3 police officers" in html and "Cancel the whole shift instead" in html
    assert booking.cancellations == []
