"""The site administrator's organisations, users and bookings across every agency: search, filters, pages, the
read-only booking page, disabling a user, and nobody else getting in. Real database (SQLite, or PostgreSQL with
DETAIL_DESK_TEST_DB=postgresql), real forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from portal import accounts
from portal.bookings import drafts, lifecycle, submission
from portal.bookings.states import Action
from portal.extensions import db
from portal.models import ApprovalStatus, Booking, Role, User
from tests.conftest import PASSWORD, csrf_token_from, post_form


def employer(legal_name: str, city: str, email: str) -> User:
    return accounts.register_employer(accounts.EmployerSignup(
        legal_name=legal_name, street="1 Main St", city=city, state="MO", zip_code="64106", contact_name="Pat Lee",
        phone="(816) 555-0100", email=email, password=PASSWORD))


def booking(user: User, agency, site: str, *, days: int = 12, paid: bool = True) -> Booking:
    """A request submitted to ``agency`` (its deposit recorded as paid unless ``paid`` is false)."""
    data = drafts.empty_data(agency.slug)
    day = (datetime.now(ZoneInfo(agency.time_zone)).date() + timedelta(days=days)).isoformat()
    data.update(site_name=site, street="200 Main St", city="Mesa", state="AZ", zip_code="85201", job_type="security",
                shift_rows=[{"date": day, "start": "18:00", "end": "23:00", "officers": "2"}],
                instructions="North gate.", contact_name="Sam Rivera", contact_phone="(480) 555-0199")
    b = drafts.create_draft(user, agency, data, step="review")
    submission.submit(b, user, now=datetime.now(UTC))
    if paid:
        lifecycle.apply(b, Action.PAY_DEPOSIT, actor=None, note="Deposit paid.")
    db.session.commit()
    return b


@dataclass
class World:
    riverside: User  # Riverside Events LLC, Kansas City: two Mesa bookings, approved by Mesa
    percent: User  # 100% Events Co, Tucson: one Tucson booking at "Gate_A", not paid yet
    under: User  # Under_score Works, Phoenix: a draft only
    bookings: dict[str, Booking]


@pytest.fixture
def world(users, agencies) -> World:
    riverside = employer("Riverside Events LLC", "Kansas City", "pat@riverside.example.com")
    percent = employer("100% Events Co", "Tucson", "ops@percent.example.com")
    under = employer("Under_score Works", "Phoenix", "hello@underscore.example.com")
    accounts.request_approval(riverside, agencies["mesa"])
    accounts.decide_approval(riverside.organisation.approval_for(agencies["mesa"]), ApprovalStatus.APPROVED,
                             users.make("agency_staff", agency="mesa"))
    accounts.request_approval(riverside, agencies["tucson"])
    made = {"arena": booking(riverside, agencies["mesa"], "Riverside Arena", days=12),
            "park": booking(riverside, agencies["mesa"], "Riverside Park", days=40),
            "gate": booking(percent, agencies["tucson"], "Gate_A", days=20, paid=False)}
    drafts.create_draft(under, agencies["kcpd"], drafts.empty_data("kcpd"))
    db.session.commit()
    return World(riverside, percent, under, made)


@pytest.fixture
def admin(client, login):
    return login("site_admin")


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def rows(page: str, testid: str) -> list[str]:
    """The row headers (first cell) of a results table, as text."""
    table = re.search(rf'data-testid="{testid}">(.*?)</table>', page, re.S)
    if table is None:
        return []
    return [re.sub(r"<[^>]+>|\s+", " ", h).strip() for h in re.findall(r'<th scope="row">(.*?)</th>', table.group(1),
                                                                         re.S)]


# -- searching -------------------------------------------------------------------------------------------------

def test_organisations_by_name_city_and_member_email_with_members_approvals_and_bookings(client, admin, world):
    for q in ("RIVERSIDE", "kansas", "PAT@riverside"):
        found = rows(html(client, f"/admin/organisations?q={q}"), "organisations")
        assert len(found) == 1 and found[0].startswith("Riverside Events LLC"), (q, found)
    page = html(client, "/admin/organisations?q=riverside")
    assert "pat@riverside.example.com" in page
    assert re.search(r"Mesa PD\s*<span class=\"badge badge-approved\">Approved", page)
    assert re.search(r"Tucson PD\s*<span class=\"badge badge-pending\">Awaiting review", page)
    org = world.riverside.organisation_id
    assert re.search(rf'href="/admin/bookings\?org={org}">2<', page)
    of_org = html(client, f"/admin/bookings?org={org}&status=submitted")
    assert rows(of_org, "bookings") == [world.bookings["park"].reference, world.bookings["arena"].reference]
    assert '<a href="/admin/bookings?status=submitted">Show every organisation' in of_org
    under = html(client, "/admin/organisations?q=under")
    assert rows(under, "organisations")[0].startswith("Under_score Works") and "No agency asked" in under


def test_users_by_name_or_email_role_and_status(client, admin, world, users):
    users.make("agency_admin", agency="tucson", email="boss@tucson.example.com")
    assert rows(html(client, "/admin/users?q=BOSS@tucson"), "users") == ["boss@tucson.example.com"]
    assert "boss@tucson.example.com" in rows(html(client, "/admin/users?q=agency administrator"), "users")
    staff = rows(html(client, "/admin/users?role=agency_admin"), "users")
    assert "boss@tucson.example.com" in staff and "pat@riverside.example.com" not in staff
    accounts.set_active(world.percent, False)
    assert rows(html(client, "/admin/users?active=disabled"), "users") == ["ops@percent.example.com"]
    assert "ops@percent.example.com" not in rows(html(client, "/admin/users?active=active&role=employer"), "users")


def test_bookings_by_reference_site_and_organisation_and_filters(client, admin, world, agencies):
    arena, park, gate = (world.bookings[k].reference for k in ("arena", "park", "gate"))
    assert rows(html(client, f"/admin/bookings?q={arena.lower()}"), "bookings") == [arena]  # a whole reference
    assert rows(html(client, f"/admin/bookings?q={arena[2:8].lower()}"), "bookings") == [arena]  # part of one
    assert rows(html(client, "/admin/bookings?q=riverside park"), "bookings") == [park]
    assert rows(html(client, "/admin/bookings?q=100%25 events"), "bookings") == [gate]
    assert rows(html(client, "/admin/bookings?agency=tucson"), "bookings") == [gate]
    assert rows(html(client, "/admin/bookings?status=awaiting_deposit"), "bookings") == [gate]
    assert rows(html(client, "/admin/bookings?agency=mesa&status=submitted"), "bookings") == [park, arena]
    zone = ZoneInfo(agencies["mesa"].time_zone)
    day = datetime.now(zone).date() + timedelta(days=12)  # the arena's first shift, in Mesa's time
    assert rows(html(client, f"/admin/bookings?date_from={day}&date_to={day}"), "bookings") == [arena]
    after = day + timedelta(days=1)
    assert rows(html(client, f"/admin/bookings?agency=mesa&date_from={after}"), "bookings") == [park]
    assert rows(html(client, f"/admin/bookings?date_to={day - timedelta(days=1)}"), "bookings") == []
    every = rows(html(client, "/admin/bookings"), "bookings")
    assert every == [gate, park, arena]  # newest first; the draft is the employer's own business


@pytest.mark.parametrize(("url", "testid", "expected"), [
    ("/admin/organisations?q=%25", "organisations", ["100% Events Co"]),
    ("/admin/organisations?q=_", "organisations", ["Under_score Works"]),
    ("/admin/organisations?q=%5C", "organisations", []),
    ("/admin/users?q=%25", "users", []),
    ("/admin/users?q=staff_", "users", []),  # (a wildcard would find agency_staff2@...)
    ("/admin/bookings?q=%25", "bookings", ["gate"]),
    ("/admin/bookings?q=e_A", "bookings", ["gate"]),
    ("/admin/bookings?q=_", "bookings", ["gate"]),
])
def test_percent_and_underscore_are_searched_as_themselves(client, admin, world, url, testid, expected):
    found = rows(html(client, url), testid)
    want = [world.bookings[e].reference if e in world.bookings else e for e in expected]
    assert len(found) == len(want) and all(f.startswith(w) for f, w in zip(found, want, strict=True)), found


def test_pages_of_25_keep_the_search(client, admin, agencies):
    db.session.add_all(User(email=f"coordinator{i:02}@mesa.example.com", password_hash="-", full_name=f"C {i}",
                            role=Role.AGENCY_STAFF.value, agency_id=agencies["mesa"].id) for i in range(30))
    db.session.commit()
    first = html(client, "/admin/users?q=coordinator&role=agency_staff")
    assert len(rows(first, "users")) == 25 and "Page 1 of 2 · 30 in all" in first
    assert 'href="/admin/users?q=coordinator&amp;role=agency_staff&amp;page=2"' in first
    second = rows(html(client, "/admin/users?q=coordinator&role=agency_staff&page=2"), "users")
    assert second == [f"coordinator{i}@mesa.example.com" for i in range(25, 30)]
    assert rows(html(client, "/admin/users?q=coordinator&page=99"), "users") == second  # the last page
    # past a thousand matches, the first thousand are listed and the list asks for a narrower search
    db.session.add_all(User(email=f"more{i:04}@mesa.example.com", password_hash="-", full_name="M",
                            role=Role.AGENCY_STAFF.value, agency_id=agencies["mesa"].id) for i in range(1000))
    db.session.commit()
    many = html(client, "/admin/users?role=agency_staff&page=99")
    assert "(more than 1,000)" in many and "Page 40 of 40 · the first 1,000 (search more narrowly" in many


@pytest.mark.parametrize(("query", "message"), [
    ("page=abc", "That page number could not be read: showing the first page."),
    ("page=%C2%B2", "That page number could not be read"),
    ("org=99999", "That organisation was not found: showing the bookings of every organisation."),
    ("status=lost", "Not a valid choice"),
    ("agency=nowhere", "Not a valid choice"),
    ("date_from=2027-02-30", "Not a valid date value"),
    ("date_from=0001-01-01", "Enter a date from 2000 to 2099."),
    ("date_from=2020-03-10&date_to=2020-03-01", "Enter a day on or after the first."),
    ("q=" + "x" * 81, "Enter at most 80 characters."),
])
def test_a_search_that_cannot_be_read_says_so_and_searches_without_it(client, admin, world, query, message):
    response = client.get(f"/admin/bookings?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert len(rows(page, "bookings")) == 3  # what could not be read is left out


# -- the booking page ------------------------------------------------------------------------------------------

def test_a_bookings_page_shows_everything_and_offers_no_action(client, admin, world):
    b = world.bookings["arena"]
    page = html(client, f"/admin/bookings/{b.id}")
    for text in (f"Booking {b.reference}", "Mesa Police Department", "Riverside Events LLC", "Riverside Arena",
                 "Deposit paid.", "Read-only", 'data-testid="shifts"', "Payments and refunds",
                 'data-testid="timeline"'):
        assert text in page, text
    forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page)
    assert forms == ["/auth/logout"]
    draft = db.session.scalar(db.select(Booking).where(Booking.organisation_id == world.under.organisation_id))
    assert client.get(f"/admin/bookings/{draft.id}").status_code == 404  # drafts are not the site's business


def test_list_pages_read_the_same_number_of_queries_for_more_rows(client, admin, world, users, agencies):
    def count(url: str) -> int:
        n = 0

        def tally(*_):
            nonlocal n
            n += 1
        event.listen(db.engine, "before_cursor_execute", tally)
        try:
            html(client, url)
        finally:
            event.remove(db.engine, "before_cursor_execute", tally)
        return n

    urls = ("/admin/organisations", "/admin/users", "/admin/bookings")
    before = [count(u) for u in urls]
    more = employer("Another Org", "Mesa", "another@example.com")
    accounts.request_approval(more, agencies["kcpd"])
    booking(more, agencies["mesa"], "Another Site")
    users.make("agency_staff", agency="tucson")
    assert [count(u) for u in urls] == before


# -- disabling a user --------------------------------------------------------------------------------------------

def test_disabling_a_user_signs_them_out_at_once(app, client, admin, world):
    signed_in = app.test_client()
    post_form(signed_in, "/auth/login", {"email": "pat@riverside.example.com", "password": PASSWORD})
    assert signed_in.get("/employer/").status_code == 200

    listing = html(client, "/admin/users?q=pat@riverside")
    confirm = re.search(r'href="(/admin/users/\d+/disable\?next=[^"]+)"', listing).group(1).replace("&amp;", "&")
    page = html(client, confirm)
    assert "signed out at once on every device" in page
    response = client.post(f"/admin/users/{world.riverside.id}/active",
                           data={"csrf_token": csrf_token_from(page), "active": "0",
                                 "next": "/admin/users?q=pat@riverside"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/users?q=pat@riverside"

    after = signed_in.get("/employer/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/auth/login")
    assert "Enable" in html(client, "/admin/users?q=pat@riverside")
    response = post_form(client, f"/admin/users/{world.riverside.id}/active", {"active": "1", "next": "//evil.example"},
                         page="/admin/users")
    assert response.headers["Location"] == "/admin/users" and db.session.get(User, world.riverside.id).active


def test_an_administrator_cannot_disable_themself(client, admin):
    assert "<span class=\"muted small\">You</span>" in html(client, f"/admin/users?q={admin.email}")
    assert client.get(f"/admin/users/{admin.id}/disable").status_code == 403
    assert post_form(client, f"/admin/users/{admin.id}/active", {"active": "0"}, page="/admin/users").status_code == 403
    assert db.session.get(User, admin.id).active


# -- nobody else -------------------------------------------------------------------------------------------------

def _admin_routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            path = re.sub(r"<[^>]+>", "1", rule.rule)
            found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.mark.parametrize("role", ["employer", "agency_staff", "agency_admin"])
def test_every_admin_route_refuses_everyone_else(app, client, login, role):
    routes = _admin_routes(app)
    assert {p for _, p in routes} >= {"/admin/", "/admin/organisations", "/admin/users", "/admin/bookings",
                                      "/admin/bookings/1", "/admin/users/1/disable", "/admin/users/1/active"}
    login(role)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html(client, "/auth/profile")).group(1)
    for method, path in routes:
        response = client.open(path, method=method, data={"active": "0"}, headers={"X-CSRFToken": token})
        assert response.status_code == 403, (role, method, path, response.status_code)
    assert all(u.active for u in db.session.scalars(db.select(User)))


def test_the_admin_area_has_its_sections(client, admin):
    page = html(client, "/admin/bookings")
    nav = re.search(r'<nav class="tabs admin-nav" aria-label="Administration">(.*?)</nav>', page, re.S).group(1)
    assert re.findall(r">(\w+)</a>", nav) == ["Dashboard", "Organisations", "Users", "Bookings"]
    assert 'href="/admin/bookings" aria-current="page"' in nav
