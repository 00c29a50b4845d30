"""The rate card in the agency back office: upload a new version (every problem with its location, beside the
card), preview it against a sample request beside the current version, schedule it, confirm it; the history of
versions with what each changed; who may see and do what."""

import io
import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal import cards, quoting
from portal.extensions import db
from portal.formatting import money
from portal.models import RateCardVersion
from portal.pricing import SEED_CARD_DIR, load_card
from tests.conftest import post_form
from tests.support.examples import without_worked_examples

KCPD = (SEED_CARD_DIR / "kcpd.toml").read_text()
RAISED = without_worked_examples(KCPD).replace('officer = "38.00"', 'officer = "40.00"', 1)
CHICAGO = ZoneInfo("America/Chicago")
NEW = "/agency/rate-card/new"


@pytest.fixture
def app_config(app_config: dict, clock) -> dict:
    return {**app_config, "CLOCK": clock}


def weekday_ahead(days: int = 15) -> str:
    day = datetime.now(CHICAGO).date() + timedelta(days=days)
    return (day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)).isoformat()


def sample(**more) -> dict:
    return {"sample_date": weekday_ahead(), "sample_start": "18:00", "sample_end": "23:00", "sample_officers": "2",
            **more}


def upload(client, text: str, **more):
    return post_form(client, NEW, {"source": text, "action": "preview", **sample(), **more})


def problems_of(html: str) -> list[str]:
    block = re.search(r'<ul data-testid="card-problems">(.*?)</ul>', html, re.S)
    assert block, "no list of problems beside the card"
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in re.findall(r"<li>(.*?)</li>", block[1], re.S)]


def confirm(client, text: str, html: str, **more):
    checked = re.search(r'name="checked" type="hidden" value="([0-9a-f]{64})"', html)[1]
    return post_form(client, NEW, {"source": text, "checked": checked, "action": "confirm", **sample(), **more})


def versions(agency) -> list[RateCardVersion]:
    db.session.expire_all()
    return list(db.session.scalars(select(RateCardVersion).where(RateCardVersion.agency_id == agency.id)
                                   .order_by(RateCardVersion.version)))


def test_an_invalid_upload_reports_every_problem_beside_the_card(client, login, agencies):
    login("agency_admin", agency="kcpd")
    broken = (KCPD.replace('officer = "38.00"', 'officer = "eighty"', 1)
              .replace('time_zone = "America/Chicago"', 'time_zone = "Mars/Olympus"')
              .replace("minimum_hours = ", "minimum_hourz = ", 1))
    response = post_form(client, NEW, {"file": (io.BytesIO(broken.encode()), "kcpd.toml"),
                                       "action": "preview", **sample()}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    found = problems_of(html)
    assert 'schedules.regular.rates.regular.officer: expected an amount like "85.50", got "eighty"' in found
    assert any(p.startswith("time_zone: ") for p in found), found
    assert any(p.startswith("minimum_hourz: ") for p in found) and any(p.startswith("minimum_hours: ") for p in found)
    assert f"The card has {len(found)} problems" in html and len(found) >= 4
    assert 'aria-describedby="source-hint card-problems"' in html and "eighty" in html  # the file's text, to correct
    assert "Create version" not in html and len(versions(agencies["kcpd"])) == 1

    syntax = upload(client, 'slug = "kcpd"\nname = = "x"\n')
    assert syntax.status_code == 422
    assert problems_of(syntax.get_data(as_text=True)) == ["line 2, column 8: not valid TOML: Invalid value"]


def test_another_agencys_card_is_refused(client, login, agencies):
    login("agency_admin", agency="kcpd")
    response = upload(client, (SEED_CARD_DIR / "mesa.toml").read_text())
    assert response.status_code == 422
    assert problems_of(response.get_data(as_text=True)) == [
        "slug: this is the card of another agency ('mesa'); a card uploaded here must be KCPD's own: slug = \"kcpd\""]
    assert [v.version for v in versions(agencies["mesa"])] == [1] and len(versions(agencies["kcpd"])) == 1


def test_preview_prices_the_sample_with_both_versions_then_confirm_saves_it(client, login, agencies, clock):
    admin = login("agency_admin", agency="kcpd")
    response = upload(client, RAISED)
    assert response.status_code == 200, problems_of(response.get_data(as_text=True))
    html = response.get_data(as_text=True)
    body = {"agency": "kcpd", "shifts": [{"start": f"{weekday_ahead()}T18:00", "end": f"{weekday_ahead()}T23:00",
                                          "officers": 2}]}
    now = clock()
    old = quoting.price_with(load_card(KCPD), body, now=now)
    new = quoting.price_with(load_card(RAISED), body, now=now)
    assert (old.total_cents, new.total_cents) == (38000, 40000)
    assert f'data-testid="current-quote-total">{money(old.total_cents)}<' in html
    assert f'data-testid="new-quote-total">{money(new.total_cents)}<' in html
    assert f'data-testid="new-quote-deposit">{money(new.deposit_cents)}<' in html
    assert f'<strong data-testid="difference">{money(new.total_cents - old.total_cents)} more</strong>' in html
    for line in new.shifts[0].lines:
        assert money(line.amount_cents) in html
    assert "schedules.regular.rates.regular.officer" in html and "&#34;40.00&#34;" in html  # what changes

    # Changed after the preview: previewed again, not saved.
    edited = RAISED.replace('officer = "40.00"', 'officer = "41.00"', 1)
    again = confirm(client, edited, html)
    assert again.status_code == 200 and "changed since its preview" in again.get_data(as_text=True)
    assert len(versions(agencies["kcpd"])) == 1

    saved = confirm(client, RAISED, html)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/agency/rate-card")
    _v1, v2 = versions(agencies["kcpd"])
    assert v2.version == 2 and v2.imported_by_id == admin.id and v2.source_text == RAISED
    assert timedelta(0) < v2.activates_at - v2.imported_at <= cards.ACTIVATION_DELAY + timedelta(seconds=1)
    assert "Cancel version 2" not in client.get("/agency/rate-card").get_data(as_text=True)  # it takes effect now
    identical = upload(client, RAISED)
    assert identical.status_code == 422
    assert problems_of(identical.get_data(as_text=True)) == [
        "this card is identical to version 2: nothing would change"]


def test_a_scheduled_version_prices_nothing_until_its_moment(client, login, agencies, clock):
    login("agency_admin", agency="kcpd")
    request_body = {"agency": "kcpd", "shifts": [{"start": f"{weekday_ahead(40)}T18:00",
                                                  "end": f"{weekday_ahead(40)}T23:00", "officers": 2}]}
    moment = (datetime.now(CHICAGO) + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    past = (datetime.now(CHICAGO) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = upload(client, RAISED, activates_at=past)
    assert refused.status_code == 422 and "That moment has passed" in refused.get_data(as_text=True)

    preview = upload(client, RAISED, activates_at=moment.strftime("%Y-%m-%dT%H:%M"))
    assert preview.status_code == 200
    assert confirm(client, RAISED, preview.get_data(as_text=True),
                   activates_at=moment.strftime("%Y-%m-%dT%H:%M")).status_code == 303
    v2 = versions(agencies["kcpd"])[1]
    assert v2.activates_at == moment
    history = client.get("/agency/rate-card").get_data(as_text=True)
    assert re.search(r'data-version="2">.*?Scheduled', history, re.S)
    assert re.search(r'data-version="1">.*?Current', history, re.S) and "Cancel version 2" in history

    def api_version() -> int:
        return client.post("/api/v1/quotes", json=request_body).get_json()["rate_card_version"]

    assert api_version() == 1 and cards.current_card("kcpd").version == 1
    clock.travel_to(moment - timedelta(seconds=1))
    assert api_version() == 1 and cards.current_card("kcpd").version == 1
    clock.travel_to(moment)
    assert api_version() == 2 and cards.current_card("kcpd").version == 2  # the panel's cached list too
    assert re.search(r'data-version="1">.*?Past', client.get("/agency/rate-card").get_data(as_text=True), re.S)


def test_a_scheduled_version_can_be_cancelled_and_others_wait_for_it(client, login, agencies, clock):
    admin = login("agency_admin", agency="kcpd")
    moment = datetime.now(CHICAGO) + timedelta(days=3)
    version, created = cards.import_card(RAISED, by=admin, activates_at=moment)
    assert created
    sooner = RAISED.replace('officer = "40.00"', 'officer = "39.00"', 1)
    with pytest.raises(cards.ScheduleError, match="Version 2 takes effect on"):
        cards.import_card(sooner, activates_at=moment - timedelta(days=1))
    response = post_form(client, "/agency/rate-card/versions/2/cancel", {}, page="/agency/rate-card")
    assert response.status_code == 303
    db.session.expire_all()
    assert version.cancelled_at is not None and version.cancelled_by_id == admin.id
    assert re.search(r'data-version="2">.*?Cancelled', client.get("/agency/rate-card").get_data(as_text=True), re.S)
    clock.travel_to(moment + timedelta(days=1))
    assert cards.current_version(agencies["kcpd"]).version == 1  # a cancelled version never takes effect
    third, _ = cards.import_card(sooner)  # numbers are not reused
    assert third.version == 3
    with pytest.raises(cards.ScheduleError, match="has taken effect \\(or is about to\\)"):
        cards.cancel_version(third, by=admin, now=third.activates_at)


def test_history_shows_what_changed_and_the_toml(client, login, agencies):
    cards.import_card(RAISED.replace("minimum_hours = 3", "minimum_hours = 4", 1))
    login("agency_staff", agency="kcpd")  # coordinators read the history
    page = client.get("/agency/rate-card/versions/2")
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    changes = re.search(r'data-testid="card-changes">(.*?)</table>', html, re.S)[1]
    assert re.search(r"Rates and schedules.*schedules\.regular\.rates\.regular\.officer</code></th>\s*"
                     r'<td>"38.00"</td>\s*<td>"40.00"</td>', changes, re.S)
    assert re.search(r'Minimums.*<code>minimum_hours</code></th>\s*<td>3</td>\s*<td>4</td>', changes, re.S)
    assert re.search(r'<code>examples\[kcpd-basic\]</code></th>\s*<td>\{name = "kcpd-basic".*?</td>\s*'
                     r'<td><span class="muted">\(removed\)', changes, re.S)  # an example left out: one change
    assert '<span class="diff-removed">-officer = "38.00"</span>' in html
    assert '<span class="diff-added">+officer = "40.00"</span>' in html
    toml = client.get("/agency/rate-card/versions/1.toml")
    assert toml.status_code == 200 and toml.get_data(as_text=True) == KCPD
    assert toml.headers["Content-Disposition"] == 'attachment; filename="kcpd-rate-card-v1.toml"'
    assert "Upload a new version" not in client.get("/agency/rate-card").get_data(as_text=True)


@pytest.mark.parametrize(("role", "url", "method", "status"), [
    ("agency_staff", NEW, "get", 403),
    ("agency_staff", NEW, "post", 403),
    ("agency_staff", "/agency/rate-card/versions/1/cancel", "post", 403),
    ("employer", "/agency/rate-card", "get", 403),
    ("site_admin", NEW, "get", 403),
    ("agency_admin", NEW, "get", 200),
])
def test_who_may_upload(client, login, role, url, method, status):
    login(role)
    response = client.get(url) if method == "get" else post_form(client, url, {}, page="/agency/rate-card")
    assert response.status_code == status


def test_another_agency_sees_only_its_own_versions(client, login, agencies):
    cards.import_card(RAISED)
    login("agency_admin", agency="mesa")
    assert "Version 2" not in client.get("/agency/rate-card").get_data(as_text=True)
    assert client.get("/agency/rate-card/versions/2").status_code == 404
    assert client.get("/agency/rate-card/versions/2.toml").status_code == 404
    assert post_form(client, "/agency/rate-card/versions/2/cancel", {}, page="/agency/rate-card").status_code == 404
    assert client.get("/agency/rate-card/versions/1.toml").get_data(as_text=True) == (
        SEED_CARD_DIR / "mesa.toml").read_text()


def test_sample_request_fields_are_checked(client, login, agencies):
    login("agency_admin", agency="kcpd")
    response = upload(client, RAISED, sample_officers="0", sample_date="soon", activates_at="tomorrow")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give a number of officers from 1 to 200." in html and "Give a date like 2027-01-15." in html
    assert "Give a date and time like 2027-01-01 00:00." in html
    assert len(versions(agencies["kcpd"])) == 1
