"""The instant quote in Chromium, for each agency: the live panel follows every change and shows the API's figures."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ZONES = {"kcpd": "America/Chicago", "mesa": "America/Phoenix", "west-valley-city": "America/Denver",
         "tucson": "America/Phoenix"}


def today(zone: str) -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()


def next_holiday(agency: str) -> date | None:
    """A holiday on the agency's card at least a week away (none for KCPD and Mesa)."""
    now = today(ZONES[agency])
    for year in (now.year, now.year + 1):
        if agency == "west-valley-city":
            first = date(year, 11, 1)
            day = first + timedelta(days=(3 - first.weekday()) % 7 + 21)  # Thanksgiving: 4th Thursday
        elif agency == "tucson":
            day = date(year, 12, 31)  # New Year's Eve
        else:
            return None
        if day - now >= timedelta(days=7):
            return day
    raise AssertionError("unreachable")


def money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


@pytest.fixture(autouse=True)
def _cards(agencies):
    """The four shipped cards are loaded."""


@pytest.mark.parametrize("agency", list(ZONES))
def test_live_panel_follows_changes_and_matches_api(page, client, agency, screenshot, network_guard):
    zone = ZONES[agency]
    state = {"date": today(zone) + timedelta(days=14), "start": "18:00", "end": "22:00", "officers": 2, "vehicles": 0}

    def api_total() -> dict:
        shift = {"start": f"{state['date']}T{state['start']}", "end": f"{state['date']}T{state['end']}",
                 "officers": state["officers"], "vehicles": state["vehicles"]}
        response = client.post("/api/v1/quotes", json={"agency": agency, "shifts": [shift]})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def expect_panel_to_match() -> dict:
        expected = api_total()
        expect(page.get_by_test_id("quote-total")).to_have_text(money(expected["total_cents"]))
        expect(page.get_by_test_id("quote-deposit")).to_have_text(money(expected["deposit_cents"]))
        return expected

    page.goto(f"/quote?agency={agency}")
    page.locator("#shifts-0-date").fill(state["date"].isoformat())
    page.locator("#shifts-0-start").fill(state["start"])
    page.locator("#shifts-0-end").fill(state["end"])
    page.locator("#shifts-0-officers").fill("2")
    first = expect_panel_to_match()
    with page.expect_response(lambda r: "/quote?" in r.url):
        page.locator("#shifts-0-officers").press("Enter")  # Enter updates the quote; it must not copy the shift
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)  # the swap is done
    expect(page.locator("fieldset.shift-row")).to_have_count(1)
    expect_panel_to_match()

    state["officers"] = 3
    page.locator("#shifts-0-officers").fill("3")
    more = expect_panel_to_match()
    assert more["total_cents"] > first["total_cents"]

    state["vehicles"] = 1
    page.locator("#shifts-0-vehicles").fill("1")
    expect_panel_to_match()

    holiday = next_holiday(agency)
    if holiday:
        state["date"] = holiday
        page.locator("#shifts-0-date").fill(holiday.isoformat())
        priced = expect_panel_to_match()
        assert any(line["tier"] == "holiday" for line in priced["shifts"][0]["lines"])
        expect(page.locator("#quote-panel")).to_contain_text("Holiday rate")

    state["date"] = today(zone) + timedelta(days=1)  # inside every agency's emergency threshold
    page.locator("#shifts-0-date").fill(state["date"].isoformat())
    priced = expect_panel_to_match()
    if agency != "kcpd":  # KCPD publishes no emergency rate; it shows a short-notice notice instead
        assert any(line["tier"] == "emergency" for line in priced["shifts"][0]["lines"])
    expect(page.locator("#quote-panel")).to_contain_text("If you cancel")
    screenshot(f"public-quote-{agency}")

    page.emulate_media(media="print")  # the print stylesheet: the quote, its agency and link; no form, no buttons
    expect(page.locator("#quote-form")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("#quote-print-head")).to_contain_text("Quote for")
    expect(page.get_by_test_id("quote-total")).to_be_visible()
    screenshot(f"public-quote-{agency}-print")
    page.emulate_media(media="screen")

    # An htmx answer that cannot be swapped (here a 404) is reported in the flash region, not ignored.
    page.evaluate("htmx.ajax('GET', '/no/such/page', {target: '#quote-panel', swap: 'outerHTML'})")
    expect(page.locator("#flash [role=alert]")).to_contain_text("We could not find that")

    share = page.get_by_test_id("share-link").get_attribute("href")
    page.goto(share)
    expect(page.get_by_test_id("quote-total")).to_have_text(money(priced["total_cents"]))
    assert not network_guard.aborted, network_guard.aborted
