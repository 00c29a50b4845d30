"""Shared fixtures: the app on SQLite (default) or PostgreSQL, clients, CLI runner, logins per role.

``DETAIL_DESK_TEST_DB=postgresql`` runs every database test on a throwaway PostgreSQL server
(tests.support.postgres) instead of a SQLite file. CSRF protection and rate limits stay on in
tests: forms are posted with the token the page rendered, as a browser would.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import accounts, create_app
from portal.cards import import_shipped_cards
from portal.extensions import db
from portal.models import Agency, Role, User

pytest_plugins = ["tests.support.plugin"]

TEST_DB = os.environ.get("DETAIL_DESK_TEST_DB", "sqlite")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if TEST_DB == "postgresql":
        return request.getfixturevalue("pg_database_url")
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app_config(database_url: str, tmp_path) -> dict:
    """Override in a test module to change settings before the app is built."""
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_FOLDER": str(tmp_path / "uploads")}


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own application context, as in production.

    The ``app`` fixture keeps an application context open so tests can query the database; a
    request would otherwise reuse it, and ``g`` (the signed-in user, say) would leak from one
    request to the next. Afterwards the test's own session forgets what it had loaded, so it
    sees what the request committed.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def agencies(app: Flask) -> dict[str, Agency]:
    """The four launch agencies, from their shipped rate cards."""
    return {version.agency.slug: version.agency for version, _ in import_shipped_cards()}


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict, *, page: str | None = None, **kwargs):
    """GET the page holding the form (``page``, default ``url``), then POST with its CSRF token."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token_from(html), **data}, **kwargs)


@dataclass
class Accounts:
    """Makes users of each role and signs them in through the real login form."""

    app: Flask
    agencies: dict[str, Agency]
    _count: int = 0

    def make(self, role: Role | str, *, agency: str = "kcpd", email: str | None = None) -> User:
        role = Role(role)
        self._count += 1
        email = email or f"{role.value}{self._count}@example.com"
        if role == Role.EMPLOYER:
            return accounts.register_employer(
                accounts.EmployerSignup(
                    legal_name=f"Test Employer {self._count} LLC", street="1 Main St", city="Kansas City",
                    state="MO", zip_code="64106", contact_name="Pat Employer", phone="(816) 555-0100",
                    email=email, password=PASSWORD,
                )
            )
        return accounts.create_user(
            email, PASSWORD, role, full_name=f"Test {role.label}",
            agency=self.agencies[agency] if role.is_agency else None,
        )

    def login(self, client: FlaskClient, role: Role | str | User, **kwargs) -> User:
        user = role if isinstance(role, User) else self.make(role, **kwargs)
        response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user


@pytest.fixture
def users(app: Flask, agencies) -> Accounts:
    return Accounts(app, agencies)


@pytest.fixture
def login(client: FlaskClient, users: Accounts):
    """``login("employer")`` signs the test client in as a new user of that role and returns it."""

    def _login(role: Role | str, **kwargs) -> User:
        return users.login(client, role, **kwargs)

    return _login
