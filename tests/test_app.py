"""The app factory, configuration and security headers."""

import pytest

from portal import create_app
from portal.config import HTMX_URL, ConfigError, from_environment, normalise_database_url


def test_factory_builds_with_test_config(app):
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith(("sqlite:///", "postgresql+psycopg://"))
    assert app.config["SECRET_KEY"] == "test-secret-key-not-for-production"
    assert {"auth", "employer", "agency", "admin", "main"} <= set(app.blueprints)


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DETAIL_DESK_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_development_generates_and_keeps_a_secret(tmp_path):
    env = {"DETAIL_DESK_ENV": "development"}
    first = from_environment(tmp_path, env)["SECRET_KEY"]
    assert len(first) >= 40
    assert from_environment(tmp_path, env)["SECRET_KEY"] == first
    assert (tmp_path / "dev-secret-key").stat().st_mode & 0o077 == 0


def test_environment_settings(tmp_path):
    config = from_environment(
        tmp_path,
        {"SECRET_KEY": "s" * 40, "DATABASE_URL": "postgres://u@db/detaildesk", "STRIPE_SECRET_KEY": "sk_test_x"},
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/detaildesk"
    assert config["SESSION_COOKIE_SECURE"] is True  # production default
    assert config["STRIPE_SECRET_KEY"] == "sk_test_x"
    assert config["HTMX_URL"] == HTMX_URL and config["HTMX_SRI"].startswith("sha384-")
    default = from_environment(tmp_path, {"DETAIL_DESK_ENV": "development"})
    assert default["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'detaildesk.db'}"
    assert default["SESSION_COOKIE_SECURE"] is False


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="DETAIL_DESK_ENV"):
        from_environment(tmp_path, {"DETAIL_DESK_ENV": "staging"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://a@b/c", "postgresql+psycopg://a@b/c"),
        ("postgresql+psycopg://a@b/c", "postgresql+psycopg://a@b/c"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_normalised(url, expected):
    assert normalise_database_url(url) == expected


def test_security_headers_and_csp(client, app):
    response = client.get("/")
    assert response.status_code == 200
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    # Exactly our own origin, the htmx CDN and Stripe.js may serve scripts.
    assert directives["script-src"].split() == ["'self'", "https://cdn.jsdelivr.net", "https://js.stripe.com"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_csp_follows_configured_hosts(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "HTMX_URL": "https://static.agency.example/htmx.min.js",
            "STRIPE_JS_URL": "http://127.0.0.1:8420/js.stripe.com/v3/",
        }
    )
    csp = app.test_client().get("/healthz").headers["Content-Security-Policy"]
    assert "script-src 'self' https://static.agency.example http://127.0.0.1:8420;" in csp
    assert "cdn.jsdelivr.net" not in csp


def test_page_loads_pinned_htmx_with_integrity(client, app):
    html = client.get("/").get_data(as_text=True)
    assert f'src="{app.config["HTMX_URL"]}" integrity="{app.config["HTMX_SRI"]}"' in html
    assert "htmx.org@2." in app.config["HTMX_URL"]
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_session_cookie_flags(client, users, agencies):
    user = users.make("employer")
    from tests.conftest import PASSWORD, post_form

    response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_landing_lists_agencies(client, agencies):
    html = client.get("/").get_data(as_text=True)
    for agency in agencies.values():
        assert agency.name in html


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_friendly_500_without_a_trace(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})

    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    page = app.test_client().get("/boom")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert "Something went wrong" in html and "secret internals" not in html and "Traceback" not in html
    api = app.test_client().get("/api/v1/boom")
    assert api.status_code == 500 and api.get_json()["errors"][0]["message"]
    assert "secret internals" not in api.get_data(as_text=True)


def test_405_names_the_methods_allowed(client):
    """Issue 10: our error page dropped the Allow header of a 405."""
    for path in ("/quote", "/api/v1/quotes", "/auth/logout"):
        response = client.put(path)
        assert response.status_code == 405
        assert response.headers["Allow"], path
    assert set(client.put("/quote").headers["Allow"].split(", ")) >= {"GET"}


def test_the_error_page_works_after_the_database_refused_a_statement(app, users):
    """Issue 10: after PostgreSQL refused a value, the error page (which loads the signed-in user) failed
    again with PendingRollbackError. Run on PostgreSQL too (DETAIL_DESK_TEST_DB=postgresql)."""
    from sqlalchemy import text

    from portal.extensions import db
    from tests.conftest import PASSWORD, post_form

    app.config["PROPAGATE_EXCEPTIONS"] = False

    def refused():
        db.session.execute(text("SELECT * FROM no_such_table"))

    app.add_url_rule("/refused", "refused", refused)
    client = app.test_client()
    user = users.make("employer")
    post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
    response = client.get("/refused")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and user.email in html  # the page still knows who is signed in
