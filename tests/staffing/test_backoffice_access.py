"""Every back-office route refuses other agencies' staff (404: no probing for another tenant's ids), employers
(403) and anonymous visitors (sent to log in); the pages without an id show the agency's own rows only."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import cards
from portal.extensions import db
from portal.models import ApprovalDecision, Assignment, BackgroundCheck, Booking, FieldNote, Officer, RateCardVersion
from portal.pricing import SEED_CARD_DIR
from tests.conftest import csrf_token_from
from tests.support.backoffice import approved_booking, assign, hire
from tests.support.examples import without_worked_examples
from tests.support.wizard import PNG

# (endpoint, method, path): every route of the agency blueprint ({ids} are the KCPD objects made below)
SCOPED = [
    ("agency.decide", "POST", "/agency/employers/{approval}/decision"),
    ("agency.record_check", "POST", "/agency/employers/{approval}/checks"),
    ("agency.booking", "GET", "/agency/bookings/{booking}"),
    ("agency.approve", "POST", "/agency/bookings/{booking}/approve"),
    ("agency.deny", "POST", "/agency/bookings/{booking}/deny"),
    ("agency.record_approval", "POST", "/agency/bookings/{booking}/approvals"),
    ("agency.officer", "GET", "/agency/officers/{officer}"),
    ("agency.officer", "POST", "/agency/officers/{officer}"),
    ("agency.officer_active", "POST", "/agency/officers/{officer}/active"),
    ("agency.assign", "POST", "/agency/bookings/{booking}/shifts/{shift}/assign"),
    ("agency.unassign", "POST", "/agency/bookings/{booking}/assignments/{assignment}/remove"),
    ("agency.record_attendance", "POST", "/agency/bookings/{booking}/assignments/{assignment}/attendance"),
    ("agency.mark_unfilled", "POST", "/agency/bookings/{booking}/shifts/{shift}/unfilled"),
    ("agency.close_out", "POST", "/agency/bookings/{booking}/shifts/{shift}/close"),
    ("agency.add_note", "POST", "/agency/bookings/{booking}/notes"),
    ("agency.note_file", "GET", "/agency/bookings/{booking}/notes/{note}/file"),
    ("agency.rate_card_version", "GET", "/agency/rate-card/versions/{version}"),
    ("agency.rate_card_toml", "GET", "/agency/rate-card/versions/{version}.toml"),
    ("agency.cancel_rate_card_version", "POST", "/agency/rate-card/versions/{version}/cancel"),
    ("agency.invoice", "GET", "/agency/bookings/{booking}/invoice"),
]
OWN = [
    ("agency.dashboard", "GET", "/agency/"),
    ("agency.team", "GET", "/agency/team"),
    ("agency.team", "POST", "/agency/team"),
    ("agency.queue", "GET", "/agency/bookings"),
    ("agency.officers", "GET", "/agency/officers"),
    ("agency.add_officer", "POST", "/agency/officers"),
    ("agency.import_officers", "POST", "/agency/officers/import"),
    ("agency.rate_card", "GET", "/agency/rate-card"),
    ("agency.new_rate_card", "GET", "/agency/rate-card/new"),
    ("agency.new_rate_card", "POST", "/agency/rate-card/new"),
    ("agency.exports", "GET", "/agency/exports"),
]
ROUTES = SCOPED + OWN


def test_every_agency_route_is_listed(app):
    """A new back-office route must be added here, so the tests below cover it."""
    listed = {(endpoint, method) for endpoint, method, _ in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("agency."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in listed, (rule.endpoint, method, rule.rule)


@pytest.fixture
def kcpd(client, employer, desk, coordinator, stripe_line, agencies):
    """A KCPD booking with an officer assigned and a field file, a second KCPD card version scheduled (numbers
    are per agency: Mesa has no version 2), and the ids the routes name."""
    booking = approved_booking(client, stripe_line, coordinator)
    [officer] = hire(agencies["kcpd"], ("Ana Diaz", "4417", "officer"))
    assign(desk, booking, booking.shifts[0].id, "officer:n:1", officer)
    html = desk.get(f"/agency/bookings/{booking.id}").get_data(as_text=True)
    desk.post(f"/agency/bookings/{booking.id}/notes", content_type="multipart/form-data",
              data={"csrf_token": csrf_token_from(html), "note-body": "Gate", "note-file": (io.BytesIO(PNG), "g.png")})
    scheduled, _ = cards.import_card(without_worked_examples((SEED_CARD_DIR / "kcpd.toml").read_text()).replace(
        'officer = "38.00"', 'officer = "40.00"', 1), activates_at=datetime.now(UTC) + timedelta(days=30))
    db.session.expire_all()
    ids = {"booking": booking.id, "version": scheduled.version, "officer": officer.id, "shift": booking.shifts[0].id,
           "approval": booking.organisation.approval_for(booking.agency).id,
           "assignment": db.session.scalar(select(Assignment.id)),
           "note": db.session.scalar(select(FieldNote.id).where(FieldNote.stored_name.is_not(None)))}
    assert all(ids.values()), ids
    return ids


def state() -> tuple:
    db.session.expire_all()
    return (db.session.scalar(select(Booking.status)), db.session.scalar(select(func.count(Assignment.id))),
            db.session.scalar(select(func.count(FieldNote.id))),
            tuple(db.session.execute(select(Officer.full_name, Officer.active, Officer.rank)).all()),
            db.session.scalar(select(func.count(RateCardVersion.id)).where(RateCardVersion.cancelled_at.is_(None))),
            db.session.scalar(select(func.count(BackgroundCheck.id))),
            db.session.scalar(select(func.count(ApprovalDecision.id))))


def form_for(path: str) -> dict[str, str]:
    """Enough of a valid form that only the tenant check can refuse it."""
    return {"decision": "approve", "reason": "x", "approved_by": "x", "code": "x", "full_name": "Eve", "active": "0",
            "badge_number": "4417", "rank": "officer", "note-body": "x", "action": "absent", "outcome": "cleared"}


@pytest.mark.parametrize(("endpoint", "method", "path"), SCOPED, ids=[f"{m} {p}" for _, m, p in SCOPED])
def test_another_agencys_staff_get_404(app, users, kcpd, endpoint, method, path):
    other = app.test_client()
    users.login(other, users.make("agency_admin", agency="mesa"))
    token = csrf_token_from(other.get("/agency/").get_data(as_text=True))
    before = state()
    answer = other.open(path.format(**kcpd), method=method, data={"csrf_token": token, **form_for(path)})
    assert answer.status_code == 404, answer.status_code
    assert state() == before


# The role check comes before any lookup: ids of rows that exist or not are answered alike (a missing check
# would answer 404 or 200 here, not 403).
ANY_IDS = dict.fromkeys(("booking", "officer", "shift", "approval", "assignment", "note", "version"), 1)


@pytest.mark.parametrize(("endpoint", "method", "path"), ROUTES, ids=[f"{m} {p}" for _, m, p in ROUTES])
def test_employers_get_403(client, employer, endpoint, method, path):
    token = csrf_token_from(client.get("/employer/").get_data(as_text=True))
    assert client.open(path.format(**ANY_IDS), method=method, data={"csrf_token": token}).status_code == 403


@pytest.mark.parametrize(("endpoint", "method", "path"), ROUTES, ids=[f"{m} {p}" for _, m, p in ROUTES])
def test_anonymous_visitors_are_sent_to_log_in(app, endpoint, method, path):
    anonymous = app.test_client()
    token = csrf_token_from(anonymous.get("/auth/login").get_data(as_text=True))
    answer = anonymous.open(path.format(**ANY_IDS), method=method, data={"csrf_token": token})
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]


def test_pages_without_an_id_show_the_agencys_own_rows(app, users, kcpd):
    other = app.test_client()
    users.login(other, users.make("agency_admin", agency="mesa"))
    reference = db.session.get(Booking, kcpd["booking"]).reference
    for path in ("/agency/", "/agency/bookings?status=", "/agency/officers", "/agency/team"):
        html = other.get(path).get_data(as_text=True)
        assert "Ana Diaz" not in html and reference not in html, path
    token = csrf_token_from(other.get("/agency/officers").get_data(as_text=True))
    # the same badge number is free at another agency, and adding it there changes nothing at KCPD
    answer = other.post("/agency/officers", data={"csrf_token": token, "full_name": "Eve Stone",
                                                  "badge_number": "4417", "rank": "officer"})
    assert answer.status_code == 303
    assert db.session.scalar(select(Officer).where(Officer.full_name == "Ana Diaz")).agency_id != db.session.scalar(
        select(Officer).where(Officer.full_name == "Eve Stone")).agency_id
