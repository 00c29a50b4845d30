"""The agency's side of a request: the queue (scoped, filtered), approvals the screening names, approve only
an approved employer, deny with a reason and a full refund (also when Stripe is away for a while), and
every booking route refusing other agencies and other employers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Booking, BookingStatus, Payment, Refund
from tests.conftest import csrf_token_from, post_form
from tests.support.backoffice import approve_employer
from tests.support.payments import VISA, sdk, submit_with_card
from tests.support.wizard import walk_to_review


def paid(client, line, slug="kcpd", **kw) -> Booking:
    bid = walk_to_review(client, slug, **kw)
    submit_with_card(client, line, bid, VISA)
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.SUBMITTED
    return booking


@pytest.fixture
def coordinator(users):
    return users.make("agency_admin", agency="kcpd")


def as_coordinator(app, users, user):
    other = app.test_client()
    users.login(other, user)
    return other


def test_the_queue_shows_submitted_requests_of_the_agency_only(app, client, employer, users, stripe_line,
                                                               coordinator):
    kcpd = paid(client, stripe_line, "kcpd")
    mesa = paid(client, stripe_line, "mesa")
    agency = as_coordinator(app, users, coordinator)
    html = agency.get("/agency/bookings").get_data(as_text=True)
    assert kcpd.reference in html and mesa.reference not in html
    assert agency.get(f"/agency/bookings/{mesa.id}").status_code == 404  # another agency's
    assert agency.get("/agency/bookings", query_string={"status": "approved"}).get_data(as_text=True).count(
        kcpd.reference) == 0
    found = agency.get("/agency/bookings", query_string={"status": "", "q": kcpd.reference.lower()})
    assert kcpd.reference in found.get_data(as_text=True)
    for wildcard in ("%", "_", kcpd.reference[:3] + "_"):  # typed, they are characters, not wildcards
        page = agency.get("/agency/bookings", query_string={"status": "", "q": wildcard}).get_data(as_text=True)
        assert kcpd.reference not in page
    fragment = agency.get("/agency/bookings", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="queue-results"')


def test_approve_needs_an_approved_employer_and_each_named_approval(app, client, employer, users, stripe_line,
                                                                    coordinator):
    work = {"job_type": "security", "attire": "uniform", "q_alcohol_principal_business": "y"}
    booking = paid(client, stripe_line, "kcpd", work=work)
    agency = as_coordinator(app, users, coordinator)
    page = f"/agency/bookings/{booking.id}"
    html = agency.get(page).get_data(as_text=True)
    assert "Employment Unit Commander" in html and "is not an approved employer yet" in html
    token = csrf_token_from(html)
    agency.post(f"{page}/approve", data={"csrf_token": token})
    assert db.session.get(Booking, booking.id).status == BookingStatus.SUBMITTED  # employer not approved
    approve_employer(booking.organisation.approval_for(booking.agency), coordinator)
    agency.post(f"{page}/approve", data={"csrf_token": token})
    assert "Record the approval of the Employment Unit Commander" in agency.get(page).get_data(as_text=True)
    assert db.session.get(Booking, booking.id).status == BookingStatus.SUBMITTED
    code = re.search(r'name="code" value="([^"]+)"', html).group(1)
    missing = agency.post(f"{page}/approvals", data={"csrf_token": token, "code": code, "approved_by": ""})
    assert missing.status_code == 422 and "This field is required." in missing.get_data(as_text=True)
    agency.post(f"{page}/approvals", data={"csrf_token": token, "code": code, "approved_by": "Capt. A. Lee"})
    agency.post(f"{page}/approve", data={"csrf_token": token})
    booking = db.session.get(Booking, booking.id)
    assert booking.status == BookingStatus.APPROVED
    [record] = booking.approvals
    assert (record.approved_by_name, record.recorded_by_id) == ("Capt. A. Lee", coordinator.id)
    assert [e.action for e in booking.events][-2:] == ["record_approval", "approve"]
    again = agency.post(f"{page}/approve", data={"csrf_token": token})  # a second click: nothing new
    assert again.status_code == 303 and [e.action for e in db.session.get(Booking, booking.id).events][-1] == "approve"
    employer_page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "Approved" in employer_page


def test_deny_refunds_the_deposit_in_full_even_after_an_outage(app, client, employer, users, stripe_line,
                                                                coordinator, runner):
    booking = paid(client, stripe_line, "kcpd")
    agency = as_coordinator(app, users, coordinator)
    page = f"/agency/bookings/{booking.id}"
    empty = post_form(agency, f"{page}/deny", {"reason": ""}, page=page)
    assert empty.status_code == 422 and db.session.get(Booking, booking.id).status == BookingStatus.SUBMITTED
    stripe_line.refuse("POST", "/v1/refunds")
    post_form(agency, f"{page}/deny", {"reason": "No officers are free that night."}, page=page)
    booking = db.session.get(Booking, booking.id)
    assert booking.status == BookingStatus.DENIED
    [refund] = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id)).all()
    assert refund.status == "pending" and refund.amount_cents == booking.deposit_cents
    stripe_line.up()
    assert runner.invoke(args=["payments", "reconcile"]).exit_code == 0
    assert runner.invoke(args=["payments", "reconcile"]).exit_code == 0  # again: nothing twice
    db.session.refresh(refund)
    assert refund.status == "succeeded"
    deposit = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    made = sdk(stripe_line).v1.refunds.list({"payment_intent": deposit.stripe_payment_intent_id}).data
    assert [r.amount for r in made] == [booking.deposit_cents]
    html = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "No officers are free that night." in html and "refunded in full" in html


def test_booking_routes_refuse_other_tenants(app, client, employer, users, stripe_line, coordinator):
    booking = paid(client, stripe_line, "kcpd")
    payment = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    stranger = app.test_client()
    users.login(stranger, "employer")
    other_agency = as_coordinator(app, users, users.make("agency_admin", agency="mesa"))
    token = csrf_token_from(stranger.get("/employer/").get_data(as_text=True))
    base = f"/employer/requests/{booking.id}"
    for method, path in [("GET", base), ("GET", f"{base}/live"), ("GET", f"{base}/cancel"),
                         ("POST", f"{base}/cancel"), ("POST", f"{base}/deposit"),
                         ("POST", f"{base}/payments/{payment.id}/secret"),
                         ("POST", f"{base}/payments/{payment.id}/authenticated"),
                         ("POST", f"{base}/payments/{payment.id}/pay")]:
        answer = stranger.open(path, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        assert answer.status_code == 404, (method, path, answer.status_code)
    token = csrf_token_from(other_agency.get("/agency/").get_data(as_text=True))
    for path in ["", "/approve", "/deny", "/approvals"]:
        method = "GET" if not path else "POST"
        answer = other_agency.open(f"/agency/bookings/{booking.id}{path}", method=method, data={"csrf_token": token})
        assert answer.status_code == 404, path
    assert client.get(f"/agency/bookings/{booking.id}").status_code == 403  # an employer in the back office


def test_the_live_block_answers_204_until_something_changes(app, client, employer, users, stripe_line,
                                                            coordinator):
    booking = paid(client, stripe_line, "kcpd")
    last = booking.events[-1].id
    live = f"/employer/requests/{booking.id}/live"
    assert client.get(live, query_string={"since": last}, headers={"HX-Request": "true"}).status_code == 204
    approve_employer(booking.organisation.approval_for(booking.agency), coordinator)
    from portal.bookings import lifecycle

    lifecycle.approve(booking, coordinator)
    changed = client.get(live, query_string={"since": last}, headers={"HX-Request": "true"})
    html = changed.get_data(as_text=True)
    assert changed.status_code == 200 and html.lstrip().startswith('<div id="booking-live"')
    assert ">Approved<" in html and f"since={last}" not in html
