"""Pricing tests: pure, no Flask app, no database. Fixtures here only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.pricing import SEED_SLUGS, RateCard, load_seed_card

# Quotes are priced "as if received" at submitted_at; NOW only fills a missing submitted_at.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def seed_cards() -> dict[str, RateCard]:
    return {slug: load_seed_card(slug) for slug in SEED_SLUGS}


@pytest.fixture
def now() -> datetime:
    return NOW
