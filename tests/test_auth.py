"""Sign-up, login, logout, profile, rate limiting and CSRF."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Organisation, User
from tests.conftest import PASSWORD, csrf_token_from, post_form

SIGNUP = {
    "legal_name": "Riverside Events LLC",
    "street": "1200 Main Street",
    "city": "Kansas City",
    "state": "MO",
    "zip_code": "64105",
    "contact_name": "Dana Whitfield",
    "phone": "(816) 555-0142",
    "email": "Dana@Riverside.example.com",
    "password": "harbour lantern velvet 42",
    "confirm": "harbour lantern velvet 42",
}


def signup(client, **changes):
    return post_form(client, "/auth/signup", {**SIGNUP, **changes})


def test_signup_creates_organisation_and_user_and_signs_in(client):
    response = signup(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/employer/")
    user = db.session.scalar(select(User).where(User.email == "dana@riverside.example.com"))
    assert user is not None and user.is_employer
    assert user.organisation.legal_name == "Riverside Events LLC"
    assert user.password_hash.startswith("$argon2id$")
    assert "harbour" not in user.password_hash
    page = client.get("/employer/").get_data(as_text=True)
    assert "Riverside Events LLC" in page


def test_signup_rejects_duplicate_email(client):
    assert signup(client).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token_from(client.get("/employer/").get_data(as_text=True))})
    response = signup(client, email="dana@riverside.example.com", legal_name="Another LLC")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "An account with this email already exists" in html
    assert 'id="email-error"' in html
    assert db.session.scalar(select(func.count(Organisation.id))) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "Use at least 12 characters."),
        ("password1234", "too easy to guess"),
        ("aaaaaaaaaaaaaaa", "too easy to guess"),
        ("dana-riverside-2026", "Don&#39;t use your email address"),
    ],
)
def test_signup_rejects_weak_password(client, password, message):
    response = signup(client, password=password, confirm=password, email="dana-riverside@example.com")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'id="password-error"' in html
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_signup_rejects_missing_csrf_token(client):
    response = client.post("/auth/signup", data=SIGNUP)
    assert response.status_code == 400
    assert "Your form expired or was sent from another site" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("zip_code", "6410", "Enter a 5-digit ZIP code"),
        ("phone", "call me", "Enter a phone number with area code"),
        ("email", "not-an-email", "Enter an email address like"),
        ("state", "ZZ", "Not a valid choice"),
        ("legal_name", "", "This field is required."),
        ("confirm", "something else entirely", "The passwords do not match."),
    ],
)
def test_signup_field_errors_beside_the_field(client, field, value, message):
    response = signup(client, **{field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html


def test_login_and_logout(client, users):
    user = users.make("employer")
    response = post_form(client, "/auth/login", {"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/employer/")
    token = csrf_token_from(client.get("/employer/").get_data(as_text=True))
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/employer/").status_code == 302


def test_logout_needs_post(client, login):
    login("employer")
    assert client.get("/auth/logout").status_code == 405


def test_wrong_password_is_refused_without_saying_which_part(client, users):
    user = users.make("employer")
    response = post_form(client, "/auth/login", {"email": user.email, "password": "wrong password here"})
    assert response.status_code == 422
    assert "That email and password do not match an account." in response.get_data(as_text=True)
    unknown = post_form(client, "/auth/login", {"email": "nobody@example.com", "password": "wrong password here"})
    assert "That email and password do not match an account." in unknown.get_data(as_text=True)


def test_login_redirects_only_to_local_next(client, users):
    user = users.make("agency_staff")
    page = client.get("/auth/login?next=https://evil.example/").get_data(as_text=True)
    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"csrf_token": csrf_token_from(page), "email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"].endswith("/agency/")
    client.post("/auth/logout", data={"csrf_token": csrf_token_from(client.get("/agency/").get_data(as_text=True))})
    page = client.get("/auth/login?next=/auth/profile").get_data(as_text=True)
    response = client.post(
        "/auth/login?next=/auth/profile",
        data={"csrf_token": csrf_token_from(page), "email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"].endswith("/auth/profile")


def test_signup_goes_on_to_a_local_next_and_the_login_page_passes_it_along(client):
    """From "Request these officers": log in and sign up both carry the visitor on to the request."""
    target = "/employer/requests/new?agency=tucson&shifts-0-date=2030-01-02"
    login_page = client.get("/auth/login", query_string={"next": target}).get_data(as_text=True)
    signup_link = '/auth/signup?next=/employer/requests/new?agency%3Dtucson%26shifts-0-date%3D2030-01-02'
    assert login_page.count(f'href="{signup_link}"') == 2  # the header's button and the page's link
    page = client.get(signup_link).get_data(as_text=True)
    assert 'action="/auth/signup?next=' in page and "with the shifts from your quote" in page
    response = client.post(signup_link, data={"csrf_token": csrf_token_from(page), **SIGNUP})
    assert response.status_code == 302 and response.headers["Location"] == target


def test_signup_never_goes_on_to_another_site(client):
    page = client.get("/auth/signup?next=https://evil.example/").get_data(as_text=True)
    assert "evil.example" not in page
    response = client.post("/auth/signup?next=https://evil.example/", data={"csrf_token": csrf_token_from(page),
                                                                            **SIGNUP})
    assert response.status_code == 302 and response.headers["Location"].endswith("/employer/")


def test_inactive_user_cannot_log_in(client, users):
    user = users.make("employer")
    user.active = False
    db.session.commit()
    response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 422


def test_login_is_rate_limited(client, users):
    user = users.make("employer")
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    wrong = {"csrf_token": token, "email": user.email, "password": "wrong guess number"}
    codes = [client.post("/auth/login", data=wrong).status_code for _ in range(6)]
    assert codes[:5] == [422] * 5
    assert codes[5] == 429
    # Even the right password is refused until the window passes.
    response = client.post("/auth/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_profile_update_and_password_change(client, login):
    user = login("employer")
    response = post_form(
        client,
        "/auth/profile",
        {"profile-full_name": "Dana W.", "profile-phone": "(816) 555-0199", "profile-submit": "1"},
    )
    assert response.status_code == 302
    assert user.full_name == "Dana W."
    response = post_form(
        client,
        "/auth/profile",
        {
            "password-current_password": "not my password at all",
            "password-new_password": "new long passphrase here",
            "password-confirm": "new long passphrase here",
            "password-submit": "1",
        },
    )
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    response = post_form(
        client,
        "/auth/profile",
        {
            "password-current_password": PASSWORD,
            "password-new_password": "new long passphrase here",
            "password-confirm": "new long passphrase here",
            "password-submit": "1",
        },
    )
    assert response.status_code == 302
    from portal import accounts

    assert accounts.authenticate(user.email, "new long passphrase here") is not None


def test_signup_is_rate_limited(client, app):
    app.config["SIGNUP_RATE_LIMIT"] = "2 per hour"
    for i in range(2):
        assert signup(client, email=f"person{i}@example.com").status_code == 302
        token = csrf_token_from(client.get("/employer/").get_data(as_text=True))
        client.post("/auth/logout", data={"csrf_token": token})  # a signed-in visitor is sent to the dashboard
    response = signup(client, email="third@example.com")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
