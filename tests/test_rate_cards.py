"""Rate cards as dated versions in the database: flask rate-cards check / import."""

import json

from sqlalchemy import select

from portal import cards
from portal.extensions import db
from portal.models import Agency, RateCardVersion
from portal.pricing import SEED_CARD_DIR

KCPD = (SEED_CARD_DIR / "kcpd.toml").read_text()
REQUEST = {
    "agency": "kcpd",
    "submitted_at": "2026-12-01T10:00:00-06:00",
    "shifts": [{"start": "2026-12-12T18:00", "end": "2026-12-12T23:00", "officers": 2}],
}


def test_check_reports_every_problem_with_its_location(runner, tmp_path):
    broken = KCPD.replace('officer = "38.00"', 'officer = "eighty"', 1).replace('time_zone = "America/Chicago"',
                                                                              'time_zone = "Mars/Olympus"')
    assert broken != KCPD
    path = tmp_path / "broken.toml"
    path.write_text(broken)
    result = runner.invoke(args=["rate-cards", "check", str(path)])
    assert result.exit_code == 1
    assert 'expected an amount like "85.50", got "eighty"' in result.output
    assert "time_zone" in result.output
    assert "2 problems found." in result.output
    ok = runner.invoke(args=["rate-cards", "check", str(SEED_CARD_DIR / "kcpd.toml")])
    assert ok.exit_code == 0 and "the card is valid" in ok.output


def test_import_creates_agency_then_versions(runner, tmp_path):
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD)
    first = runner.invoke(args=["rate-cards", "import", str(path)])
    assert first.exit_code == 0 and "version 1" in first.output, first.output
    agency = db.session.scalar(select(Agency).where(Agency.slug == "kcpd"))
    assert agency.time_zone == "America/Chicago" and agency.jurisdiction == "Kansas City, MO"
    again = runner.invoke(args=["rate-cards", "import", str(path)])
    assert "nothing imported" in again.output
    path.write_text(KCPD.replace('officer = "38.00"', 'officer = "40.00"', 1))
    second = runner.invoke(args=["rate-cards", "import", str(path)])
    assert second.exit_code == 0 and "version 2" in second.output
    versions = db.session.scalars(select(RateCardVersion.version).where(RateCardVersion.agency_id == agency.id))
    assert sorted(versions) == [1, 2]


def test_import_refuses_an_invalid_card(runner, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('slug = "x"\n')
    result = runner.invoke(args=["rate-cards", "import", str(path)])
    assert result.exit_code == 1
    assert db.session.scalar(select(Agency).where(Agency.slug == "x")) is None


def test_quotes_use_the_current_version_and_record_it(client, runner, tmp_path):
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD)
    runner.invoke(args=["rate-cards", "import", str(path)])
    before = client.post("/api/v1/quotes", json=REQUEST).get_json()
    path.write_text(KCPD.replace('officer = "38.00"', 'officer = "40.00"', 1))
    runner.invoke(args=["rate-cards", "import", str(path)])
    after = client.post("/api/v1/quotes", json=REQUEST).get_json()
    assert (before["rate_card_version"], before["total_cents"]) == (1, 38000)
    assert (after["rate_card_version"], after["total_cents"]) == (2, 40000)
    # The old version still prices as it did: a booking quoted with it keeps its price.
    agency = db.session.scalar(select(Agency).where(Agency.slug == "kcpd"))
    old = cards.card_of(cards.version_number(agency, 1))
    assert old.version == 1
    assert json.loads(json.dumps(old.default_schedule.rates["regular"]["officer"])) == 3800
