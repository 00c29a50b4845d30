"""The officer roster: agency administrators add, edit, deactivate and import officers; every problem is shown
beside its field (or, for an import, with its line) and nothing half-done is saved."""

from __future__ import annotations

import io

from sqlalchemy import select

from portal.extensions import db
from portal.models import Officer
from tests.conftest import csrf_token_from, post_form


def roster(agency_id: int) -> dict[str, tuple[str, str, bool]]:
    db.session.expire_all()
    return {o.badge_number: (o.full_name, o.rank, o.active)
            for o in db.session.scalars(select(Officer).where(Officer.agency_id == agency_id))}


def add(desk, **fields):
    return post_form(desk, "/agency/officers", fields, page="/agency/officers")


def test_an_administrator_adds_and_edits_officers(desk, agencies):
    kcpd = agencies["kcpd"]
    assert add(desk, full_name="  Ana   Diaz ", badge_number="4417", rank="sergeant").status_code == 303
    assert roster(kcpd.id) == {"4417": ("Ana Diaz", "sergeant", True)}
    html = desk.get("/agency/officers").get_data(as_text=True)
    assert "Ana Diaz" in html and "Sergeant" in html
    [officer] = db.session.scalars(select(Officer)).all()
    edited = post_form(desk, f"/agency/officers/{officer.id}", {"full_name": "Ana Diaz-Lee", "badge_number": "4417",
                                                                 "rank": "captain"})
    assert edited.status_code == 303 and roster(kcpd.id) == {"4417": ("Ana Diaz-Lee", "captain", True)}


def test_problems_are_shown_beside_their_fields(desk, agencies):
    add(desk, full_name="Ana Diaz", badge_number="4417", rank="officer")
    answer = add(desk, full_name="", badge_number="44 17", rank="lieutenant")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="full_name-error"' in html and "Enter the officer&#39;s name." in html
    assert 'id="badge_number-error"' in html and "Letters, digits and dashes" in html
    assert 'id="rank-error"' in html and "Police officer, Sergeant, Captain or major" in html
    taken = add(desk, full_name="Bo Kim", badge_number="4417", rank="officer")
    assert taken.status_code == 422 and "Badge 4417 is already on the roster." in taken.get_data(as_text=True)
    assert len(roster(agencies["kcpd"].id)) == 1


def test_deactivated_officers_stay_on_the_roster(desk, agencies):
    add(desk, full_name="Ana Diaz", badge_number="4417", rank="officer")
    [officer] = db.session.scalars(select(Officer)).all()
    page = "/agency/officers"
    assert post_form(desk, f"{page}/{officer.id}/active", {"active": "0"}, page=page).status_code == 303
    assert roster(agencies["kcpd"].id)["4417"][2] is False
    assert "Reactivate Ana Diaz" in desk.get(page).get_data(as_text=True)
    post_form(desk, f"{page}/{officer.id}/active", {"active": "1"}, page=page)
    assert roster(agencies["kcpd"].id)["4417"][2] is True


def test_coordinators_see_the_roster_but_only_administrators_change_it(app, users, desk, agencies):
    add(desk, full_name="Ana Diaz", badge_number="4417", rank="officer")
    staff = app.test_client()
    users.login(staff, "agency_staff", agency="kcpd")
    html = staff.get("/agency/officers").get_data(as_text=True)
    assert "Ana Diaz" in html and "Add an officer" not in html
    token = csrf_token_from(html)
    [officer] = db.session.scalars(select(Officer)).all()
    for path in ("/agency/officers", f"/agency/officers/{officer.id}", f"/agency/officers/{officer.id}/active",
                 "/agency/officers/import"):
        assert staff.post(path, data={"csrf_token": token, "full_name": "X", "badge_number": "1",
                                      "rank": "officer"}).status_code == 403, path
    assert roster(agencies["kcpd"].id) == {"4417": ("Ana Diaz", "officer", True)}


def upload(desk, text: str | bytes):
    html = desk.get("/agency/officers").get_data(as_text=True)
    data = text.encode() if isinstance(text, str) else text
    return desk.post("/agency/officers/import", data={"csrf_token": csrf_token_from(html),
                                                      "file": (io.BytesIO(data), "roster.csv")},
                     content_type="multipart/form-data")


def test_a_csv_roster_adds_and_updates_by_badge_number(desk, agencies):
    add(desk, full_name="Ana Diaz", badge_number="4417", rank="officer")
    answer = upload(desk, "\ufeffName,Badge number,Rank,Active\n"
                          "Ana Diaz,4417,Sergeant,yes\n"  # known badge: promoted
                          "Bo Kim,K-208,officer,\n"
                          "\n"
                          "Cy Lopez,5120,captain or major,no\n")
    assert answer.status_code == 303
    assert roster(agencies["kcpd"].id) == {"4417": ("Ana Diaz", "sergeant", True),
                                           "K-208": ("Bo Kim", "officer", True),
                                           "5120": ("Cy Lopez", "captain", False)}
    assert "2 added, 1 updated, 0 unchanged" in desk.get("/agency/officers").get_data(as_text=True)


def test_a_csv_with_problems_imports_nothing_and_names_each_line(desk, agencies):
    answer = upload(desk, "name,badge_number,rank\n"
                          "Ana Diaz,4417,officer\n"
                          ",12 3,chief\n"
                          "Bo Kim,4417,officer\n")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="file-error"' in html
    for words in ("Line 3, full_name: Enter the officer&#39;s name.", "Line 3, badge_number:", "Line 3, rank:",
                  "Line 4, badge_number: badge 4417 is also on line 2."):
        assert words in html, words
    assert roster(agencies["kcpd"].id) == {}
    for text, words in ((b"name,badge\nAna,1\n", "missing: rank"), (b"\xff\xfe\x00n", "not UTF-8"),
                        (b"name,badge_number,rank\n", "no officers")):
        answer = upload(desk, text)
        assert answer.status_code == 422 and words in answer.get_data(as_text=True), words
