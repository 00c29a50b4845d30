"""Employer approvals, completed (issue 9 item 7): the background check a card asks for before approving (KCPD),
approvals that hold until suspended, reinstatement, every decision and check kept, and who may do what.

Real database (SQLite, or PostgreSQL with DETAIL_DESK_TEST_DB=postgresql), real forms with their CSRF tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal import accounts
from portal.bookings import drafts, lifecycle, submission
from portal.bookings.states import Action
from portal.extensions import db
from portal.models import (
    ApprovalDecision,
    ApprovalStatus,
    BackgroundCheck,
    Booking,
    BookingStatus,
    CheckOutcome,
    EmployerApproval,
)
from tests.conftest import post_form


@pytest.fixture
def employer(users):
    return users.make("employer")


def desk_for(app, users, slug: str):
    """A coordinator of the agency signed in on a client of their own."""
    desk = app.test_client()
    return desk, users.login(desk, "agency_staff", agency=slug)


def decide(desk, approval: EmployerApproval, decision: str, note: str = ""):
    return post_form(desk, f"/agency/employers/{approval.id}/decision", {"decision": decision, "note": note},
                     page="/agency/")


def check(desk, approval: EmployerApproval, outcome: str, reference: str = ""):
    return post_form(desk, f"/agency/employers/{approval.id}/checks", {"outcome": outcome, "reference": reference},
                     page="/agency/")


def fresh(approval: EmployerApproval) -> EmployerApproval:
    db.session.expire_all()
    return db.session.get(EmployerApproval, approval.id)


def decisions(approval: EmployerApproval) -> list[tuple[str, str]]:
    return [(d.from_status, d.status) for d in fresh(approval).decisions]


def text(html: str) -> str:
    """The page's words, tags and runs of white space taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def submitted_booking(employer, agency) -> Booking:
    """A KCPD request submitted with its deposit paid (as with no payments configured): the agency can decide it."""
    day = (datetime.now(ZoneInfo(agency.time_zone)).date() + timedelta(days=12)).isoformat()
    data = drafts.empty_data(agency.slug)
    data.update(
        site_name="Union Hall", street="30 W Pershing Rd", city="Kansas City", state="MO", zip_code="64108",
        job_type="security", shift_rows=[{"date": day, "start": "18:00", "end": "23:00", "officers": "1"}],
        instructions="North door.", contact_name="Sam Rivera", contact_phone="(816) 555-0199",
    )
    booking = drafts.create_draft(employer, agency, data, step="review")
    assert submission.submit(booking, employer, now=datetime.now(UTC))
    lifecycle.apply(booking, Action.PAY_DEPOSIT, actor=None, note="Deposit paid.")
    db.session.commit()
    return booking


# -- KCPD: the card asks for a background check --------------------------------------------------------------
def test_kcpd_approves_an_employer_only_after_a_cleared_check(app, users, agencies, employer):
    approval = accounts.request_approval(employer, agencies["kcpd"])
    desk, coordinator = desk_for(app, users, "kcpd")
    page = desk.get("/agency/").get_data(as_text=True)
    assert "No check recorded yet: approving needs a cleared one." in page
    assert "Never write the criminal history itself" in page  # beside the reference field

    refused = decide(desk, approval, "approve", "no check yet")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'value="no check yet"' in html and 'aria-invalid="true"' not in html  # the note kept, and not at fault
    beside = re.search(rf'<form[^>]*action="/agency/employers/{approval.id}/decision".*?</form>', html, re.S).group(0)
    assert "KCPD approves an employer only after a cleared background check" in text(beside)  # beside the decision
    assert fresh(approval).status == ApprovalStatus.PENDING and decisions(approval) == []

    assert check(desk, approval, "cleared", "MULES 2026-1201-07").status_code == 302
    [recorded] = fresh(approval).checks
    assert (recorded.outcome, recorded.checked_by_id, recorded.reference) == ("cleared", coordinator.id,
                                                                              "MULES 2026-1201-07")
    assert recorded.checked_at is not None

    assert decide(desk, approval, "approve", "Checked and approved").status_code == 302
    approval = fresh(approval)
    assert approval.status == ApprovalStatus.APPROVED and approval.decided_by_id == coordinator.id
    assert approval.approved_since == approval.decided_at
    assert decisions(approval) == [("pending", "approved")]
    page = text(desk.get("/agency/").get_data(as_text=True))
    day = approval.decided_at.astimezone(ZoneInfo("America/Chicago"))
    assert f"Approved since {day.day} {day:%b %Y}" in page
    assert "Background check: cleared by Test Agency staff: MULES 2026-1201-07" in page  # the history
    assert "Approved by Test Agency staff: Checked and approved" in page


def test_a_check_that_did_not_clear_lets_them_deny_and_a_later_one_corrects_it(app, users, agencies, employer):
    approval = accounts.request_approval(employer, agencies["kcpd"])
    desk, _ = desk_for(app, users, "kcpd")
    assert check(desk, approval, "not_cleared", "case.net 16CR-0001").status_code == 302
    refused = decide(desk, approval, "approve")
    assert refused.status_code == 422 and "did not clear" in refused.get_data(as_text=True)
    unexplained = decide(desk, approval, "deny")
    assert unexplained.status_code == 422 and "Say why you deny" in unexplained.get_data(as_text=True)
    assert f'id="note-{approval.id}" name="note" maxlength="500" autocomplete="off" value="" aria-invalid="true"' in \
        unexplained.get_data(as_text=True)
    assert decide(desk, approval, "deny", "Background check did not clear").status_code == 302
    assert fresh(approval).status == ApprovalStatus.DENIED

    # a correction is a new record; every earlier one stays, and the latest counts
    check(desk, approval, "cleared", "case.net: another person of the same name")
    assert [c.outcome for c in fresh(approval).checks] == ["not_cleared", "cleared"]
    assert decide(desk, approval, "approve", "Reconsidered").status_code == 302
    assert decisions(approval) == [("pending", "denied"), ("denied", "approved")]
    history = text(desk.get("/agency/").get_data(as_text=True))
    for line in ("Approval requested", "Background check: not cleared", "Denied by Test Agency staff: Background "
                 "check did not clear", "Background check: cleared", "Approved by Test Agency staff: Reconsidered"):
        assert line in history, line


def test_checks_are_refused_beside_the_form_when_incomplete_or_too_long(app, users, agencies, employer):
    approval = accounts.request_approval(employer, agencies["kcpd"])
    desk, _ = desk_for(app, users, "kcpd")
    missing = check(desk, approval, "")
    assert missing.status_code == 422 and "Choose the outcome of the check." in missing.get_data(as_text=True)
    long = check(desk, approval, "cleared", "x" * 121)
    assert long.status_code == 422 and 'id="reference-' in long.get_data(as_text=True)
    assert check(desk, approval, "maybe").status_code == 422
    assert fresh(approval).checks == []
    with pytest.raises(accounts.ApprovalRefused):
        accounts.record_check(approval, CheckOutcome.CLEARED, users.make("agency_staff", agency="kcpd"), "y" * 121)


# -- agencies whose cards ask for no check ---------------------------------------------------------------------
@pytest.mark.parametrize("slug", ["mesa", "west-valley-city", "tucson"])
def test_a_card_without_a_check_approves_directly(app, users, agencies, employer, slug):
    approval = accounts.request_approval(employer, agencies[slug])
    desk, _ = desk_for(app, users, slug)
    page = desk.get("/agency/").get_data(as_text=True)
    assert 'data-testid="background-check"' not in page and "Record the check" not in page
    assert check(desk, approval, "cleared").status_code == 422  # nothing to record
    assert fresh(approval).checks == []
    assert decide(desk, approval, "approve").status_code == 302
    assert fresh(approval).status == ApprovalStatus.APPROVED


# -- approval holds until suspended ----------------------------------------------------------------------------
def test_an_approval_holds_until_suspended_and_a_suspension_stops_bookings(app, users, agencies, employer):
    kcpd = agencies["kcpd"]
    approval = accounts.request_approval(employer, kcpd)
    coordinator = users.make("agency_staff", agency="kcpd")
    accounts.record_check(approval, CheckOutcome.CLEARED, coordinator, "MULES")
    assert accounts.decide_approval(approval, ApprovalStatus.APPROVED, coordinator)
    since = fresh(approval).approved_since
    # approving again records nothing: the approval runs on from its first day, with no expiry
    assert accounts.decide_approval(fresh(approval), ApprovalStatus.APPROVED, coordinator) is False
    assert fresh(approval).approved_since == since and len(decisions(approval)) == 1

    booking = submitted_booking(employer, kcpd)
    with pytest.raises(accounts.ApprovalRefused, match="Say why"):
        accounts.decide_approval(fresh(approval), ApprovalStatus.SUSPENDED, coordinator)
    assert accounts.decide_approval(fresh(approval), ApprovalStatus.SUSPENDED, coordinator, "RIR 388 filed")
    assert fresh(approval).approved_since is None
    with pytest.raises(lifecycle.Refused, match="is suspended as an employer"):
        lifecycle.approve(db.session.get(Booking, booking.id), coordinator)
    desk = app.test_client()
    users.login(desk, coordinator)
    assert "is suspended as an employer" in text(desk.get(f"/agency/bookings/{booking.id}").get_data(as_text=True))
    assert db.session.get(Booking, booking.id).status == BookingStatus.SUBMITTED

    # reinstating is approving again (policy 630-9 III.B): the check before the suspension no longer counts
    with pytest.raises(accounts.ApprovalRefused, match="record a new cleared background check"):
        accounts.decide_approval(fresh(approval), ApprovalStatus.APPROVED, coordinator)
    accounts.record_check(fresh(approval), CheckOutcome.CLEARED, coordinator, "MULES again")
    assert accounts.decide_approval(fresh(approval), ApprovalStatus.APPROVED, coordinator, "Reinstated")
    assert fresh(approval).approved_since > since
    assert decisions(approval) == [("pending", "approved"), ("approved", "suspended"), ("suspended", "approved")]
    lifecycle.approve(db.session.get(Booking, booking.id), coordinator)
    assert db.session.get(Booking, booking.id).status == BookingStatus.APPROVED


def test_the_dashboard_suspends_and_reinstates(app, users, agencies, employer):
    approval = accounts.request_approval(employer, agencies["kcpd"])
    desk, _ = desk_for(app, users, "kcpd")
    check(desk, approval, "cleared")
    decide(desk, approval, "approve")
    page = desk.get("/agency/").get_data(as_text=True)
    assert f'aria-label="Suspend {employer.organisation.legal_name}"' in page
    assert decide(desk, approval, "suspend", "Complaint under review").status_code == 302
    page = text(desk.get("/agency/").get_data(as_text=True))
    assert "No check since the suspension" in page
    assert decide(desk, approval, "approve").status_code == 422
    check(desk, approval, "cleared", "MULES after the review")
    assert decide(desk, approval, "approve").status_code == 302
    page = text(desk.get("/agency/").get_data(as_text=True))
    assert "Suspended by Test Agency staff: Complaint under review" in page and "Reinstated by Test Agency" in page


def test_moves_outside_the_table_are_refused(app, users, agencies, employer):
    approval = accounts.request_approval(employer, agencies["mesa"])
    desk, _ = desk_for(app, users, "mesa")
    refused = decide(desk, approval, "suspend", "not approved yet")
    assert refused.status_code == 422 and "cannot be suspended now" in refused.get_data(as_text=True)
    assert decide(desk, approval, "nonsense").status_code == 400
    assert fresh(approval).status == ApprovalStatus.PENDING and decisions(approval) == []


# -- the employer's side ---------------------------------------------------------------------------------------
def test_the_employer_sees_status_and_whether_the_check_is_done_not_its_details(app, client, users, agencies,
                                                                                employer):
    users.login(client, employer)
    row = re.compile(r'data-testid="approval-kcpd">(.*?)</td>', re.S)
    assert "KCPD runs a background check before approving" in text(row.search(
        client.get("/employer/").get_data(as_text=True)).group(1))
    approval = accounts.request_approval(employer, agencies["kcpd"])
    assert "Background check: pending" in text(row.search(client.get("/employer/").get_data(as_text=True)).group(1))
    desk, _ = desk_for(app, users, "kcpd")
    check(desk, approval, "cleared", "MULES 99-SECRET-REF")
    html = client.get("/employer/").get_data(as_text=True)
    assert "Background check complete: cleared" in text(row.search(html).group(1))
    assert "99-SECRET-REF" not in html and "Test Agency staff" not in html
    decide(desk, approval, "approve")
    day = fresh(approval).decided_at.astimezone(ZoneInfo("America/Chicago"))
    cell = text(row.search(client.get("/employer/").get_data(as_text=True)).group(1))
    assert f"Approved since {day.day} {day:%b %Y}" in cell
    mesa = text(re.search(r'data-testid="approval-mesa">(.*?)</td>', client.get("/employer/").get_data(
        as_text=True), re.S).group(1))
    assert "Not requested" in mesa and "background check" not in mesa.lower()


# -- who may record and decide ---------------------------------------------------------------------------------
def test_only_the_agencys_own_staff_record_checks(app, client, users, agencies, employer):
    approval = accounts.request_approval(employer, agencies["kcpd"])
    other, _ = desk_for(app, users, "mesa")
    assert check(other, approval, "cleared").status_code == 404
    assert decide(other, approval, "approve").status_code == 404
    assert employer.organisation.legal_name not in other.get("/agency/").get_data(as_text=True)
    users.login(client, employer)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/employer/").get_data(as_text=True))
    answer = client.post(f"/agency/employers/{approval.id}/checks", data={"csrf_token": token.group(1),
                                                                         "outcome": "cleared"})
    assert answer.status_code == 403
    with pytest.raises(PermissionError):
        accounts.record_check(approval, CheckOutcome.CLEARED, users.make("agency_admin", agency="mesa"))
    with pytest.raises(PermissionError):  # a site administrator decides, but checks are the agency's own
        accounts.record_check(approval, CheckOutcome.CLEARED, users.make("site_admin"))
    assert db.session.scalar(select(func.count(BackgroundCheck.id))) == 0
    assert db.session.scalar(select(func.count(ApprovalDecision.id))) == 0


# -- the demo ----------------------------------------------------------------------------------------------------
def test_the_demo_employer_is_approved_by_kcpd_with_a_cleared_check(runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # idempotent
    [approval] = db.session.scalars(select(EmployerApproval)).all()
    assert approval.agency.slug == "kcpd" and approval.status == ApprovalStatus.APPROVED
    assert [c.outcome for c in approval.checks] == ["cleared"]
    assert approval.checks[0].checked_by.email == "coordinator@kcpd.example.com"
    assert [(d.from_status, d.status) for d in approval.decisions] == [("pending", "approved")]
