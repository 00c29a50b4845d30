"""The back office as tests drive it: a paid and approved booking, a roster, a coordinator's test client, and
forms posted from the request page with the prefixes it renders."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal import accounts, cards
from portal.bookings import lifecycle
from portal.extensions import db
from portal.models import ApprovalStatus, Booking, BookingStatus, CheckOutcome, Officer, Payment, PaymentStatus
from portal.staffing import roster
from tests.conftest import csrf_token_from
from tests.support.payments import VISA, authenticate, submit_with_card
from tests.support.wizard import ZONES, walk_to_review


def paid_booking(client, line, slug: str = "kcpd", *, number: str = VISA, **walk) -> Booking:
    """An employer's request walked through the wizard, submitted and its deposit paid with ``number`` (the
    bank's check completed when the card asks for one)."""
    bid = walk_to_review(client, slug, **walk)
    submit_with_card(client, line, bid, number)
    deposit = db.session.scalar(select(Payment).where(Payment.booking_id == bid))
    if deposit is not None and deposit.status == PaymentStatus.REQUIRES_ACTION:
        page = f"/employer/requests/{bid}"
        token = csrf_token_from(client.get(page).get_data(as_text=True))
        secret = client.post(f"{page}/payments/{deposit.id}/secret", headers={"X-CSRFToken": token}).get_json()
        authenticate(line, secret["client_secret"], success=True)
        client.post(f"{page}/payments/{deposit.id}/authenticated", data={"csrf_token": token})
    db.session.expire_all()
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.SUBMITTED, booking.status
    return booking


def approve_employer(approval, coordinator) -> None:
    """The agency approves the employer as its card asks: a cleared background check first where it wants one."""
    if accounts.background_check_required(approval.agency):
        accounts.record_check(approval, CheckOutcome.CLEARED, coordinator, "MULES test transaction")
    accounts.decide_approval(approval, ApprovalStatus.APPROVED, coordinator)


def approved_booking(client, line, coordinator, slug: str = "kcpd", **kw) -> Booking:
    """A paid request whose employer and request the agency approved."""
    booking = paid_booking(client, line, slug, **kw)
    approve_employer(booking.organisation.approval_for(booking.agency), coordinator)
    lifecycle.approve(booking, coordinator)
    db.session.expire_all()
    return db.session.get(Booking, booking.id)


def hire(agency, *officers: tuple[str, str, str]) -> list[Officer]:
    """Officers on the agency's roster: (name, badge, rank)."""
    card = cards.current_card(agency.slug)
    return [roster.save(agency, card, full_name=n, badge_number=b, rank=r) for n, b, r in officers]


def page_of(client, booking_id: int) -> str:
    return client.get(f"/agency/bookings/{booking_id}").get_data(as_text=True)


def seat_field(html: str, shift_id: int, position: str) -> str:
    """The prefix of the assign form of a position (``officer:n:1``) of a shift on the request page."""
    found = re.search(rf'name="(assign-{shift_id}-\d+)-position" type="hidden" value="{re.escape(position)}"', html)
    assert found, f"no open position {position} on shift {shift_id}"
    return found.group(1)


def assign(client, booking: Booking, shift_id: int, position: str, officer: Officer):
    html = page_of(client, booking.id)
    prefix = seat_field(html, shift_id, position)
    return client.post(f"/agency/bookings/{booking.id}/shifts/{shift_id}/assign",
                       data={"csrf_token": csrf_token_from(html), f"{prefix}-position": position,
                             f"{prefix}-officer": str(officer.id)})


def local(slug: str, text: str) -> datetime:
    """A wall-clock time of the agency as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(ZONES[slug]))


def record(client, booking: Booking, assignment_id: int, clock_in: str = "", clock_out: str = "", *,
           absent: bool = False, note: str = ""):
    html = page_of(client, booking.id)
    prefix = f"attendance-{assignment_id}"
    return client.post(f"/agency/bookings/{booking.id}/assignments/{assignment_id}/attendance",
                       data={"csrf_token": csrf_token_from(html), f"{prefix}-clock_in": clock_in,
                             f"{prefix}-clock_out": clock_out, f"{prefix}-note": note,
                             "action": "absent" if absent else "save"})


def close(client, booking: Booking, shift_id: int):
    html = page_of(client, booking.id)
    return client.post(f"/agency/bookings/{booking.id}/shifts/{shift_id}/close",
                       data={"csrf_token": csrf_token_from(html)})
