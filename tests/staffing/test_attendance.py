"""Attendance: clock-in and clock-out per officer, corrections kept with who and when, typed times checked beside
their fields; field notes with photos or documents checked by their content; all of it on the employer's page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Assignment, AttendanceEntry, Booking, BookingStatus, FieldNote
from tests.conftest import csrf_token_from
from tests.support.backoffice import approved_booking, assign, close, hire, page_of, record
from tests.support.wizard import PDF, PNG


def local(booking, moment) -> str:
    return moment.astimezone(booking.agency.zone).strftime("%Y-%m-%dT%H:%M")


def staffed(client, desk, coordinator, line, agencies):
    booking = approved_booking(client, line, coordinator)
    ana, bo = hire(agencies["kcpd"], ("Ana Diaz", "101", "officer"), ("Bo Kim", "102", "officer"))
    assign(desk, booking, booking.shifts[0].id, "officer:n:1", ana)
    assign(desk, booking, booking.shifts[0].id, "officer:n:2", bo)
    db.session.expire_all()
    return db.session.get(Booking, booking.id), db.session.scalars(select(Assignment).order_by(Assignment.id)).all()


def errors(answer) -> dict[str, str]:
    html = answer.get_data(as_text=True)
    return {m.group(1): m.group(2).replace("&#39;", "'")
            for m in re.finditer(r'<p class="field-error" id="[a-z]+-\d+-([a-z_]+)-error">(.*?)</p>', html)}


def test_clocking_in_starts_the_work_and_the_employer_sees_it(client, employer, desk, coordinator, stripe_line,
                                                              agencies, clock):
    booking, (ana, _) = staffed(client, desk, coordinator, stripe_line, agencies)
    start = booking.shifts[0].starts_at
    clock.travel_to(start + timedelta(minutes=7))
    assert record(desk, booking, ana.id, local(booking, start + timedelta(minutes=2))).status_code == 303
    assert db.session.get(Booking, booking.id).status == BookingStatus.IN_PROGRESS
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "The work has started." in page and "Clocked in" in page
    clock.travel_to(start + timedelta(hours=5, minutes=20))
    record(desk, booking, ana.id, local(booking, start + timedelta(minutes=2)),
           local(booking, start + timedelta(hours=5, minutes=15)))
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "(5 h 13 min)" in page


def test_corrections_keep_every_earlier_record_with_who_and_when(app, users, client, employer, desk, coordinator,
                                                                stripe_line, agencies, clock):
    booking, (ana, _) = staffed(client, desk, coordinator, stripe_line, agencies)
    start = booking.shifts[0].starts_at
    clock.travel_to(start + timedelta(hours=6))
    record(desk, booking, ana.id, local(booking, start), local(booking, start + timedelta(hours=3, minutes=30)))
    second = app.test_client()
    other = users.login(second, "agency_staff", agency="kcpd")
    record(second, booking, ana.id, local(booking, start), local(booking, start + timedelta(hours=3)),
           note="Timesheet says 21:00.")
    record(second, booking, ana.id, local(booking, start), local(booking, start + timedelta(hours=3)),
           note="Timesheet says 21:00.")  # the same again: nothing new
    entries = db.session.scalars(select(AttendanceEntry).where(AttendanceEntry.assignment_id == ana.id)
                                 .order_by(AttendanceEntry.id)).all()
    assert [(e.worked_minutes, e.recorded_by_id) for e in entries] == [(210, coordinator.id), (180, other.id)]
    assert entries[1].note == "Timesheet says 21:00."
    event = db.session.get(Booking, booking.id).events[-1]
    assert "corrected" in event.note and "(was " in event.note and event.actor_id == other.id
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "1 earlier record" in page and "Timesheet says 21:00." in page and other.full_name in page


def test_typed_times_are_checked_beside_their_fields(client, employer, desk, coordinator, stripe_line, agencies,
                                                    clock):
    booking, (ana, _) = staffed(client, desk, coordinator, stripe_line, agencies)
    start, end = booking.shifts[0].starts_at, booking.shifts[0].ends_at
    clock.travel_to(start + timedelta(hours=2))
    cases = [
        (("", ""), {"clock_in": "Enter the clock-in time."}),
        ((local(booking, start), local(booking, start)), {"clock_out": "The clock-out comes after the clock-in."}),
        ((local(booking, start), local(booking, start + timedelta(hours=3))), {"clock_out": "That time has not come"}),
        ((local(booking, end + timedelta(hours=1)), ""), {"clock_in": "That time has not come yet."}),
        ((local(booking, start - timedelta(days=2)), ""), {"clock_in": "a clock-in comes before its end"}),
        (("yesterday", ""), {"clock_in": "expected a date and time"}),
    ]
    for (clock_in, clock_out), expected in cases:
        answer = record(desk, booking, ana.id, clock_in, clock_out)
        assert answer.status_code == 422, (clock_in, clock_out)
        found = errors(answer)
        assert set(found) == set(expected), found
        for name, words in expected.items():
            assert words in found[name], found
    assert db.session.scalars(select(AttendanceEntry)).all() == []
    assert db.session.get(Booking, booking.id).status == BookingStatus.STAFFED


def test_an_officer_who_did_not_come_and_a_closed_shift(client, employer, desk, coordinator, stripe_line, agencies,
                                                        clock):
    booking, (ana, bo) = staffed(client, desk, coordinator, stripe_line, agencies)
    start, end = booking.shifts[0].starts_at, booking.shifts[0].ends_at
    clock.travel_to(end + timedelta(hours=1))
    record(desk, booking, ana.id, local(booking, start), local(booking, end))
    assert record(desk, booking, bo.id, absent=True).status_code == 303
    assert "Did not come" in client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert close(desk, booking, booking.shifts[0].id).status_code == 303
    assert record(desk, booking, ana.id, local(booking, start), local(booking, end - timedelta(hours=1))
                  ).status_code == 303
    assert "closed out: its attendance can no longer change" in page_of(desk, booking.id).replace("&#39;", "'")
    assert len(db.session.scalars(select(AttendanceEntry).where(AttendanceEntry.assignment_id == ana.id)).all()) == 1


def note(desk, booking, body: str = "", file: tuple[bytes, str] | None = None, shift: str = ""):
    html = page_of(desk, booking.id)
    data = {"csrf_token": csrf_token_from(html), "note-body": body, "note-shift": shift}
    if file is not None:
        data["note-file"] = (io.BytesIO(file[0]), file[1])
    return desk.post(f"/agency/bookings/{booking.id}/notes", data=data, content_type="multipart/form-data")


def test_field_notes_and_files_checked_by_content_reach_the_employer(app, users, client, employer, desk, coordinator,
                                                                    stripe_line, agencies):
    booking, _ = staffed(client, desk, coordinator, stripe_line, agencies)
    empty = note(desk, booking)
    assert empty.status_code == 422 and "Write a note or attach a file." in empty.get_data(as_text=True)
    disguised = note(desk, booking, "Gate photo", (PDF, "gate.png"))
    assert disguised.status_code == 422
    assert "The file is named .png but its content is not a PNG image." in disguised.get_data(as_text=True)
    assert note(desk, booking, "Crowd light at the north gate.", shift=str(booking.shifts[0].id)).status_code == 303
    assert note(desk, booking, "Gate photo", (PNG, "gate.png")).status_code == 303
    notes = db.session.scalars(select(FieldNote).order_by(FieldNote.id)).all()
    assert [(n.body, n.content_type) for n in notes] == [("Crowd light at the north gate.", None),
                                                          ("Gate photo", "image/png")]
    page = client.get(f"/employer/requests/{booking.id}").get_data(as_text=True)
    assert "Crowd light at the north gate." in page and "gate.png" in page and "shift 1" in page
    url = f"/employer/requests/{booking.id}/field-notes/{notes[1].id}/file"
    with client.get(url) as download:
        assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
        assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    with desk.get(f"/agency/bookings/{booking.id}/notes/{notes[1].id}/file") as download:
        assert download.data == PNG
    assert client.get(f"/employer/requests/{booking.id}/field-notes/{notes[0].id}/file").status_code == 404  # no file
    stranger = app.test_client()
    users.login(stranger, "employer")
    assert stranger.get(url).status_code == 404
