"""Closing out and invoicing (spec section 6): the rules of closing a shift, the invoice exact to the cent and the
same as ``flask invoice`` computes from the stored input, the balance charged off-session through localstripe
or the excess refunded, a declined or unauthenticated charge left open for the employer to pay, and shifts not
closed out within 7 days flagged in the queue."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Assignment, Booking, BookingStatus, Invoice, Payment, PaymentStatus, Refund
from tests.conftest import csrf_token_from, post_form
from tests.support.backoffice import approved_booking, assign, close, hire, local, page_of, record
from tests.support.payments import (
    DECLINED_AT_CHARGE,
    THREE_D_SECURE,
    VISA,
    authenticate,
    sdk,
    setup_intent_for,
    submit_with_card,
)
from tests.support.wizard import shift, walk_to_review

WVC = "west-valley-city"


@pytest.fixture
def slug() -> str:
    return WVC  # the coordinator's agency; KCPD's tests say so


def refreshed(booking) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking.id)


def seats(booking) -> list[Assignment]:
    return db.session.scalars(select(Assignment).where(Assignment.booking_id == booking.id)
                              .order_by(Assignment.id)).all()


def wvc_five_officers(client, desk, coordinator, line, agencies, clock, number=VISA) -> Booking:
    """West Valley City, Wednesday 10 March 2027 18:00-23:00 MST, five officers (one is a supervisor),
    requested on 1 March (no emergency rate, no holiday); all five assigned."""
    clock.travel_to(local(WVC, "2027-03-01T09:00"))
    booking = approved_booking(client, line, coordinator, WVC, number=number,
                               shifts=shift(WVC, date="2027-03-10", start="18:00", end="23:00", officers="5"))
    people = hire(agencies[WVC], ("Sam Lee", "S1", "supervisor"), ("Ana Diaz", "101", "officer"),
                  ("Bo Kim", "102", "officer"), ("Cy Lopez", "103", "officer"), ("Di Park", "104", "officer"))
    sid = booking.shifts[0].id
    for position, officer in zip(["supervisor:n:1", "officer:n:1", "officer:n:2", "officer:n:3", "officer:n:4"],
                                 people, strict=True):
        assert assign(desk, booking, sid, position, officer).status_code == 303
    assert refreshed(booking).status == BookingStatus.STAFFED
    return refreshed(booking)


def work_it(desk, booking, clock) -> None:
    """The supervisor and one officer work the shift as booked; one is released at 20:00, one works 17:55 to
    23:40, one does not come."""
    clock.travel_to(local(WVC, "2027-03-11T00:30"))
    supervisor, early, late, on_time, absent = seats(booking)
    for a, times in ((supervisor, ("18:00", "23:00")), (early, ("18:00", "20:00")), (late, ("17:55", "23:40")),
                     (on_time, ("18:00", "23:00"))):
        assert record(desk, booking, a.id, f"2027-03-10T{times[0]}", f"2027-03-10T{times[1]}").status_code == 303
    assert record(desk, booking, absent.id, absent=True).status_code == 303


# The invoice by hand (spec sections 3 and 6; West Valley City: officer $57.00, supervisor $68.40, paid the full
# shift if released early):
#   officers 2 x 300 min at $57.00 (the one released at 20:00 is billed the full 5 hours)  $570.00
#   officer 345 min (17:55-23:40) at $57.00                                                  $327.75
#   supervisor 300 min at $68.40                                                             $342.00
#   total                                                                                   $1,239.75
# The deposit: per position 2 hours at the rate at the start plus 5 hours of the $10.50 administration fee:
#   4 x ($114.00 + $52.50) + ($136.80 + $52.50) = $855.30; the balance is $384.45.
TOTAL, DEPOSIT, BALANCE = 123975, 85530, 38445


def test_the_invoice_is_exact_and_the_balance_is_charged(client, employer, desk, coordinator, stripe_line, agencies,
                                                        clock, runner):
    booking = wvc_five_officers(client, desk, coordinator, stripe_line, agencies, clock)
    assert booking.deposit_cents == DEPOSIT
    work_it(desk, booking, clock)
    assert close(desk, booking, booking.shifts[0].id).status_code == 303
    booking = refreshed(booking)
    assert booking.status == BookingStatus.PAID
    invoice = db.session.scalar(select(Invoice).where(Invoice.booking_id == booking.id))
    assert (invoice.total_cents, invoice.deposit_applied_cents, invoice.balance_cents) == (TOTAL, DEPOSIT, BALANCE)
    lines = [(ln["rank"], ln["count"], ln["minutes"], ln["amount_cents"])
             for ln in invoice.figures["shifts"][0]["lines"]]
    assert sorted(lines) == sorted([("supervisor", 1, 300, 34200), ("officer", 2, 300, 57000),
                                    ("officer", 1, 345, 32775)])
    [_, balance] = db.session.scalars(select(Payment).where(Payment.booking_id == booking.id)
                                            .order_by(Payment.id)).all()
    assert (balance.kind, balance.status, balance.amount_cents, balance.off_session) == (
        "balance", PaymentStatus.SUCCEEDED, BALANCE, True)
    intent = sdk(stripe_line).v1.payment_intents.retrieve(balance.stripe_payment_intent_id)
    assert (intent.amount, intent.status, intent.metadata["kind"]) == (BALANCE, "succeeded", "balance")
    # the same code from the command line, from the input stored with the invoice
    result = runner.invoke(args=["invoice", "-"], input=json.dumps(invoice.input))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(json.dumps(invoice.figures))
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert 'data-testid="invoice"' in page and "$1,239.75" in page and "$384.45" in page and ">Paid<" in page
    assert "left before the scheduled end: billed the full shift" in page


def test_closing_out_waits_for_the_end_and_for_every_officer(client, employer, desk, coordinator, stripe_line,
                                                            agencies, clock):
    booking = wvc_five_officers(client, desk, coordinator, stripe_line, agencies, clock)
    sid = booking.shifts[0].id
    clock.travel_to(local(WVC, "2027-03-10T22:00"))
    close(desk, booking, sid)
    assert "ends Wed 10 Mar at 23:00 MST: close it out after that." in page_of(desk, booking.id)
    clock.travel_to(local(WVC, "2027-03-10T23:30"))
    supervisor = seats(booking)[0]
    record(desk, booking, supervisor.id, "2027-03-10T18:00")
    close(desk, booking, sid)
    html = page_of(desk, booking.id)
    assert "Record when Sam Lee, Ana Diaz, Bo Kim, Cy Lopez, Di Park clocked out, or that they did not come" in html
    assert refreshed(booking).status == BookingStatus.IN_PROGRESS and refreshed(booking).shifts[0].closed_at is None


@pytest.mark.parametrize("slug", ["kcpd"])
def test_an_invoice_below_the_deposit_refunds_the_rest(client, employer, desk, coordinator, stripe_line, agencies,
                                                       clock, slug):
    booking = approved_booking(client, stripe_line, coordinator)  # KCPD, 2 officers 18:00-23:00, deposit 2 x 3 h
    ana, bo = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"), ("Bo Kim", "102", "officer"))
    start = booking.shifts[0].starts_at
    assign(desk, booking, booking.shifts[0].id, "officer:n:1", ana)
    assign(desk, booking, booking.shifts[0].id, "officer:n:2", bo)
    clock.travel_to(booking.shifts[0].ends_at + timedelta(minutes=5))
    first, second = seats(booking)
    zone = booking.agency.zone
    record(desk, booking, first.id, start.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
           (start + timedelta(hours=2)).astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
    record(desk, booking, second.id, absent=True)
    close(desk, booking, booking.shifts[0].id)
    booking = refreshed(booking)
    assert booking.status == BookingStatus.REFUNDED
    invoice = db.session.scalar(select(Invoice).where(Invoice.booking_id == booking.id))
    assert (invoice.total_cents, invoice.balance_cents) == (11400, 11400 - booking.deposit_cents)  # 3 h minimum
    [refund] = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id)).all()
    assert (refund.reason, refund.status, refund.amount_cents) == ("invoice", "succeeded", -invoice.balance_cents)
    deposit = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    made = sdk(stripe_line).v1.refunds.list({"payment_intent": deposit.stripe_payment_intent_id}).data
    assert [r.amount for r in made] == [-invoice.balance_cents]


@pytest.mark.parametrize("slug", ["kcpd"])
def test_an_invoice_equal_to_the_deposit_is_settled_without_a_charge(client, employer, desk, coordinator,
                                                                     stripe_line, agencies, clock, slug):
    booking = approved_booking(client, stripe_line, coordinator, shifts=shift("kcpd", start="18:00", end="21:00",
                                                                               officers="1"))
    [ana] = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"))
    assign(desk, booking, booking.shifts[0].id, "officer:n:1", ana)
    clock.travel_to(booking.shifts[0].ends_at)
    s = booking.shifts[0]
    zone = booking.agency.zone
    record(desk, booking, seats(booking)[0].id, s.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
           s.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
    close(desk, booking, s.id)
    booking = refreshed(booking)
    assert booking.status == BookingStatus.PAID and booking.deposit_cents == 11400
    assert [p.kind for p in db.session.scalars(select(Payment).where(Payment.booking_id == booking.id))] == ["deposit"]
    assert booking.events[-1].note == "The deposit covers the invoice exactly."


def balance_payments(booking) -> list[Payment]:
    db.session.expire_all()
    return db.session.scalars(select(Payment).where(Payment.booking_id == booking.id, Payment.kind == "balance")
                              .order_by(Payment.id)).all()


def test_a_declined_balance_is_paid_after_the_employer_saves_a_new_card(client, employer, desk, coordinator,
                                                                        stripe_line, agencies, clock):
    booking = wvc_five_officers(client, desk, coordinator, stripe_line, agencies, clock)
    # the employer's saved card is since one that is declined when charged (tried on another request)
    second = walk_to_review(client, WVC, shifts=shift(WVC, date="2027-03-20"))
    submit_with_card(client, stripe_line, second, DECLINED_AT_CHARGE)
    assert refreshed(booking).organisation.card_label.startswith("Visa ending 0341")
    work_it(desk, booking, clock)
    close(desk, booking, booking.shifts[0].id)
    assert "was not charged: Your card was declined." in page_of(desk, booking.id)
    booking = refreshed(booking)
    assert booking.status == BookingStatus.INVOICED
    [declined] = balance_payments(booking)
    assert (declined.status, declined.amount_cents) == (PaymentStatus.FAILED, BALANCE)
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "Amount due: $384.45" in page and "Invoice balance." in page
    # the employer saves a new card and pays from the booking page
    seti, token = setup_intent_for(client, stripe_line, f"/employer/requests/{booking.id}", VISA)
    paid = client.post(f"/employer/requests/{booking.id}/payments/{declined.id}/pay",
                       data={"csrf_token": token, "card": "new", "setup_intent": seti})
    assert paid.status_code == 303
    assert [p.status for p in balance_payments(booking)] == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]
    assert refreshed(booking).status == BookingStatus.PAID
    assert "Amount due" not in client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    customer = refreshed(booking).organisation.stripe_customer_id
    charged = [pi for pi in sdk(stripe_line).v1.payment_intents.list({"limit": 100}).data
               if pi.customer == customer and pi.status == "succeeded" and pi.amount == BALANCE]
    assert len(charged) == 1


def test_a_balance_the_bank_wants_confirmed_waits_for_the_employer(client, employer, desk, coordinator, stripe_line,
                                                                  agencies, clock):
    clock.travel_to(local(WVC, "2027-03-01T09:00"))
    booking = wvc_five_officers(client, desk, coordinator, stripe_line, agencies, clock, number=THREE_D_SECURE)
    work_it(desk, booking, clock)
    close(desk, booking, booking.shifts[0].id)
    [waiting] = balance_payments(booking)
    assert waiting.status == PaymentStatus.REQUIRES_ACTION and refreshed(booking).status == BookingStatus.INVOICED
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "Amount due: $384.45" in page and "Confirm with your bank" in page
    token = csrf_token_from(page)
    secret = client.post(f"/employer/requests/{booking.id}/payments/{waiting.id}/secret",
                         headers={"X-CSRFToken": token}).get_json()
    authenticate(stripe_line, secret["client_secret"], success=True)
    client.post(f"/employer/requests/{booking.id}/payments/{waiting.id}/authenticated", data={"csrf_token": token})
    assert [p.status for p in balance_payments(booking)] == [PaymentStatus.SUCCEEDED]
    assert refreshed(booking).status == BookingStatus.PAID


def test_shifts_not_closed_out_within_7_days_are_flagged(client, employer, desk, coordinator, stripe_line, agencies,
                                                         clock):
    booking = wvc_five_officers(client, desk, coordinator, stripe_line, agencies, clock)
    clock.travel_to(local(WVC, "2027-03-16T23:00"))  # 6 days after
    assert booking.reference not in desk.get("/agency/bookings", query_string={"status": "overdue"}).get_data(
        as_text=True)
    clock.travel_to(local(WVC, "2027-03-18T12:00"))  # more than 7 days after (MDT by then)
    queue = desk.get("/agency/bookings", query_string={"status": "overdue"}).get_data(as_text=True)
    assert booking.reference in queue and 'data-testid="overdue"' in queue
    everything = desk.get("/agency/bookings", query_string={"status": ""}).get_data(as_text=True)
    assert 'data-testid="overdue"' in everything
    assert "Close-out overdue" in page_of(desk, booking.id)
    work_it_late = [a.id for a in seats(booking)]
    for a in work_it_late:
        record(desk, booking, a, absent=True)
    close(desk, booking, booking.shifts[0].id)
    assert booking.reference not in desk.get("/agency/bookings", query_string={"status": "overdue"}).get_data(
        as_text=True)


def first_of_two_worked(client, desk, coordinator, line, agencies, clock, *, staff_second: bool) -> Booking:
    """KCPD, one officer on each of two evenings 18:00-23:00 ($190.00 a shift, deposit 2 x 3 h x $38.00): the
    first worked as booked and closed out."""
    two = {**shift("kcpd", 0, days=10, officers="1"), **shift("kcpd", 1, days=12, officers="1")}
    booking = approved_booking(client, line, coordinator, shifts=two)
    [ana] = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"))
    for s in booking.shifts[:2 if staff_second else 1]:
        assign(desk, booking, s.id, "officer:n:1", ana)
    work_as_booked(desk, booking, 0, clock)
    assert refreshed(booking).status == BookingStatus.IN_PROGRESS
    return refreshed(booking)


def work_as_booked(desk, booking, index: int, clock) -> None:
    """The officer of shift ``index`` works it exactly as booked, and it is closed out."""
    s = booking.shifts[index]
    zone = booking.agency.zone
    clock.travel_to(s.ends_at)
    [a] = [a for a in seats(booking) if a.shift_id == s.id]
    record(desk, booking, a.id, s.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
           s.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
    close(desk, booking, s.id)


@pytest.mark.parametrize("slug", ["kcpd"])
def test_closing_one_of_two_shifts_leaves_the_booking_in_progress(client, employer, desk, coordinator, stripe_line,
                                                                  agencies, clock, slug):
    booking = first_of_two_worked(client, desk, coordinator, stripe_line, agencies, clock,
                                  staff_second=True)
    assert db.session.scalar(select(Invoice).where(Invoice.booking_id == booking.id)) is None
    work_as_booked(desk, booking, 1, clock)
    booking = refreshed(booking)
    invoice = db.session.scalar(select(Invoice).where(Invoice.booking_id == booking.id))
    assert invoice.total_cents == booking.total_cents == 38000  # worked exactly as booked: the quote
    assert booking.status == BookingStatus.PAID  # $380.00 less the $228.00 deposit charged


def test_a_balance_charge_whose_answer_is_lost_is_settled_once_by_reconcile(client, employer, desk, coordinator,
                                                                           stripe_line, agencies, clock, runner):
    booking = wvc_five_officers(client, desk, coordinator, stripe_line, agencies, clock)
    work_it(desk, booking, clock)
    stripe_line.lose_answer("POST", "/v1/payment_intents")  # charged at Stripe; the answer never comes back
    close(desk, booking, booking.shifts[0].id)
    [pending] = balance_payments(booking)
    assert (pending.status, pending.failure_code) == (PaymentStatus.PENDING, "unreachable")
    assert refreshed(booking).status == BookingStatus.INVOICED
    assert runner.invoke(args=["payments", "reconcile"]).exit_code == 0
    assert [p.status for p in balance_payments(booking)] == [PaymentStatus.SUCCEEDED]
    assert refreshed(booking).status == BookingStatus.PAID
    customer = refreshed(booking).organisation.stripe_customer_id
    assert len([pi for pi in sdk(stripe_line).v1.payment_intents.list({"limit": 100}).data
                if pi.customer == customer and pi.amount == BALANCE]) == 1  # looked up, not charged again


@pytest.mark.parametrize("slug", ["kcpd"])
def test_the_last_open_shift_found_unfillable_invoices_the_booking(client, employer, desk, coordinator, stripe_line,
                                                                   agencies, clock, slug):
    booking = first_of_two_worked(client, desk, coordinator, stripe_line, agencies, clock, staff_second=False)
    second = booking.shifts[1]
    page = f"/agency/bookings/{booking.id}"
    post_form(desk, f"{page}/shifts/{second.id}/unfilled", {f"unfilled-{second.id}-reason": "Nobody is free."},
              page=page)
    booking = refreshed(booking)
    assert booking.status == BookingStatus.PAID
    refunds = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id)).all()
    assert [(r.reason, r.amount_cents) for r in refunds] == [("unfilled", 11400)]  # the second shift's share
    invoice = db.session.scalar(select(Invoice).where(Invoice.booking_id == booking.id))
    assert (invoice.total_cents, invoice.deposit_applied_cents, invoice.balance_cents) == (19000, 11400, 7600)
    assert [(p.amount_cents, p.status) for p in balance_payments(booking)] == [(7600, PaymentStatus.SUCCEEDED)]
