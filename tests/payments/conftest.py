"""Payments tests: the portal talks to localstripe (through ``stripe_line``, which a test can cut)."""

from __future__ import annotations

import pytest

from tests.support.stripe import stripe_config


@pytest.fixture
def app_config(app_config, stripe_line):
    return {**app_config, **stripe_config(stripe_line)}


@pytest.fixture(autouse=True)
def _cards(agencies):
    """The four shipped cards are loaded."""


@pytest.fixture
def employer(login):
    return login("employer")
