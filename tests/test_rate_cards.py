"""Rate cards as dated versions in the database: flask rate-cards check / import."""

import json
import time

from sqlalchemy import select

from portal import cards
from portal.extensions import db
from portal.models import Agency, RateCardVersion
from portal.pricing import SEED_CARD_DIR
from tests.support.examples import without_worked_examples

KCPD = (SEED_CARD_DIR / "kcpd.toml").read_text()
# The next version of KCPD's card: the officer rate raised (its worked examples, which state the old figures, left
# out: a card whose examples do not come out exact is refused).
RAISED = without_worked_examples(KCPD).replace('officer = "38.00"', 'officer = "40.00"', 1)
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


def test_check_prices_the_worked_examples_and_prints_warnings_without_failing(runner, tmp_path):
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD.replace('fee = "none"\n', 'fee = "none"\nrate = "5.00"\n', 1))
    result = runner.invoke(args=["rate-cards", "check", str(path), "--today", "2026-12-02"])
    assert result.exit_code == 0, result.output
    assert f'{path}: warning: vehicle.rate: ignored: fee = "none" does not use it' in result.output
    assert "the card is valid; 4 worked examples priced exactly (1 warning)." in result.output


def test_check_counts_dates_from_today(runner, tmp_path):
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD + '\n[[blocked_dates]]\nname = "Summit"\nrule = "once"\non = 2027-01-15\n')
    soon = runner.invoke(args=["rate-cards", "check", str(path), "--today", "2026-12-02"])
    assert soon.exit_code == 0 and "blocked_dates[0].on: Summit: 2027-01-15" in soon.output
    later = runner.invoke(args=["rate-cards", "check", str(path), "--today", "2026-06-01"])
    assert later.exit_code == 0 and "warning" not in later.output
    wrong = runner.invoke(args=["rate-cards", "check", str(path), "--today", "soon"])
    assert wrong.exit_code == 2 and "--today" in wrong.output


def test_check_and_import_refuse_a_card_whose_example_is_not_exact(runner, tmp_path):
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD.replace('total = "380.00"', 'total = "390.00"', 1))
    checked = runner.invoke(args=["rate-cards", "check", str(path)])
    assert checked.exit_code == 1
    assert f'{path}: examples[0].total: worked example "kcpd-basic": the card gives $380.00' in checked.output
    imported = runner.invoke(args=["rate-cards", "import", str(path)])
    assert imported.exit_code == 1 and "examples[0].total" in imported.output
    assert db.session.scalar(select(Agency).where(Agency.slug == "kcpd")) is None


def test_import_prints_warnings_and_imports(runner, tmp_path):
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD.replace('fee = "none"\n', 'fee = "none"\nrate = "5.00"\n', 1))
    result = runner.invoke(args=["rate-cards", "import", str(path)])
    assert result.exit_code == 0 and "warning: vehicle.rate" in result.output and "version 1" in result.output


def test_import_creates_agency_then_versions(runner, tmp_path):
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD)
    first = runner.invoke(args=["rate-cards", "import", str(path)])
    assert first.exit_code == 0 and "version 1" in first.output, first.output
    agency = db.session.scalar(select(Agency).where(Agency.slug == "kcpd"))
    assert agency.time_zone == "America/Chicago" and agency.jurisdiction == "Kansas City, MO"
    again = runner.invoke(args=["rate-cards", "import", str(path)])
    assert "nothing imported" in again.output
    path.write_text(RAISED)
    second = runner.invoke(args=["rate-cards", "import", str(path)])
    assert second.exit_code == 0 and "version 2" in second.output
    versions = db.session.scalars(select(RateCardVersion.version).where(RateCardVersion.agency_id == agency.id))
    assert sorted(versions) == [1, 2]


def test_import_schedules_a_version_with_effective(runner, tmp_path):
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD)
    runner.invoke(args=["rate-cards", "import", str(path)])
    path.write_text(RAISED)
    past = runner.invoke(args=["rate-cards", "import", str(path), "--effective", "2020-01-01T00:00"])
    assert past.exit_code == 1 and "--effective: That moment has passed" in past.output
    wrong = runner.invoke(args=["rate-cards", "import", str(path), "--effective", "soon"])
    assert wrong.exit_code == 2
    later = runner.invoke(args=["rate-cards", "import", str(path), "--effective", "2099-01-01T00:00"])
    assert later.exit_code == 0 and "New quotes use it from 2099-01-01 00:00:00 CST" in later.output, later.output
    agency = db.session.scalar(select(Agency).where(Agency.slug == "kcpd"))
    assert cards.current_version(agency).version == 1 and cards.latest_version(agency).version == 2


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
    path.write_text(RAISED)
    imported = runner.invoke(args=["rate-cards", "import", str(path)])
    assert "New quotes use it from" in imported.output, imported.output
    meanwhile = client.post("/api/v1/quotes", json=REQUEST).get_json()
    time.sleep(cards.ACTIVATION_DELAY.total_seconds())
    after = client.post("/api/v1/quotes", json=REQUEST).get_json()
    assert (before["rate_card_version"], before["total_cents"]) == (1, 38000)
    assert (meanwhile["rate_card_version"], meanwhile["total_cents"]) == (1, 38000)
    assert (after["rate_card_version"], after["total_cents"]) == (2, 40000)
    # The old version still prices as it did: a booking quoted with it keeps its price.
    agency = db.session.scalar(select(Agency).where(Agency.slug == "kcpd"))
    old = cards.card_of(cards.version_number(agency, 1))
    assert old.version == 1
    assert json.loads(json.dumps(old.default_schedule.rates["regular"]["officer"])) == 3800


def test_a_new_version_takes_effect_at_one_moment_for_the_api_and_the_live_panel(client, runner, tmp_path):
    """Imported, a version waits ACTIVATION_DELAY; the live panel (which lists versions at most once a
    second per process) and the API switch to it together, never one before the other."""
    path = tmp_path / "kcpd.toml"
    path.write_text(KCPD)
    runner.invoke(args=["rate-cards", "import", str(path)])
    shift = REQUEST["shifts"][0]
    panel = "/quote/preview?agency=kcpd&" + "&".join([
        f"shifts-0-date={shift['start'][:10]}", f"shifts-0-start={shift['start'][11:]}",
        f"shifts-0-end={shift['end'][11:]}", "shifts-0-officers=2",
    ])

    def api_version() -> int:
        api = client.post("/api/v1/quotes", json=REQUEST)
        assert api.status_code == 200, api.get_json()
        return api.get_json()["rate_card_version"]

    def both() -> int:
        """The panel between two API quotes: its version is one the API used just before or just after."""
        before = api_version()
        html = client.get(panel, headers={"HX-Request": "true"}).get_data(as_text=True)
        after = api_version()
        shown = [v for v in (before, after) if f"rate card, version {v}." in html]
        assert shown, html
        return shown[0]

    assert both() == 1  # the panel has read the list of versions now
    path.write_text(RAISED)
    runner.invoke(args=["rate-cards", "import", str(path)])
    deadline = time.monotonic() + cards.ACTIVATION_DELAY.total_seconds() + 2
    seen = []
    while time.monotonic() < deadline:
        seen.append(both())
        time.sleep(0.1)
    assert seen[0] == 1 and seen[-1] == 2 and seen == sorted(seen)


def test_the_live_panel_asks_the_database_at_most_once_a_second(client, app, monkeypatch):
    """Keystrokes in the instant quote reach no database: the versions list is reused for CACHE_SECONDS."""
    from sqlalchemy import event

    from portal.pricing import SEED_SLUGS

    for slug in SEED_SLUGS:
        cards.import_card((SEED_CARD_DIR / f"{slug}.toml").read_text())
    statements = []

    def count(*args):
        statements.append(args[2])

    panel = "/quote/preview?agency=mesa&shifts-0-date=2030-03-05&shifts-0-start=18:00&shifts-0-end=22:00"
    assert client.get(panel + "&shifts-0-officers=1", headers={"HX-Request": "true"}).status_code == 200
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        monkeypatch.setattr(cards, "CACHE_SECONDS", 60.0)  # however slow this machine, within the period
        for officers in range(2, 12):
            response = client.get(panel + f"&shifts-0-officers={officers}", headers={"HX-Request": "true"})
            assert response.status_code == 200 and f"{officers} officers" in response.get_data(as_text=True)
        assert statements == []
        monkeypatch.setattr(cards, "CACHE_SECONDS", 0.0)  # the period is over: the list is read again
        assert client.get(panel + "&shifts-0-officers=3", headers={"HX-Request": "true"}).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "rate_card_versions" in statements[0]


def test_which_version_is_current():
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    t0 = datetime(2027, 1, 1, tzinfo=UTC)
    first = SimpleNamespace(version=1, activates_at=t0)
    second = SimpleNamespace(version=2, activates_at=t0 + timedelta(hours=1))
    assert cards._current_of([first], t0 - timedelta(days=1)) is first  # an agency's first version: at once
    assert cards._current_of([], t0) is None
    just_before = second.activates_at - timedelta(microseconds=1)
    assert cards._current_of([first, second], just_before) is first
    assert cards._current_of([first, second], second.activates_at) is second


def test_a_booking_keeps_its_version_after_a_scheduled_one_takes_effect(app, client, login, agencies, clock):
    """Submitted with version 1; version 2 scheduled, then in effect: new quotes use it, while the booking's money
    (its total, a cancellation's fee) is priced again with version 1, as it was submitted."""
    from datetime import timedelta

    from portal.bookings import money
    from portal.models import Booking
    from portal.pricing import cancellation_fee, parse_request, quote
    from tests.support.wizard import shift, submit, walk_to_review

    app.config["CLOCK"] = clock
    login("employer")
    bid = walk_to_review(client, "mesa", shifts=shift("mesa", days=10))
    assert submit(client, bid).status_code == 303
    booking = db.session.get(Booking, bid)
    submitted = money.quote_of(booking)
    late = submitted.shifts[0].start - timedelta(hours=12)  # a cancellation that owes a fee
    fee = cancellation_fee(submitted, late)
    assert fee > 0

    dearer = without_worked_examples((SEED_CARD_DIR / "mesa.toml").read_text()).replace(
        'officer = "78.05"', 'officer = "99.00"', 1)
    moment = clock() + timedelta(days=1)
    v2, created = cards.import_card(dearer, activates_at=moment)
    assert created and cards.current_version(agencies["mesa"]).version == 1
    clock.travel_to(moment + timedelta(minutes=1))
    body = {k: v for k, v in booking.priced_request.items() if k != "submitted_at"}
    now_quoted = client.post("/api/v1/quotes", json=body).get_json()
    assert now_quoted["rate_card_version"] == 2, now_quoted

    db.session.expire_all()
    booking = db.session.get(Booking, bid)
    again = money.quote_of(booking)
    assert booking.rate_card_version.version == 1
    assert (again.total_cents, cancellation_fee(again, late)) == (submitted.total_cents, fee)
    with_v2 = quote(parse_request(money.request_body(booking), cards.card_of(v2), now=booking.submitted_at),
                    cards.card_of(v2))
    assert with_v2.total_cents > submitted.total_cents and cancellation_fee(with_v2, late) > fee
