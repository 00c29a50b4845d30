"""Sessions end when they should: logout, a password change elsewhere and disabling the account end every
session of that user, remember-me cookies (valid 365 days) included, on every signed-in page.

The signed-in pages are not listed here: each role's pages are found by crawling from its home page and
every argument-free route of the URL map (tests.support.discovery), keeping those an anonymous visitor is
sent to log in from. Cookies are copied before the event and replayed after it, as a thief would.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, csrf_token_from, post_form
from tests.support import discovery

ROLES = ("employer", "agency_staff", "agency_admin", "site_admin")
HOMES = {"employer": "/employer/", "agency_staff": "/agency/", "agency_admin": "/agency/", "site_admin": "/admin/"}
NEW_PASSWORD = "a different horse battery staple"


def sign_in(app, user, *, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = post_form(client, "/auth/login", {"email": user.email, "password": password, "remember": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def cookies_of(client: FlaskClient) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token") if client.get_cookie(name)}


def replayed(app, cookies: dict[str, str]) -> FlaskClient:
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def signed_in_pages(app, client: FlaskClient, role: str) -> list[str]:
    """The pages this role opens (200) that send an anonymous visitor to log in."""
    seeds = [HOMES[role], "/auth/profile"] + [
        r.rule.rule for r in discovery.routes(app, []) if "GET" in r.methods and not r.rule.arguments]
    site = discovery.crawl(client, seeds, limit=40)
    anonymous = app.test_client()
    pages = [p for p, status in site.pages.items()
             if status == 200 and anonymous.get(p).headers.get("Location", "").startswith("/auth/login")]
    assert HOMES[role] in pages and "/auth/profile" in pages, pages
    return pages


def assert_signed_out(app, cookies: dict[str, str], pages: list[str]) -> None:
    for kept in ({"session"}, {"remember_token"}, {"session", "remember_token"}):
        client = replayed(app, {k: v for k, v in cookies.items() if k in kept})
        for page in pages:
            response = client.get(page)
            assert response.status_code == 302, f"{page} with {sorted(kept)}: {response.status_code}"
            assert response.headers["Location"].startswith("/auth/login"), page


@pytest.fixture
def people(users):
    return {role: users.make(role) for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
def test_logout_ends_every_session_of_the_user(app, people, role):
    client = sign_in(app, people[role])
    other_device = sign_in(app, people[role])
    pages = signed_in_pages(app, client, role)
    cookies = cookies_of(client)
    assert set(cookies) == {"session", "remember_token"}
    token = csrf_token_from(client.get(HOMES[role]).get_data(as_text=True))
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert_signed_out(app, cookies, pages)
    assert_signed_out(app, cookies_of(other_device), pages)
    # The CSRF token of the ended session is no good in the next one.
    refused = client.post("/auth/login", data={"csrf_token": token, "email": people[role].email, "password": PASSWORD})
    assert refused.status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_a_password_change_ends_every_other_session(app, people, role):
    thief = sign_in(app, people[role])
    pages = signed_in_pages(app, thief, role)
    stolen = cookies_of(thief)
    owner = sign_in(app, people[role])
    response = post_form(owner, "/auth/profile", {"password-current_password": PASSWORD,
                                                  "password-new_password": NEW_PASSWORD,
                                                  "password-confirm": NEW_PASSWORD, "password-submit": "Change"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert_signed_out(app, stolen, pages)
    assert owner.get(HOMES[role]).status_code == 200  # the session that changed it goes on
    assert replayed(app, {"remember_token": cookies_of(owner)["remember_token"]}).get(HOMES[role]).status_code == 200
    sign_in(app, people[role], password=NEW_PASSWORD)


@pytest.mark.parametrize("role", ROLES)
def test_disabling_a_user_ends_their_sessions_and_sign_in(app, people, runner, role):
    client = sign_in(app, people[role])
    pages = signed_in_pages(app, client, role)
    cookies = cookies_of(client)
    result = runner.invoke(args=["users", "disable", people[role].email])
    assert result.exit_code == 0, result.output
    assert_signed_out(app, cookies, pages)
    refused = post_form(app.test_client(), "/auth/login", {"email": people[role].email, "password": PASSWORD})
    assert refused.status_code == 422
    assert runner.invoke(args=["users", "enable", people[role].email]).exit_code == 0
    sign_in(app, people[role])


def test_the_site_administrator_disables_an_agency_user_from_the_back_office(app, people):
    staff = sign_in(app, people["agency_staff"])
    pages = signed_in_pages(app, staff, "agency_staff")
    cookies = cookies_of(staff)
    admin = sign_in(app, people["site_admin"])
    action = f"/admin/users/{people['agency_staff'].id}/active"
    response = post_form(admin, action, {"active": "0"}, page="/admin/")
    assert response.status_code == 303
    assert "Disabled" in admin.get("/admin/").get_data(as_text=True)
    assert_signed_out(app, cookies, pages)
    # An administrator cannot disable their own account from the page.
    assert post_form(admin, f"/admin/users/{people['site_admin'].id}/active", {"active": "0"},
                     page="/admin/").status_code == 403


def test_signed_in_pages_are_not_stored_by_caches(app, people):
    client = sign_in(app, people["employer"])
    for page in signed_in_pages(app, client, "employer"):
        assert client.get(page).headers.get("Cache-Control") == "no-store", page
    assert "no-store" not in (app.test_client().get("/quote?agency=kcpd").headers.get("Cache-Control") or "")
