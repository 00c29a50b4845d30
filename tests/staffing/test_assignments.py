"""Staffing a booking's shifts: a rank that does not fit, an officer on two overlapping shifts, KCPD's 16 hours
in a 24-hour work day, the partially staffed and staffed statuses the employer sees at once, and a shift nobody
can work refunded in full."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Assignment, Booking, BookingStatus, Payment, Refund
from tests.conftest import csrf_token_from, post_form
from tests.support.backoffice import approved_booking, assign, hire, page_of, paid_booking
from tests.support.payments import sdk
from tests.support.wizard import shift


def status_of(booking) -> str:
    db.session.expire_all()
    return db.session.get(Booking, booking.id).status


def assigned(booking) -> dict[tuple[str, bool, int], str]:
    db.session.expire_all()
    return {(a.rank, a.vehicle, a.seat): a.officer.full_name for a in db.session.scalars(
        select(Assignment).where(Assignment.booking_id == booking.id))}


def refused_beside_the_officer(answer, words: str) -> None:
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422, answer.status_code
    error = re.search(r'<p class="field-error" id="assign-\d+-\d+-officer-error">(.*?)</p>', html, re.S)
    assert error and words in error.group(1).replace("&#39;", "'"), error and error.group(1)


@pytest.mark.parametrize("slug", ["west-valley-city"])
def test_a_rank_must_fit_the_position_and_a_higher_one_may_fill_a_lower(client, employer, desk, coordinator,
                                                                          stripe_line, agencies, slug):
    booking = approved_booking(client, stripe_line, coordinator, slug, shifts=shift(slug, officers="5"))
    assert booking.shifts[0].positions == {"officer": 4, "supervisor": 1}  # the 5th is a supervisor
    officer, supervisor, second = hire(agencies[slug], ("Ana Diaz", "101", "officer"),
                                       ("Sam Lee", "201", "supervisor"), ("Tia Moss", "202", "supervisor"))
    sid = booking.shifts[0].id
    html = page_of(desk, booking.id)
    supervisor_seat = re.search(r'<select[^>]*name="(assign-\d+-0)-officer".*?</select>', html, re.S).group(0)
    assert "Sam Lee" in supervisor_seat and "Ana Diaz" not in supervisor_seat  # only ranks that fit are offered
    refused_beside_the_officer(assign(desk, booking, sid, "supervisor:n:1", officer),
                               "Officer Ana Diaz (badge 101) cannot fill a supervisor position")
    assert assigned(booking) == {}
    assert assign(desk, booking, sid, "officer:n:1", second).status_code == 303  # a supervisor in an officer's place
    assert assign(desk, booking, sid, "supervisor:n:1", supervisor).status_code == 303
    assert assigned(booking) == {("officer", False, 1): "Tia Moss", ("supervisor", False, 1): "Sam Lee"}
    assert status_of(booking) == BookingStatus.PARTIALLY_STAFFED


def test_no_officer_on_two_overlapping_shifts(client, employer, desk, coordinator, stripe_line, agencies):
    first = approved_booking(client, stripe_line, coordinator, shifts=shift("kcpd", start="18:00", end="23:00"))
    second = approved_booking(client, stripe_line, coordinator, shifts=shift("kcpd", start="22:00", end="23:30"))
    third = approved_booking(client, stripe_line, coordinator, shifts=shift("kcpd", start="23:00", end="23:59"))
    [ana] = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"))
    assert assign(desk, first, first.shifts[0].id, "officer:n:1", ana).status_code == 303
    refused_beside_the_officer(assign(desk, second, second.shifts[0].id, "officer:n:1", ana),
                               f"Ana Diaz is already on booking {first.reference}, shift 1")
    assert assign(desk, third, third.shifts[0].id, "officer:n:1", ana).status_code == 303  # back to back
    assert assigned(second) == {}


def test_kcpd_officers_work_at_most_16_hours_in_24(client, employer, desk, coordinator, stripe_line, agencies):
    evening = approved_booking(client, stripe_line, coordinator, shifts=shift("kcpd", days=10, start="18:00",
                                                                               end="23:00"))
    long_day = approved_booking(client, stripe_line, coordinator, shifts=shift("kcpd", days=11, start="02:00",
                                                                                end="14:00"))
    short_day = approved_booking(client, stripe_line, coordinator, shifts=shift("kcpd", days=11, start="08:00",
                                                                                 end="14:00"))
    [ana] = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"))
    assert assign(desk, evening, evening.shifts[0].id, "officer:n:1", ana).status_code == 303
    # 5 hours in the evening and 12 the next morning: 17 hours from 18:00 to 18:00
    refused_beside_the_officer(assign(desk, long_day, long_day.shifts[0].id, "officer:n:1", ana),
                               "at most 16 hours in a 24-hour work day")
    html = assign(desk, long_day, long_day.shifts[0].id, "officer:n:1", ana).get_data(as_text=True)
    assert "would be scheduled 17 hours" in html and "IV.A.12" in html
    assert assign(desk, short_day, short_day.shifts[0].id, "officer:n:1", ana).status_code == 303  # 11 hours
    assert assigned(long_day) == {} and assigned(short_day) == {("officer", False, 1): "Ana Diaz"}


def test_staffing_moves_the_booking_and_the_employer_sees_who_is_coming(client, employer, desk, coordinator,
                                                                       stripe_line, agencies):
    booking = approved_booking(client, stripe_line, coordinator)
    ana, bo = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"), ("Bo Kim", "102", "sergeant"))
    live = f"/employer/requests/{booking.id}/live"
    last = booking.events[-1].id
    sid = booking.shifts[0].id
    assign(desk, booking, sid, "officer:n:1", ana)
    assert status_of(booking) == BookingStatus.PARTIALLY_STAFFED
    changed = client.get(live, query_string={"since": last}, headers={"HX-Request": "true"})
    assert changed.status_code == 200 and "Ana Diaz" in changed.get_data(as_text=True)
    assign(desk, booking, sid, "officer:n:2", bo)
    assert status_of(booking) == BookingStatus.STAFFED
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "Sergeant Bo Kim" in page and ">Staffed<" in page
    [first, second] = db.session.scalars(select(Assignment).order_by(Assignment.id)).all()
    post_form(desk, f"/agency/bookings/{booking.id}/assignments/{second.id}/remove", {},
              page=f"/agency/bookings/{booking.id}")
    assert status_of(booking) == BookingStatus.PARTIALLY_STAFFED
    post_form(desk, f"/agency/bookings/{booking.id}/assignments/{first.id}/remove", {},
              page=f"/agency/bookings/{booking.id}")
    assert status_of(booking) == BookingStatus.APPROVED and assigned(booking) == {}
    notes = [e.note for e in db.session.get(Booking, booking.id).events]
    assert any("Bo Kim (badge 102) taken off shift 1" in n for n in notes)


def test_inactive_officers_and_other_agencies_officers_cannot_be_assigned(client, employer, desk, coordinator,
                                                                         stripe_line, agencies):
    booking = approved_booking(client, stripe_line, coordinator)
    [ana] = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"))
    [mesa] = hire(agencies["mesa"], ("Mo Reyes", "9", "officer"))
    post_form(desk, f"/agency/officers/{ana.id}/active", {"active": "0"}, page="/agency/officers")
    refused_beside_the_officer(assign(desk, booking, booking.shifts[0].id, "officer:n:1", ana),
                               "Ana Diaz is not active on the roster")
    assert assign(desk, booking, booking.shifts[0].id, "officer:n:1", mesa).status_code == 404


def test_officers_are_assigned_only_after_approval(client, employer, desk, coordinator, stripe_line, agencies):
    booking = paid_booking(client, stripe_line)
    [ana] = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"))
    html = page_of(desk, booking.id)
    assert "Officers and attendance" not in html
    sid = booking.shifts[0].id
    answer = desk.post(f"/agency/bookings/{booking.id}/shifts/{sid}/assign",
                       data={"csrf_token": csrf_token_from(html), f"assign-{sid}-0-position": "officer:n:1",
                             f"assign-{sid}-0-officer": str(ana.id)})
    assert answer.status_code == 303
    assert "Officers are assigned once the request is approved" in page_of(desk, booking.id)
    assert assigned(booking) == {} and status_of(booking) == BookingStatus.SUBMITTED


def unfill(desk, booking, shift_id: int, reason: str):
    page = f"/agency/bookings/{booking.id}"
    return post_form(desk, f"{page}/shifts/{shift_id}/unfilled", {f"unfilled-{shift_id}-reason": reason}, page=page)


def test_a_shift_nobody_can_work_is_refunded_in_full(client, employer, desk, coordinator, stripe_line, agencies):
    booking = approved_booking(client, stripe_line, coordinator)
    [ana] = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"))
    assign(desk, booking, booking.shifts[0].id, "officer:n:1", ana)
    empty = unfill(desk, booking, booking.shifts[0].id, "")
    assert empty.status_code == 422 and "Say why the shift cannot be staffed." in empty.get_data(as_text=True)
    assert unfill(desk, booking, booking.shifts[0].id, "Every officer is at the parade.").status_code == 303
    assert status_of(booking) == BookingStatus.UNFILLED
    deposit = db.session.scalar(select(Payment).where(Payment.booking_id == booking.id))
    [refund] = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id)).all()
    assert (refund.reason, refund.status, refund.amount_cents) == ("unfilled", "succeeded", deposit.amount_cents)
    made = sdk(stripe_line).v1.refunds.list({"payment_intent": deposit.stripe_payment_intent_id}).data
    assert [r.amount for r in made] == [deposit.amount_cents]
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "could not staff this booking: Every officer is at the parade." in page
    assert "Your deposit is refunded in full." in page


def test_one_unfilled_shift_of_two_refunds_its_share(client, employer, desk, coordinator, stripe_line, agencies):
    two = {**shift("kcpd", 0, days=10), **shift("kcpd", 1, days=11)}  # alike: each half of the deposit
    booking = approved_booking(client, stripe_line, coordinator, shifts=two)
    deposit = booking.deposit_cents
    second = booking.shifts[1]
    assert unfill(desk, booking, second.id, "No sergeant is free.").status_code == 303
    booking = db.session.get(Booking, booking.id)
    assert booking.status == BookingStatus.APPROVED and [s.state for s in booking.shifts] == ["active", "unfilled"]
    [refund] = db.session.scalars(select(Refund).where(Refund.booking_id == booking.id)).all()
    assert refund.amount_cents == deposit // 2 and refund.status == "succeeded"
    assert booking.total_cents == booking.shifts[0].total_cents
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert 'data-testid="unfilled-notice"' in page and "No sergeant is free." in page
    assert "Could not be staffed" in page
    # the shift left can be staffed in full: the booking is staffed
    ana, bo = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"), ("Bo Kim", "102", "officer"))
    assign(desk, booking, booking.shifts[0].id, "officer:n:1", ana)
    assign(desk, booking, booking.shifts[0].id, "officer:n:2", bo)
    assert status_of(booking) == BookingStatus.STAFFED
