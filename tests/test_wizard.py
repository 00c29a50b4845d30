"""The request wizard with the plain test client: every step as a form post (htmx off), the htmx
fragments, the live preview, drafts, attachments, submission and ownership.

The wizard prices at the real ``now``: shift dates are chosen relative to today in the agency's zone.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal import cards
from portal.extensions import db
from portal.models import ApprovalStatus, Booking, BookingEvent, BookingStatus
from tests.conftest import csrf_token_from, post_form
from tests.support.wizard import (
    ORDERS,
    PDF,
    PLACES,
    PNG,
    ZONES,
    booking_id_from,
    day,
    shift,
    start_draft,
    submit,
    url,
    walk_to_review,
)


@pytest.fixture(autouse=True)
def _cards(agencies):
    """Every test here has the four shipped cards loaded."""


@pytest.fixture
def employer(login):
    return login("employer")


def api_quote(client, body: dict) -> dict:
    response = client.post("/api/v1/quotes", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">([^<]*)</p>', html)
    assert match, f"no error beside {field_id}"
    return match.group(1)


# -- the whole wizard, htmx off ------------------------------------------------------------------
@pytest.mark.parametrize("slug", ["kcpd", "mesa", "west-valley-city", "tucson"])
def test_whole_wizard_with_plain_posts_submits_the_booking(client, employer, slug):
    bid = walk_to_review(client, slug)
    review = client.get(url(bid, "review"))
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert 'aria-current="step"' in html and "Review and submit" in html
    assert "will review your organisation first" in html
    assert ("background check" in html) == (slug == "kcpd")

    response = submit(client, bid)
    assert response.status_code == 303 and response.headers["Location"].endswith(url(bid))
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.AWAITING_DEPOSIT
    assert booking.submitted_at is not None and booking.submitted_at.tzinfo is not None
    assert booking.rate_card_version_id is not None and booking.reference.startswith("DD-")
    assert len(booking.shifts) == 1 and booking.shifts[0].positions
    assert booking.total_cents == booking.quote["total_cents"] > 0
    assert booking.deposit_cents == booking.quote["deposit_cents"]
    assert [(e.from_status, e.to_status) for e in booking.events] == [("draft", "awaiting_deposit")]
    # the agency now sees the organisation waiting for review
    assert employer.organisation.approval_for(booking.agency).status == ApprovalStatus.PENDING

    # the same request through the API costs the same (minus what changed with the clock: nothing here)
    city, state, zip_code = PLACES[slug]
    body = {"agency": slug, "location": {"city": city, "state": state, "zip": zip_code},
            "shifts": [{"start": f"{day(slug)}T18:00", "end": f"{day(slug)}T23:00", "positions": {
                booking.shifts[0].requested and next(iter(booking.shifts[0].requested)): 2}, "job_type": "security"}]}
    assert api_quote(client, body)["total_cents"] == booking.total_cents

    page = client.get(url(bid)).get_data(as_text=True)
    assert booking.reference in page and "Awaiting deposit" in page and "Timeline" in page
    assert "Online payment is not set up on this portal yet" in page and "notified" not in page
    zone = datetime.now(ZoneInfo(ZONES[slug])).strftime("%Z")  # times carry the agency's zone, as elsewhere
    assert len(re.findall(rf'<time datetime="[^"]+">[^<]*\d\d:\d\d {zone}</time>', page)) == 2
    dashboard = client.get("/employer/").get_data(as_text=True)
    assert booking.reference in dashboard and "Awaiting deposit" in dashboard
    shift_zone = booking.shifts[0].starts_at.astimezone(ZoneInfo(ZONES[slug])).strftime("%Z")
    assert re.search(rf"<td>\w{{3}} \d{{1,2}} \w{{3}} \d{{4}}, 18:00 {shift_zone}", dashboard)


def test_double_submit_changes_the_state_once(client, employer):
    bid = walk_to_review(client)
    html = client.get(url(bid, "review")).get_data(as_text=True)
    token = csrf_token_from(html)
    first = client.post(url(bid, "submit"), data={"csrf_token": token, "accept": "y"})
    second = client.post(url(bid, "submit"), data={"csrf_token": token, "accept": "y"})
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"].endswith(url(bid))
    count = db.session.scalar(select(func.count(BookingEvent.id)).where(BookingEvent.booking_id == bid))
    assert count == 1


def test_submit_never_takes_a_price_from_the_client(client, employer):
    bid = walk_to_review(client)
    html = client.get(url(bid, "review")).get_data(as_text=True)
    client.post(url(bid, "submit"), data={"csrf_token": csrf_token_from(html), "accept": "y", "total_cents": "1",
                                          "deposit_cents": "0"})
    booking = db.session.get(Booking, bid)
    assert booking.total_cents == 2 * 5 * 3800  # 2 KCPD officers, 5 hours at the $38.00 minimum


def test_review_must_be_confirmed(client, employer):
    bid = walk_to_review(client)
    response = post_form(client, url(bid, "submit"), {}, page=url(bid, "review"))
    assert response.status_code == 422
    assert "Tick the box to confirm" in response.get_data(as_text=True)
    assert db.session.get(Booking, bid).status == BookingStatus.DRAFT


def decide(employer, slug: str, status: ApprovalStatus) -> None:
    from portal import accounts
    from portal.models import Agency

    agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
    accounts.request_approval(employer, agency).status = status
    db.session.commit()


@pytest.mark.parametrize(("status", "sentence"), [
    (ApprovalStatus.DENIED, "KCPD has declined to work with"),
    (ApprovalStatus.SUSPENDED, "KCPD has suspended its work with"),
])
def test_an_employer_the_agency_declined_or_suspended_cannot_submit(client, employer, status, sentence):
    bid = walk_to_review(client, "kcpd")
    decide(employer, "kcpd", status)
    review = client.get(url(bid, "review")).get_data(as_text=True)
    callout = re.search(r'data-testid="employer-review">(.*?)</div>', review, re.S).group(1)
    assert f"{sentence} {employer.organisation.legal_name}." in callout and "You cannot submit" in callout
    assert "reviewing" not in review and "will review" not in review
    assert sentence in re.search(r'data-testid="review-problems">(.*?)</div>', review, re.S).group(1)
    assert re.search(r'<button type="submit" class="button" disabled[^>]*>Submit request', review)

    response = submit(client, bid)
    assert response.status_code == 422
    assert f"{sentence} {employer.organisation.legal_name}." in response.get_data(as_text=True)
    assert db.session.get(Booking, bid).status == BookingStatus.DRAFT


@pytest.mark.parametrize(("status", "title"), [
    (None, "KCPD will review your organisation first."),
    (ApprovalStatus.PENDING, "KCPD is reviewing your organisation."),
    (ApprovalStatus.APPROVED, None),
])
def test_the_review_callout_is_worded_for_the_approval_status(client, employer, status, title):
    bid = walk_to_review(client, "kcpd")
    if status is not None:
        decide(employer, "kcpd", status)
    review = client.get(url(bid, "review")).get_data(as_text=True)
    if title is None:
        assert 'data-testid="employer-review"' not in review
    else:
        assert f"<strong>{title}</strong>" in review
    assert submit(client, bid).status_code == 303
    page = client.get(url(bid)).get_data(as_text=True)
    if status == ApprovalStatus.APPROVED:
        assert 'data-testid="employer-review"' not in page
    else:  # submitting asked for the review
        assert "<strong>KCPD is reviewing your organisation.</strong>" in page


def test_a_submitted_booking_says_when_the_agency_declined_the_employer(client, employer):
    bid = walk_to_review(client, "mesa")
    assert submit(client, bid).status_code == 303
    decide(employer, "mesa", ApprovalStatus.DENIED)
    page = client.get(url(bid)).get_data(as_text=True)
    assert "Mesa PD has declined to work with" in page and "reviewing" not in page


# -- step 1: agency and location -----------------------------------------------------------------
def test_kcpd_jurisdiction_is_checked_on_the_first_step(client, employer):
    response = post_form(client, "/employer/requests/new", {
        "agency": "kcpd", "site_name": "Plaza", "street": "1 Main", "city": "Overland Park", "state": "KS",
        "zip_code": "66210"})
    assert response.status_code == 422
    message = field_error(response.get_data(as_text=True), "city")
    assert "only inside the city limits of Kansas City, Missouri" in message
    assert "630-9" in message  # its source
    assert db.session.scalar(select(func.count(Booking.id))) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("agency", "", "This field is required."),
    ("site_name", "", "This field is required."),
    ("zip_code", "6410", "Enter a 5-digit ZIP code"),
    ("state", "", "This field is required."),
])
def test_location_step_errors_beside_the_field(client, employer, field, value, message):
    city, state, zip_code = PLACES["mesa"]
    data = {"agency": "mesa", "site_name": "Arena", "street": "1 Main", "city": city, "state": state,
            "zip_code": zip_code, field: value}
    response = post_form(client, "/employer/requests/new", data)
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), field)


def test_a_malformed_agency_slug_never_reaches_the_database(client, employer):
    """Run on PostgreSQL too (DETAIL_DESK_TEST_DB=postgresql), where a NUL byte in a query is an error.

    A NUL byte anywhere in a request is refused whole (400) before any view; other malformed slugs are
    refused by the views themselves."""
    response = post_form(client, "/employer/requests/new", {
        "agency": "kcpd\x00", "site_name": "Plaza", "street": "1 Main", "city": "Kansas City", "state": "MO",
        "zip_code": "64106"})
    assert response.status_code == 400
    response = post_form(client, "/employer/requests/new", {
        "agency": "KC PD", "site_name": "Plaza", "street": "1 Main", "city": "Kansas City", "state": "MO",
        "zip_code": "64106"})
    assert response.status_code == 422
    assert "Not a valid choice" in field_error(response.get_data(as_text=True), "agency")
    assert client.get("/employer/requests/new?agency=kcpd%00").status_code == 400
    assert client.get("/employer/requests/new?agency=KC%20PD").status_code == 302
    html = client.get("/employer/").get_data(as_text=True)
    preview = client.post("/employer/requests/new/preview", headers={**HX, "X-CSRFToken": csrf_token_from(html)},
                          data={"agency": "KC PD"})
    assert preview.status_code == 200
    assert client.post("/employer/agencies/kcpd%00/approval",
                       data={"csrf_token": csrf_token_from(html)}).status_code == 400
    assert client.post("/employer/agencies/KC%20PD/approval",
                       data={"csrf_token": csrf_token_from(html)}).status_code == 404
    assert drafts_count() == 0


# -- step 2: venue and work ----------------------------------------------------------------------
def test_a_block_stops_the_wizard_with_reason_and_source(client, employer):
    bid = start_draft(client, "kcpd")
    response = post_form(client, url(bid, "work"), {"job_type": "security", "attire": "uniform", "q_gambling": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "KCPD will not take this work" in html and "gambling" in html.lower() and "630-9" in html
    assert db.session.get(Booking, bid).step == "work"
    assert client.get(url(bid, "shifts")).status_code == 303  # cannot skip ahead


def test_approvals_and_staffing_advice_are_carried_along(client, employer):
    bid = start_draft(client, "kcpd")
    response = post_form(client, url(bid, "work"), {
        "job_type": "special_event", "attire": "plain", "venue_kind": "open_air_with_alcohol",
        "attendance": "3000", "q_alcohol_principal_business": "y"})
    assert response.status_code == 303
    html = client.get(url(bid, "shifts")).get_data(as_text=True)
    assert "Employment Unit Commander" in html  # plain clothes and tavern approvals
    assert "recommends 5 to 9 officers" in html
    post_form(client, url(bid, "shifts"), {**shift("kcpd", officers="1"), "action": "next"})
    post_form(client, url(bid, "orders"), ORDERS)
    review = client.get(url(bid, "review")).get_data(as_text=True)
    assert "Approvals needed" in review and "Plain clothes" in review
    assert "Headcount raised from 1 to 3" in review  # the tavern minimum


@pytest.mark.parametrize("slug", ["mesa", "west-valley-city", "tucson"])
def test_attire_is_not_asked_when_the_card_has_no_plain_clothes_question(client, employer, slug):
    bid = start_draft(client, slug)
    html = client.get(url(bid, "work")).get_data(as_text=True)
    assert "What the officers wear" not in html and 'name="attire"' not in html
    r = post_form(client, url(bid, "work"), {"job_type": "security"})  # no attire posted: not required
    assert r.status_code == 303, r.get_data(as_text=True)
    assert post_form(client, url(bid, "shifts"), {**shift(slug), "action": "next"}).status_code == 303
    assert post_form(client, url(bid, "orders"), ORDERS).status_code == 303
    review = client.get(url(bid, "review")).get_data(as_text=True)
    assert "Officers wear" not in review and "Plain clothes" not in review
    assert submit(client, bid).status_code == 303
    assert "Officers wear" not in client.get(url(bid)).get_data(as_text=True)


def test_kcpd_asks_what_officers_wear_and_ties_the_error_to_the_choice(client, employer):
    bid = start_draft(client, "kcpd")
    html = client.get(url(bid, "work")).get_data(as_text=True)
    assert "What the officers wear" in html and 'name="attire"' in html
    r = post_form(client, url(bid, "work"), {"job_type": "security"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert re.search(r'<fieldset class="choice-group field-invalid" aria-describedby="attire-error">', body)
    assert '<p class="field-error" id="attire-error">Choose uniform or plain clothes.</p>' in body
    assert post_form(client, url(bid, "work"), {"job_type": "security", "attire": "uniform"}).status_code == 303
    assert post_form(client, url(bid, "shifts"), {**shift("kcpd"), "action": "next"}).status_code == 303
    assert post_form(client, url(bid, "orders"), ORDERS).status_code == 303
    assert "<dt>Officers wear</dt><dd>Uniform</dd>" in client.get(url(bid, "review")).get_data(as_text=True)


def test_work_step_requires_the_kind_of_work(client, employer):
    bid = start_draft(client, "tucson")
    response = post_form(client, url(bid, "work"), {"attire": "uniform"})
    assert response.status_code == 422
    assert "required" in field_error(response.get_data(as_text=True), "job_type")


# -- step 3: shifts ------------------------------------------------------------------------------
def at_shifts(client, slug="kcpd") -> int:
    bid = start_draft(client, slug)
    assert post_form(client, url(bid, "work"), {"job_type": "security", "attire": "uniform"}).status_code == 303
    return bid


@pytest.mark.parametrize(("slug", "row", "field_id", "message"), [
    ("kcpd", {"end": "17:00", "end_date": "__same__"}, "shifts-0-end", "must end after it starts"),
    ("kcpd", {"days": -2}, "shifts-0-start", "nobody books the past"),
    ("tucson", {"start": "08:00", "end": "09:00", "end_date": "__next__"}, "shifts-0-end", "at most 24 hours"),
    ("mesa", {"officers": "2", "vehicles": "3"}, "shifts-0-vehicles", "at most one vehicle per position"),
    ("kcpd", {"date": ""}, "shifts-0-date", "Enter the date."),
    ("kcpd", {"start": ""}, "shifts-0-start", "Enter the start time."),
    ("kcpd", {"officers": ""}, "shifts-0-officers", "Enter how many officers"),
    ("kcpd", {"officers": "-1"}, "shifts-0-officers", "Enter a number from 0 to 200."),
    ("kcpd", {"date": "2027-02-30"}, "shifts-0-date", "Not a valid date"),
])
def test_shift_errors_beside_the_field(client, employer, slug, row, field_id, message):
    bid = at_shifts(client, slug)
    days = row.pop("days", 10)
    if row.get("end_date") == "__same__":
        row["end_date"] = day(slug, days)
    elif row.get("end_date") == "__next__":
        row["end_date"] = day(slug, days + 1)
    response = post_form(client, url(bid, "shifts"), {**shift(slug, days=days, **row), "action": "next"})
    assert response.status_code == 422, response.headers.get("Location")
    assert message in field_error(response.get_data(as_text=True), field_id)
    assert db.session.get(Booking, bid).step == "shifts"


def test_offered_rate_under_the_minimum(client, employer):
    bid = at_shifts(client, "kcpd")
    response = post_form(client, url(bid, "shifts"), {**shift("kcpd"), "offered_officer": "30.00", "action": "next"})
    assert response.status_code == 422
    assert "below the KCPD minimum rate of $38.00" in field_error(response.get_data(as_text=True), "offered_officer")
    response = post_form(client, url(bid, "shifts"), {**shift("kcpd"), "offered_officer": "4x", "action": "next"})
    assert "Enter an hourly rate like 45.00." in field_error(response.get_data(as_text=True), "offered_officer")


def test_kcpd_shift_over_16_hours_is_blocked(client, employer):
    bid = at_shifts(client, "kcpd")
    response = post_form(client, url(bid, "shifts"), {**shift("kcpd", start="06:00", end="23:00"), "action": "next"})
    assert response.status_code == 422
    assert "at most 16 hours" in response.get_data(as_text=True)


def test_add_copy_remove_and_repeat_rows_without_javascript(client, employer):
    bid = at_shifts(client, "west-valley-city")
    base = shift("west-valley-city", officers="3", vehicles="1")
    r = post_form(client, url(bid, "shifts"), {**base, "action": "copy-0"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'name="shifts-1-date"' in html and f'value="{day("west-valley-city")}"' in html
    saved = db.session.get(Booking, bid).shift_rows
    assert len(saved) == 2 and saved[1]["officers"] == "3"  # the draft keeps the rows

    r = post_form(client, url(bid, "shifts"), {**base, **shift("west-valley-city", 1), "action": "remove-0"})
    assert len(db.session.get(Booking, bid).shift_rows) == 1

    r = post_form(client, url(bid, "shifts"), {**base, "action": "add"})
    assert len(db.session.get(Booking, bid).shift_rows) == 2
    assert db.session.get(Booking, bid).shift_rows[1].get("date", "") == ""

    r = post_form(client, url(bid, "shifts"), {**base, "repeat_weeks-0": "3", "action": "repeat-0"})
    rows = db.session.get(Booking, bid).shift_rows
    first = date.fromisoformat(day("west-valley-city"))
    assert [row["date"] for row in rows] == [(first + timedelta(weeks=w)).isoformat() for w in range(4)]

    r = post_form(client, url(bid, "shifts"), {**base, "repeat_weeks-0": "0", "action": "repeat-0"})
    assert r.status_code == 422
    assert "1 to 52 weeks" in field_error(r.get_data(as_text=True), "repeat_weeks-0")
    r = post_form(client, url(bid, "shifts"), {**shift("west-valley-city", date=""), "repeat_weeks-0": "2",
                                                   "action": "repeat-0"})
    assert "Enter the date before repeating" in field_error(r.get_data(as_text=True), "shifts-0-date")

    r = post_form(client, url(bid, "shifts"), {**base, "action": "explode-9"})
    assert r.status_code in (200, 422)


def test_empty_extra_rows_are_ignored_on_continue(client, employer):
    bid = at_shifts(client, "mesa")
    r = post_form(client, url(bid, "shifts"), {**shift("mesa"), "shifts-1-date": "", "shifts-1-officers": "",
                                               "action": "next"})
    assert r.status_code == 303
    assert len(db.session.get(Booking, bid).shift_rows) == 1


# -- step 4: post orders and attachments -----------------------------------------------------------
def at_orders(client, slug="kcpd") -> int:
    bid = at_shifts(client, slug)
    assert post_form(client, url(bid, "shifts"), {**shift(slug), "action": "next"}).status_code == 303
    return bid


@pytest.mark.parametrize(("field", "value", "message"), [
    ("instructions", "", "This field is required."),
    ("contact_name", "", "This field is required."),
    ("contact_phone", "call me", "Enter a phone number with area code"),
    ("instructions", "x" * 5001, "under 5,000 characters"),
])
def test_orders_errors_beside_the_field(client, employer, field, value, message):
    bid = at_orders(client)
    response = post_form(client, url(bid, "orders"), {**ORDERS, field: value})
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), field)


def upload(client, bid, name, content, content_type="application/octet-stream"):
    from io import BytesIO

    html = client.get(url(bid, "orders")).get_data(as_text=True)
    return client.post(f"{url(bid)}/attachments", data={
        "csrf_token": csrf_token_from(html), "attachment": (BytesIO(content), name, content_type)},
        content_type="multipart/form-data")


def test_attachments_are_checked_stored_privately_and_served_to_the_owner(client, employer, app, users):
    bid = at_orders(client)
    r = upload(client, bid, "site-map.pdf", PDF, "application/pdf")
    assert r.status_code == 303
    booking = db.session.get(Booking, bid)
    [attachment] = booking.attachments
    assert attachment.content_type == "application/pdf" and attachment.size_bytes == len(PDF)
    stored = app.config["UPLOAD_FOLDER"]
    assert attachment.stored_name != "site-map.pdf" and re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    from pathlib import Path

    path = Path(stored) / "bookings" / attachment.stored_name
    assert path.read_bytes() == PDF
    assert not str(path.resolve()).startswith(str(Path(app.static_folder).resolve()))

    with client.get(f"{url(bid)}/attachments/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["Content-Type"] == "application/pdf"

    # another organisation cannot see it
    other = app.test_client()
    users.login(other, "employer")
    assert other.get(f"{url(bid)}/attachments/{attachment.id}").status_code == 404
    assert other.get(url(bid, "orders")).status_code == 404
    assert other.get(url(bid)).status_code == 404

    html = client.get(url(bid, "orders")).get_data(as_text=True)
    r = client.post(f"{url(bid)}/attachments/{attachment.id}/delete", data={"csrf_token": csrf_token_from(html)})
    assert r.status_code == 303 and not db.session.get(Booking, bid).attachments and not path.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.pdf", b"MZ\x90\x00 not a pdf at all", "is named .pdf but its content is not a PDF"),
    ("photo.png", PDF, "is named .png but its content is not a PNG image"),
    ("script.html", b"<script>alert(1)</script>", "Attach a PDF or an image"),
    ("empty.pdf", b"", "The file is empty."),
    ("big.pdf", b"%PDF-" + b"0" * 2048, "larger than 2 KB"),
])
def test_bad_attachments_are_refused_beside_the_field(client, employer, name, content, message, monkeypatch):
    from portal.bookings import attachments

    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 2048)  # a 5 MB upload would spool to a temporary file
    bid = at_orders(client)
    r = upload(client, bid, name, content)
    assert r.status_code == 422
    assert message in field_error(r.get_data(as_text=True), "attachment")
    assert not db.session.get(Booking, bid).attachments


def test_uploading_a_file_keeps_what_was_typed_in_the_step(client, employer):
    from io import BytesIO

    bid = at_orders(client)
    html = client.get(url(bid, "orders")).get_data(as_text=True)
    # the upload button and the file input belong to the step's form, which is multipart
    assert re.search(r'<form id="step-form"[^>]*enctype="multipart/form-data"', html)
    assert re.search(rf'<button type="submit" form="step-form" formaction="{re.escape(url(bid))}/attachments"', html)
    assert re.search(r'<input[^>]*form="step-form"[^>]*type="file"|<input[^>]*type="file"[^>]*form="step-form"', html)
    typed = {"instructions": "Meet at the loading dock.", "contact_name": "Sam Rivera", "contact_phone": "call me"}
    r = client.post(f"{url(bid)}/attachments", data={
        "csrf_token": csrf_token_from(html), **typed, "attachment": (BytesIO(PDF), "map.pdf", "application/pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 303 and r.headers["Location"].endswith(url(bid, "orders"))  # not the next step
    booking = db.session.get(Booking, bid)
    assert len(booking.attachments) == 1 and booking.step == "orders"
    # saved as typed, the invalid phone too: the upload is not blocked, the step's submit still checks
    assert (booking.instructions, booking.contact_name, booking.contact_phone) == tuple(typed.values())
    page = client.get(url(bid, "orders")).get_data(as_text=True)
    assert "Meet at the loading dock." in page and 'value="call me"' in page
    r = post_form(client, url(bid, "orders"), typed)
    assert r.status_code == 422 and "area code" in field_error(r.get_data(as_text=True), "contact_phone")

    # removing the file keeps the text typed since, too
    [attachment] = booking.attachments
    r = client.post(f"{url(bid)}/attachments/{attachment.id}/delete", data={
        "csrf_token": csrf_token_from(page), **ORDERS})
    assert r.status_code == 303
    booking = db.session.get(Booking, bid)
    assert not booking.attachments and booking.instructions == ORDERS["instructions"]
    assert booking.contact_phone == ORDERS["contact_phone"] and booking.step == "orders"


def test_a_refused_upload_still_keeps_the_text(client, employer):
    from io import BytesIO

    bid = at_orders(client)
    html = client.get(url(bid, "orders")).get_data(as_text=True)
    r = client.post(f"{url(bid)}/attachments", data={
        "csrf_token": csrf_token_from(html), **ORDERS, "instructions": "x" * 6000,
        "attachment": (BytesIO(b"not a pdf"), "notes.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "is not a PDF" in field_error(r.get_data(as_text=True), "attachment")
    assert db.session.get(Booking, bid).instructions == "x" * 6000


def test_a_file_chosen_when_saving_the_step_is_attached(client, employer):
    from io import BytesIO

    bid = at_orders(client)
    html = client.get(url(bid, "orders")).get_data(as_text=True)
    r = client.post(url(bid, "orders"), data={
        "csrf_token": csrf_token_from(html), **ORDERS, "action": "next",
        "attachment": (BytesIO(PDF), "map.pdf", "application/pdf")}, content_type="multipart/form-data")
    assert r.status_code == 303 and r.headers["Location"].endswith(url(bid, "review"))
    assert [a.original_name for a in db.session.get(Booking, bid).attachments] == ["map.pdf"]
    r = client.post(url(bid, "orders"), data={
        "csrf_token": csrf_token_from(html), **ORDERS, "action": "next",
        "attachment": (BytesIO(b"GIF89a"), "map.pdf", "application/pdf")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "is not a PDF" in field_error(r.get_data(as_text=True), "attachment")


@pytest.mark.parametrize("name", ["план.pdf", "地图.pdf", "Lageplan für Tor 3.PDF"])
def test_file_names_in_any_script_are_accepted(client, employer, app, name):
    bid = at_orders(client)
    r = upload(client, bid, name, PDF, "application/pdf")
    assert r.status_code == 303, r.get_data(as_text=True)
    [attachment] = db.session.get(Booking, bid).attachments
    assert attachment.original_name == name[:-4] + ".pdf" and re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    assert name[:-4] in client.get(url(bid, "orders")).get_data(as_text=True)
    with client.get(f"{url(bid)}/attachments/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == PDF
        assert "filename*=UTF-8''" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(("name", "shown"), [
    (".pdf", None), ("C:\\fakepath\\..\\map.pdf", "map.pdf"), ("\u202egnp.pdf", "gnp.pdf"),
    ("\x00.pdf", "attachment.pdf"),
])
def test_display_names_are_safe(name, shown):
    from pathlib import PurePath

    from portal.bookings import attachments

    ext = PurePath(name.replace("\\", "/")).suffix.lower().lstrip(".")
    if shown is None:
        assert ext == ""  # a dotfile has no extension: refused as not a PDF or an image
    else:
        assert attachments.display_name(name, ext) == shown


def test_the_size_limit_is_5_mb():
    from portal.bookings import attachments

    limit = attachments.MAX_ATTACHMENT_BYTES
    assert limit == 5 * 1024 * 1024 and attachments._size(limit) == "5 MB"


def test_an_image_attachment_is_accepted(client, employer):
    bid = at_orders(client)
    assert upload(client, bid, "gate.png", PNG).status_code == 303


# -- htmx: fragments, preview, history -------------------------------------------------------------
HX = {"HX-Request": "true"}


def is_wizard_fragment(body: str, title: str) -> bool:
    """The wizard block: the tab's title first (htmx takes a <title> only at the top of the answer), no page."""
    return (body.lstrip().startswith(f"<title>{title} · DD-") and '<div id="wizard"' in body
            and "<html" not in body)


def test_step_url_returns_the_wizard_block_for_htmx_and_the_page_otherwise(client, employer):
    bid = at_shifts(client)
    full = client.get(url(bid, "shifts"))
    assert full.get_data(as_text=True).lstrip().startswith("<!doctype html>")
    assert "HX-Request" in full.headers["Vary"]
    fragment = client.get(url(bid, "shifts"), headers=HX)
    body = fragment.get_data(as_text=True)
    assert is_wizard_fragment(body, "Shifts")
    assert fragment.headers["HX-Push-Url"] == url(bid, "shifts")
    assert "HX-Request" in fragment.headers["Vary"]
    restore = client.get(url(bid, "shifts"), headers={**HX, "HX-History-Restore-Request": "true"})
    page = restore.get_data(as_text=True)
    assert page.lstrip().startswith("<!doctype html>")
    assert page.count('id="flash"') == 1 and page.count("<title>") == 1  # the page, without the block's extras


def test_invalid_step_submit_with_htmx_is_a_422_fragment(client, employer):
    bid = at_shifts(client)
    html = client.get(url(bid, "shifts")).get_data(as_text=True)
    response = client.post(url(bid, "shifts"), headers={**HX, "X-CSRFToken": csrf_token_from(html)},
                           data={**shift("kcpd", vehicles="5"), "action": "next"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert is_wizard_fragment(body, "Shifts")
    assert "at most one vehicle per position" in field_error(body, "shifts-0-vehicles")
    assert response.headers["HX-Push-Url"] == "false"


def test_valid_step_submit_with_htmx_redirects_to_the_next_step(client, employer):
    bid = start_draft(client, "mesa")
    html = client.get(url(bid, "work")).get_data(as_text=True)
    response = client.post(url(bid, "work"), headers={**HX, "X-CSRFToken": csrf_token_from(html)},
                           data={"job_type": "security", "attire": "uniform"})
    assert response.status_code == 303 and response.headers["Location"].endswith(url(bid, "shifts"))
    response = client.get(response.headers["Location"], headers=HX)  # what the browser's XHR follows
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == url(bid, "shifts")
    assert is_wizard_fragment(response.get_data(as_text=True), "Shifts")


def preview(client, bid, step, data):
    html = client.get(url(bid, step)).get_data(as_text=True)
    return client.post(f"{url(bid, step)}/preview", data=data, headers={**HX, "X-CSRFToken": csrf_token_from(html)})


def test_preview_prices_like_the_api_and_never_writes(client, employer):
    bid = at_shifts(client, "tucson")
    before = db.session.get(Booking, bid).updated_at
    nye = f"{datetime.now(ZoneInfo(ZONES['tucson'])).year + 1}-12-31"
    data = {"shifts-0-date": nye, "shifts-0-start": "20:00", "shifts-0-end": "02:00", "shifts-0-officers": "5",
            "shifts-0-vehicles": "1"}
    response = preview(client, bid, "shifts", data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="live-panel"')
    total = re.search(r'data-testid="quote-total">([^<]+)<', body).group(1)
    api = api_quote(client, {"agency": "tucson", "location": {"city": "Tucson", "state": "AZ", "zip": "85701"},
                             "shifts": [{"start": f"{nye}T20:00", "end": f"{int(nye[:4]) + 1}-01-01T02:00",
                                         "positions": {"officer": 5}, "vehicles": 1, "job_type": "security"}]})
    assert total == f"${api['total_cents'] // 100:,}.{api['total_cents'] % 100:02d}"
    assert "Holiday" in body
    booking = db.session.get(Booking, bid)
    assert booking.updated_at == before and booking.shift_rows == []


def test_preview_is_200_with_what_is_missing_or_wrong(client, employer):
    bid = at_shifts(client)
    response = preview(client, bid, "shifts", {"shifts-0-date": day("kcpd")})
    assert response.status_code == 200 and "needs a start time" in response.get_data(as_text=True)
    response = preview(client, bid, "shifts", {**shift("kcpd", end="17:00", end_date=day("kcpd"))})
    assert response.status_code == 200 and 'href="#shifts-0-end">Shift 1, End</a>' in response.get_data(as_text=True)
    response = preview(client, bid, "shifts", {"shifts-0-date": "garbage", "shifts-0-officers": "x" * 50})
    assert response.status_code == 200


def test_preview_of_the_location_step_shows_the_jurisdiction_block(client, employer):
    bid = start_draft(client, "kcpd")
    response = preview(client, bid, "location", {"agency": "kcpd", "city": "Lenexa", "state": "KS"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "KCPD will not take this request" in body and "IV.A.11" in body
    assert db.session.get(Booking, bid).city == "Kansas City"


@pytest.fixture
def pricings(monkeypatch):
    """Counts the calls of quote_forms.preview (every pricing of a form goes through it), still pricing."""
    from portal import quote_forms

    calls = []
    real = quote_forms.preview

    def spy(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(quote_forms, "preview", spy)
    return calls


def test_the_review_prices_the_draft_once(client, employer, pricings):
    bid = walk_to_review(client, "mesa")
    pricings.clear()
    html = client.get(url(bid, "review")).get_data(as_text=True)
    assert len(pricings) == 1 and 'data-testid="review-total"' in html
    pricings.clear()
    assert post_form(client, url(bid, "submit"), {}, page=url(bid, "review")).status_code == 422  # not ticked
    assert len(pricings) == 2  # the page the token came from, and the 422 page
    # a refused submit shows the problems and the quote that check_draft priced: one pricing in all
    booking = db.session.get(Booking, bid)
    booking.instructions = ""
    db.session.commit()
    token = csrf_token_from(html)
    pricings.clear()
    response = client.post(url(bid, "submit"), data={"csrf_token": token, "accept": "y"})
    assert response.status_code == 422 and "review-problems" in response.get_data(as_text=True)
    assert 'data-testid="review-total"' in response.get_data(as_text=True)
    assert len(pricings) == 1


def test_a_location_preview_runs_few_queries(client, employer, app):
    from sqlalchemy import event

    html = client.get("/employer/requests/new").get_data(as_text=True)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.post("/employer/requests/new/preview", headers={**HX, "X-CSRFToken": csrf_token_from(html)},
                               data={"agency": "kcpd", "city": "Kansas City", "state": "MO", "zip_code": "64106"})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    # the signed-in user, the agency and its card version; no list of agencies (no select is shown)
    assert len(statements) <= 3, statements
    assert not any("FROM agencies ORDER BY" in s for s in statements)


# -- drafts and My requests ------------------------------------------------------------------------
def test_dashboard_lists_drafts_and_a_draft_resumes_where_it_was_left(client, employer):
    assert "No bookings yet" in client.get("/employer/").get_data(as_text=True)
    bid = at_shifts(client, "mesa")
    post_form(client, url(bid, "shifts"), {**shift("mesa"), "action": "add"})
    booking = db.session.get(Booking, bid)
    dashboard = client.get("/employer/").get_data(as_text=True)
    assert booking.reference in dashboard and "Drafts" in dashboard and "Shifts" in dashboard
    resume = client.get(url(bid))
    assert resume.status_code == 302 and resume.headers["Location"].endswith(url(bid, "shifts"))
    html = client.get(url(bid, "shifts")).get_data(as_text=True)
    assert f'value="{day("mesa")}"' in html and 'name="shifts-1-date"' in html


def test_discarding_a_draft(client, employer):
    bid = start_draft(client, "mesa")
    html = client.get("/employer/").get_data(as_text=True)
    r = client.post(f"{url(bid)}/discard", data={"csrf_token": csrf_token_from(html)})
    assert r.status_code == 303
    assert db.session.get(Booking, bid).status == BookingStatus.CANCELLED
    assert "No bookings yet" in client.get("/employer/").get_data(as_text=True)


def test_another_organisation_gets_404_everywhere(client, employer, app, users):
    bid = at_orders(client)
    other = app.test_client()
    users.login(other, "employer")
    html = other.get("/employer/").get_data(as_text=True)
    token = csrf_token_from(html)
    for path in (url(bid), url(bid, "location"), url(bid, "review")):
        assert other.get(path).status_code == 404
    for path in (url(bid, "shifts"), f"{url(bid, 'shifts')}/preview", f"{url(bid)}/submit", f"{url(bid)}/discard"):
        assert other.post(path, data={"csrf_token": token}).status_code == 404
    assert db.session.get(Booking, bid).status == BookingStatus.DRAFT


def test_unknown_step_and_booking_are_404(client, employer):
    bid = start_draft(client)
    assert client.get(url(bid, "payment")).status_code == 404
    assert client.get(url(99999, "work")).status_code == 404


def test_anonymous_users_are_sent_to_log_in_and_back(client):
    response = client.get("/employer/requests/new?agency=kcpd&shifts-0-date=2030-01-01")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"] and "next=" in response.headers["Location"]


def drafts_count() -> int:
    return db.session.scalar(select(func.count(Booking.id)))


def test_a_public_quote_becomes_a_draft_only_when_the_location_step_is_posted(client, employer):
    d = day("kcpd", 12)
    link = (f"/employer/requests/new?agency=kcpd&offered_officer=45.00&shifts-0-date={d}&shifts-0-start=19:00"
            f"&shifts-0-end=23:00&shifts-0-officers=3&shifts-0-rank_sergeant=1&shifts-1-date={d}&shifts-1-start=09:00"
            "&shifts-1-end=12:00&shifts-1-officers=2&shifts-1-vehicles=1")
    # a GET writes nothing, however often it is loaded (and from whatever site it was linked)
    for _ in range(2):
        response = client.get(link, headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 200
    assert drafts_count() == 0
    html = response.get_data(as_text=True)
    assert re.search(r'<option selected value="kcpd">|<option value="kcpd" selected>', html), "agency chosen"
    assert f'<input type="hidden" name="shifts-0-date" value="{d}">' in html
    assert '<input type="hidden" name="offered_officer" value="45.00">' in html
    assert "The 2 shifts from your quote will be copied" in html
    assert 'data-testid="quote-total"' in html  # the live panel already prices the quote's shifts

    # the location step's POST (with its CSRF token and the hidden fields) makes exactly one draft
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert "shifts-1-vehicles" in hidden
    response = client.post("/employer/requests/new", data={
        **hidden, "agency": "kcpd", "site_name": "Union Station", "street": "30 W Pershing Rd",
        "city": "Kansas City", "state": "MO", "zip_code": "64108"})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert drafts_count() == 1
    bid = booking_id_from(response.headers["Location"])
    assert response.headers["Location"].endswith(url(bid, "work"))
    booking = db.session.get(Booking, bid)
    assert booking.agency.slug == "kcpd" and booking.offered_rates == {"officer": "45.00"}
    assert booking.shift_rows[0] == {"date": d, "start": "19:00", "end": "23:00", "officers": "3", "rank_sergeant": "1"}
    assert len(booking.shift_rows) == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We copied 2 shifts from your quote" in page
    # after the work step the shifts are there, priced
    assert post_form(client, url(bid, "work"), {"job_type": "security", "attire": "uniform"}).status_code == 303
    html = client.get(url(bid, "shifts")).get_data(as_text=True)
    assert 'value="45.00"' in html and 'data-testid="quote-total"' in html


def test_a_public_quote_link_without_a_csrf_token_makes_no_draft(client, employer):
    d = day("kcpd", 12)
    response = client.post("/employer/requests/new", data={
        "agency": "kcpd", "site_name": "Union Station", "street": "30 W Pershing Rd", "city": "Kansas City",
        "state": "MO", "zip_code": "64108", "shifts-0-date": d, "shifts-0-start": "19:00", "shifts-0-end": "23:00",
        "shifts-0-officers": "3"})
    assert response.status_code == 400  # CSRF: a cross-site form cannot make a draft either
    assert drafts_count() == 0


def test_an_invalid_location_post_keeps_the_quote_fields(client, employer):
    d = day("mesa", 12)
    html = client.get(f"/employer/requests/new?agency=mesa&shifts-0-date={d}&shifts-0-start=19:00"
                      "&shifts-0-end=23:00&shifts-0-officers=3").get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    response = client.post("/employer/requests/new", data={**hidden, "agency": "mesa", "site_name": "",
                                                           "street": "1 Main", "city": "Mesa", "state": "AZ",
                                                           "zip_code": "85201"})
    assert response.status_code == 422 and drafts_count() == 0
    again = response.get_data(as_text=True)
    assert f'<input type="hidden" name="shifts-0-date" value="{d}">' in again
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', again))
    response = client.post("/employer/requests/new", data={**hidden, "agency": "mesa", "site_name": "Arena",
                                                           "street": "1 Main", "city": "Mesa", "state": "AZ",
                                                           "zip_code": "85201"})
    assert response.status_code == 303 and drafts_count() == 1
    assert db.session.get(Booking, booking_id_from(response.headers["Location"])).shift_rows[0]["officers"] == "3"


def test_a_public_quote_for_an_unknown_agency(client, employer):
    response = client.get("/employer/requests/new?agency=atlantis")
    assert response.status_code == 302 and response.headers["Location"].endswith("/employer/requests/new")
    assert drafts_count() == 0


def test_new_request_page_renders(client, employer):
    response = client.get("/employer/requests/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'aria-current="step"' in html and "Agency and location" in html


def test_step_ahead_of_the_draft_redirects(client, employer):
    bid = start_draft(client)
    response = client.get(url(bid, "review"))
    assert response.status_code == 303 and response.headers["Location"].endswith(url(bid, "work"))


def test_submitted_booking_is_not_edited_through_the_wizard(client, employer):
    bid = walk_to_review(client, "mesa")
    submit(client, bid)
    assert client.get(url(bid, "shifts")).status_code == 303
    r = post_form(client, url(bid, "orders"), ORDERS, page=url(bid))
    assert r.status_code == 303 and r.headers["Location"].endswith(url(bid))


def test_submission_is_refused_when_something_became_invalid(client, employer):
    bid = walk_to_review(client, "mesa")
    booking = db.session.get(Booking, bid)
    booking.shift_rows = [{**booking.shift_rows[0], "date": (datetime.now(UTC).date() - timedelta(days=3)).isoformat()}]
    db.session.commit()
    response = submit(client, bid)
    assert response.status_code == 422
    assert "nobody books the past" in response.get_data(as_text=True)
    assert db.session.get(Booking, bid).status == BookingStatus.DRAFT


def test_a_new_card_version_never_changes_a_submitted_booking(client, employer, runner, tmp_path):
    """The booking keeps the card version and price it was submitted with; new quotes use the new card."""
    from portal.models import RateCardVersion
    from portal.pricing import SEED_CARD_DIR
    from tests.support.examples import without_worked_examples

    bid = walk_to_review(client, "mesa")
    assert submit(client, bid).status_code == 303
    booking = db.session.get(Booking, bid)
    submitted = (booking.rate_card_version_id, booking.total_cents, booking.deposit_cents)

    # (without the card's worked examples, which state the old figures: the check would refuse them)
    dearer = without_worked_examples((SEED_CARD_DIR / "mesa.toml").read_text()).replace(
        'officer = "78.05"', 'officer = "99.00"', 1)
    assert 'officer = "99.00"' in dearer
    path = tmp_path / "mesa.toml"
    path.write_text(dearer)
    result = runner.invoke(args=["rate-cards", "import", str(path)])
    assert result.exit_code == 0 and "version 2" in result.output, result.output

    db.session.expire_all()
    booking = db.session.get(Booking, bid)
    assert (booking.rate_card_version_id, booking.total_cents, booking.deposit_cents) == submitted
    assert db.session.get(RateCardVersion, booking.rate_card_version_id).version == 1
    page = client.get(url(bid)).get_data(as_text=True)
    assert f"${submitted[1] // 100:,}.{submitted[1] % 100:02d}" in page
    # A new request is priced with version 2, once it has taken effect.
    time.sleep(cards.ACTIVATION_DELAY.total_seconds())
    later = walk_to_review(client, "mesa")
    assert submit(client, later).status_code == 303
    newer = db.session.get(Booking, later)
    assert newer.quote["rate_card_version"] == 2 and newer.total_cents > booking.total_cents
