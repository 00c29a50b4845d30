"""The deposit at submission, through localstripe: paid, declined, 3-D Secure, no deposit, and the app's
own guarantee of one charge (double submits, a lost answer, Stripe unreachable).

Amounts are the quote's; counts of PaymentIntents are read from localstripe itself.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Booking, BookingStatus, Payment, PaymentStatus
from tests.support.payments import (
    DECLINED_AT_CHARGE,
    DECLINED_WHEN_SAVED,
    THREE_D_SECURE,
    VISA,
    authenticate,
    confirm_card,
    pay_deposit,
    sdk,
    setup_intent_for,
    submit_with_card,
)
from tests.support.wizard import url, walk_to_review

PI = "/v1/payment_intents"


def payments_of(bid: int) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.booking_id == bid).order_by(Payment.id)))


def intents_for(line, booking: Booking) -> list:
    customer = booking.organisation.stripe_customer_id
    return [pi for pi in sdk(line).v1.payment_intents.list({"limit": 100}).data if pi.customer == customer]


def test_deposit_paid_with_a_good_card_at_submission(client, employer, stripe_line):
    bid = walk_to_review(client, "mesa")
    review = client.get(url(bid, "review")).get_data(as_text=True)
    assert "Submit and pay" in review and "4242 4242 4242 4242" in review  # the test-cards banner
    response = submit_with_card(client, stripe_line, bid, VISA)
    assert response.status_code == 303 and response.headers["Location"].endswith(url(bid))
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.SUBMITTED
    [payment] = payments_of(bid)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount_cents == booking.quote["deposit_cents"] > 0
    assert payment.card_label.startswith("Visa ending 4242")
    [pi] = intents_for(stripe_line, booking)
    assert (pi.id, pi.amount, pi.status) == (payment.stripe_payment_intent_id, payment.amount_cents, "succeeded")
    assert [e.action for e in booking.events] == ["submit", "pay_deposit"]
    page = client.get(url(bid)).get_data(as_text=True)
    assert pi.id in page and "Deposit paid" in page and "Submitted, awaiting the agency" in page


def test_a_card_declined_at_charge_then_a_good_one(client, employer, stripe_line):
    bid = walk_to_review(client, "kcpd")
    submit_with_card(client, stripe_line, bid, DECLINED_AT_CHARGE)
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.AWAITING_DEPOSIT  # the request is kept
    [failed] = payments_of(bid)
    assert failed.status == PaymentStatus.FAILED and failed.failure_message == "Your card was declined."
    assert failed.stripe_payment_intent_id  # found through the declined charge
    page = client.get(url(bid)).get_data(as_text=True)
    assert "Your card was declined." in page and 'data-testid="deposit"' in page
    pay_deposit(client, stripe_line, bid, VISA)
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.SUBMITTED
    assert [p.status for p in payments_of(bid)] == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]
    charged = [pi for pi in intents_for(stripe_line, booking) if pi.status == "succeeded"]
    assert [pi.amount for pi in charged] == [booking.deposit_cents]


def test_a_card_refused_when_saved_never_reaches_the_portal(client, employer, stripe_line):
    bid = walk_to_review(client, "kcpd")
    token_page = url(bid, "review")
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get(token_page).get_data(as_text=True))
    secret = client.post("/employer/payments/setup", headers={"X-CSRFToken": token}).get_json()["client_secret"]
    answer = confirm_card(stripe_line, secret, DECLINED_WHEN_SAVED)
    assert answer["error"]["message"] == "Your card was declined."  # shown beside the card by Stripe.js
    assert payments_of(bid) == []


def test_three_d_secure_completed(client, employer, stripe_line):
    bid = walk_to_review(client, "tucson")
    submit_with_card(client, stripe_line, bid, THREE_D_SECURE)
    [payment] = payments_of(bid)
    assert payment.status == PaymentStatus.REQUIRES_ACTION
    assert db.session.get(Booking, bid).status == BookingStatus.AWAITING_DEPOSIT
    page = client.get(url(bid)).get_data(as_text=True)
    assert "Your bank asks you to confirm the payment" in page
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page)
    secret = client.post(f"{url(bid)}/payments/{payment.id}/secret", headers={"X-CSRFToken": token}).get_json()
    assert authenticate(stripe_line, secret["client_secret"], success=True)["status"] == "succeeded"
    client.post(f"{url(bid)}/payments/{payment.id}/authenticated", data={"csrf_token": token})
    assert db.session.get(Booking, bid).status == BookingStatus.SUBMITTED
    assert [p.status for p in payments_of(bid)] == [PaymentStatus.SUCCEEDED]


def test_three_d_secure_failed_then_another_card(client, employer, stripe_line):
    bid = walk_to_review(client, "west-valley-city")
    submit_with_card(client, stripe_line, bid, THREE_D_SECURE)
    [payment] = payments_of(bid)
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get(url(bid)).get_data(as_text=True))
    secret = client.post(f"{url(bid)}/payments/{payment.id}/secret", headers={"X-CSRFToken": token}).get_json()
    authenticate(stripe_line, secret["client_secret"], success=False)
    client.post(f"{url(bid)}/payments/{payment.id}/authenticated", data={"csrf_token": token})
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.FAILED and "failed authentication" in payment.failure_message
    assert db.session.get(Booking, bid).status == BookingStatus.AWAITING_DEPOSIT
    pay_deposit(client, stripe_line, bid, VISA)
    assert db.session.get(Booking, bid).status == BookingStatus.SUBMITTED
    assert [p.status for p in payments_of(bid)] == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]


def test_another_card_while_the_bank_waits_cancels_the_waiting_payment(client, employer, stripe_line):
    bid = walk_to_review(client, "mesa")
    submit_with_card(client, stripe_line, bid, THREE_D_SECURE)
    pay_deposit(client, stripe_line, bid, VISA)
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.SUBMITTED
    assert [p.status for p in payments_of(bid)] == [PaymentStatus.CANCELED, PaymentStatus.SUCCEEDED]
    assert sorted(pi.status for pi in intents_for(stripe_line, booking)) == ["canceled", "succeeded"]


def test_double_submit_and_a_second_tab_charge_once(client, employer, stripe_line):
    bid = walk_to_review(client, "kcpd")
    seti, token = setup_intent_for(client, stripe_line, url(bid, "review"), VISA)
    form = {"csrf_token": token, "accept": "y", "card": "new", "setup_intent": seti}
    first = client.post(url(bid, "submit"), data=form)
    second = client.post(url(bid, "submit"), data=form)  # a double click
    third = pay_deposit(client, stripe_line, bid, None)  # another tab's deposit form, saved card
    assert {r.status_code for r in (first, second, third)} == {303}
    assert stripe_line.count("POST", PI) == 1
    assert [p.status for p in payments_of(bid)] == [PaymentStatus.SUCCEEDED]
    assert db.session.get(Booking, bid).status == BookingStatus.SUBMITTED


def test_stripe_unreachable_keeps_the_request_and_a_retry_pays(client, employer, stripe_line):
    bid = walk_to_review(client, "tucson")
    seti, token = setup_intent_for(client, stripe_line, url(bid, "review"), VISA)
    stripe_line.refuse("POST", PI)  # Stripe goes away between saving the card and charging it
    response = client.post(url(bid, "submit"), data={"csrf_token": token, "accept": "y", "card": "new",
                                                     "setup_intent": seti})
    assert response.status_code == 303
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.AWAITING_DEPOSIT and booking.priced_request is not None
    [payment] = payments_of(bid)
    assert payment.status == PaymentStatus.PENDING and payment.failure_code == "unreachable"
    page = client.get(url(bid)).get_data(as_text=True)
    assert "Nothing was charged twice" in page
    stripe_line.up()
    pay_deposit(client, stripe_line, bid, None)  # "Try again" with the saved card
    assert db.session.get(Booking, bid).status == BookingStatus.SUBMITTED
    assert [p.status for p in payments_of(bid)] == [PaymentStatus.SUCCEEDED]
    assert stripe_line.count("POST", PI) == 1


def test_a_lost_answer_is_looked_up_not_charged_again(client, employer, stripe_line):
    """localstripe charges, the answer never arrives: the retry finds that charge instead of making another."""
    bid = walk_to_review(client, "west-valley-city")
    stripe_line.lose_answer("POST", PI)
    submit_with_card(client, stripe_line, bid, VISA)
    [payment] = payments_of(bid)
    assert payment.status == PaymentStatus.PENDING and payment.stripe_payment_intent_id is None
    booking = db.session.get(Booking, bid)
    assert [pi.status for pi in intents_for(stripe_line, booking)] == ["succeeded"]  # it was charged
    pay_deposit(client, stripe_line, bid, None)
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.stripe_payment_intent_id
    assert db.session.get(Booking, bid).status == BookingStatus.SUBMITTED
    assert stripe_line.count("POST", PI) == 1 and len(intents_for(stripe_line, booking)) == 1
