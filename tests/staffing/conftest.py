"""Back-office tests: localstripe through ``stripe_line``, a clock the test can move, the shipped cards, an
employer signed in on ``client`` and a coordinator on ``desk``."""

from __future__ import annotations

import pytest

from tests.support.stripe import stripe_config


@pytest.fixture
def app_config(app_config, stripe_line, clock):
    return {**app_config, **stripe_config(stripe_line), "CLOCK": clock}


@pytest.fixture(autouse=True)
def _cards(agencies):
    """The four shipped cards are loaded."""


@pytest.fixture
def employer(login):
    return login("employer")


@pytest.fixture
def slug() -> str:
    """The agency of the test (override with a parametrize or a fixture of the module)."""
    return "kcpd"


@pytest.fixture
def coordinator(users, slug):
    return users.make("agency_admin", agency=slug)


@pytest.fixture
def desk(app, users, coordinator):
    """The coordinator's own test client, signed in."""
    other = app.test_client()
    users.login(other, coordinator)
    return other
