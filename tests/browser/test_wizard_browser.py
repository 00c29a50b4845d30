"""The request wizard in Chromium, for each of the four agencies.

htmx on: steps swap without a full page load, and the live panel follows the headcount, the date
(onto a holiday), the start (inside the emergency threshold) and the vehicles. Every total on
screen is checked against ``POST /api/v1/quotes`` for the same request. Shift dates are chosen
from the real clock: the wizard always prices at ``now``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.support.browser import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
AGENCIES = {
    # slug: (name, zone, city, state, zip)
    "kcpd": ("Kansas City, Missouri Police Department", "America/Chicago", "Kansas City", "MO", "64108"),
    "mesa": ("Mesa Police Department", "America/Phoenix", "Mesa", "AZ", "85201"),
    "west-valley-city": ("West Valley City Police Department", "America/Denver", "West Valley City", "UT", "84119"),
    "tucson": ("Tucson Police Department", "America/Phoenix", "Tucson", "AZ", "85701"),
}


def today(slug: str) -> date:
    return datetime.now(ZoneInfo(AGENCIES[slug][1])).date()


def next_thanksgiving(after: date) -> date:
    year = after.year
    while True:
        first = date(year, 11, 1)
        day = first + timedelta(days=(3 - first.weekday()) % 7 + 21)  # 4th Thursday
        if (day - after).days >= 8:
            return day
        year += 1


def next_new_years_eve(after: date) -> date:
    day = date(after.year, 12, 31)
    return day if (day - after).days >= 8 else date(after.year + 1, 12, 31)


def money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def api_total(page, slug: str, shifts: list[dict], **extra) -> dict:
    _, _, city, state, zip_code = AGENCIES[slug]
    body = {"agency": slug, "location": {"city": city, "state": state, "zip": zip_code}, **extra,
            "shifts": [{**s, "job_type": "security"} for s in shifts]}
    response = page.request.post("/api/v1/quotes", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.ok, response.text()
    return response.json()


def shift_body(day: date, start: str, end: str, officers: int, vehicles: int = 0) -> dict:
    end_day = day if end > start else day + timedelta(days=1)
    s = {"start": f"{day.isoformat()}T{start}", "end": f"{end_day.isoformat()}T{end}",
         "positions": {"officer": officers}}
    if vehicles:
        s["vehicles"] = vehicles
    return s


@pytest.fixture
def screenshot(page):
    """Like the plugin's, but leaves the caret alone: hiding it injects a <style> the CSP refuses (a console error)."""

    def take(name: str):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return take


def real_errors(guard) -> list[str]:
    """Console errors, without the browser's note of each 422 (an invalid step submit answers 422 by design)."""
    return [e for e in guard.console_errors if "status of 422" not in e]


def log_in(page, users):
    user = users.make("employer")
    page.goto("/auth/login")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/employer/$"))
    return user


def expect_total(page, cents: int):
    expect(page.get_by_test_id("quote-total")).to_have_text(money(cents))


def set_field(page, name: str, value: str):
    """Type into a field and wait for the live panel's answer to it."""
    with page.expect_response(lambda r: r.url.endswith("/preview") and r.request.method == "POST"):
        page.locator(f'[name="{name}"]').fill(value)


@pytest.mark.parametrize("slug", list(AGENCIES))
def test_full_wizard_with_a_live_quote(page, app, agencies, users, network_guard, screenshot, slug):
    _, _, city, state, zip_code = AGENCIES[slug]
    log_in(page, users)
    page.get_by_role("link", name="Request officers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency and location")
    page.evaluate("window.__noReload = true")  # gone if any step does a full page load

    # 1. Agency and location
    page.get_by_label("Agency").select_option(slug)
    page.get_by_label("Site or event name").fill("Riverside Events Center")
    page.get_by_label("Street address").fill("200 Main St")
    page.get_by_label("City").fill(city)
    page.get_by_label("State").select_option(state)
    page.get_by_label("ZIP code").fill(zip_code)
    if slug == "kcpd":
        expect(page.locator("#wizard-aside")).to_contain_text("only inside the city limits of Kansas City, Missouri")
        screenshot(f"wizard-{slug}-1-location")
    page.get_by_role("button", name="Save and continue").click()

    # 2. Venue and work
    expect(page.get_by_role("heading", level=1)).to_have_text("Venue and work")
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # keyboard users start at the new step
    expect(page.locator('[aria-current="step"]')).to_contain_text("Venue and work")
    page.get_by_label("Kind of work").select_option("security")
    if slug == "kcpd":
        page.get_by_label("Venue", exact=True).select_option("open_air_with_alcohol")
        with page.expect_response(lambda r: r.url.endswith("/preview")):
            page.get_by_label("Expected attendance").fill("3000")
        expect(page.get_by_test_id("staffing-advice")).to_contain_text("recommends 5 to 9 officers")
        page.get_by_label("Plain clothes").check()
        expect(page.locator("#wizard-aside")).to_contain_text("Employment Unit Commander")
        screenshot(f"wizard-{slug}-2-work")
        page.get_by_label("Uniform").check()
    page.get_by_role("button", name="Save and continue").click()

    # 3. Shifts, with the live panel
    expect(page.get_by_role("heading", level=1)).to_have_text("Shifts")
    day = today(slug) + timedelta(days=10)
    page.locator('[name="shifts-0-date"]').fill(day.isoformat())
    page.locator('[name="shifts-0-start"]').fill("18:00")
    page.locator('[name="shifts-0-end"]').fill("23:00")
    set_field(page, "shifts-0-officers", "2")
    expect_total(page, api_total(page, slug, [shift_body(day, "18:00", "23:00", 2)])["total_cents"])
    shown = page.get_by_test_id("quote-total").inner_text()

    # headcount
    set_field(page, "shifts-0-officers", "3")
    q = api_total(page, slug, [shift_body(day, "18:00", "23:00", 3)])
    expect_total(page, q["total_cents"])
    assert page.get_by_test_id("quote-total").inner_text() != shown
    expect(page.get_by_test_id("quote-deposit")).to_have_text(money(q["deposit_cents"]))

    # the start inside the emergency threshold: tomorrow
    if slug in ("mesa", "west-valley-city", "tucson"):
        soon = today(slug) + timedelta(days=1)
        before = page.get_by_test_id("quote-total").inner_text()
        set_field(page, "shifts-0-date", soon.isoformat())
        q = api_total(page, slug, [shift_body(soon, "18:00", "23:00", 3)])
        expect_total(page, q["total_cents"])
        assert any(line["tier"] == "emergency" for line in q["shifts"][0]["lines"])
        assert page.get_by_test_id("quote-total").inner_text() != before
        set_field(page, "shifts-0-date", day.isoformat())  # back to the planned date
        expect_total(page, api_total(page, slug, [shift_body(day, "18:00", "23:00", 3)])["total_cents"])

    # a holiday (WVC: Thanksgiving; Tucson: New Year's Eve), or the date moving for the others
    holiday = {"west-valley-city": next_thanksgiving(today(slug)), "tucson": next_new_years_eve(today(slug))}
    if slug in holiday:
        day = holiday[slug]
        before = page.get_by_test_id("quote-total").inner_text()
        set_field(page, "shifts-0-date", day.isoformat())
        q = api_total(page, slug, [shift_body(day, "18:00", "23:00", 3)])
        expect_total(page, q["total_cents"])
        assert page.get_by_test_id("quote-total").inner_text() != before
        expect(page.locator("#quote-panel")).to_contain_text("Holiday")

    # KCPD: rates are minimums: offering more raises the price
    if slug == "kcpd":
        before = page.get_by_test_id("quote-total").inner_text()
        set_field(page, "offered_officer", "45.00")
        q = api_total(page, slug, [shift_body(day, "18:00", "23:00", 3)], offered_rates={"officer": "45.00"})
        expect_total(page, q["total_cents"])
        assert page.get_by_test_id("quote-total").inner_text() != before

    # vehicles
    before = page.get_by_test_id("quote-total").inner_text()
    set_field(page, "shifts-0-vehicles", "1")
    extra = {"offered_rates": {"officer": "45.00"}} if slug == "kcpd" else {}
    q = api_total(page, slug, [shift_body(day, "18:00", "23:00", 3, vehicles=1)], **extra)
    expect_total(page, q["total_cents"])
    if slug == "kcpd":  # no vehicle fee, but the division commander's permission
        expect(page.locator("#quote-panel")).to_contain_text("Division Commander")
    else:
        assert page.get_by_test_id("quote-total").inner_text() != before

    # add a copy of the shift a week later, without a page load
    page.locator('[name="repeat_weeks-0"]').fill("1")
    page.get_by_role("button", name="Repeat shift 1 weekly").click()
    expect(page.get_by_test_id("shift-row")).to_have_count(2)
    later = day + timedelta(weeks=1)
    expect(page.locator('[name="shifts-1-date"]')).to_have_value(later.isoformat())
    q = api_total(page, slug, [shift_body(day, "18:00", "23:00", 3, 1), shift_body(later, "18:00", "23:00", 3, 1)],
                  **extra)
    expect_total(page, q["total_cents"])
    screenshot(f"wizard-{slug}-3-shifts")

    # an invalid submit shows the message beside the field (422 swapped in); Enter in a field is
    # "Save and continue", never the first row button ("Copy shift 1")
    page.locator('[name="shifts-1-vehicles"]').fill("9")
    page.locator('[name="shifts-1-vehicles"]').press("Enter")
    expect(page.locator("#shifts-1-vehicles-error")).to_contain_text("at most one vehicle per position")
    expect(page.get_by_test_id("shift-row")).to_have_count(2)
    expect(page.locator("#shifts-1-vehicles")).to_be_focused()  # focus lands on the field to correct
    page.get_by_role("button", name="Remove shift 2").click()
    expect(page.get_by_test_id("shift-row")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # the swap has settled
    page.locator('[name="shifts-0-officers"]').press("Enter")  # valid now: Enter goes on to the next step

    # 4. Post orders, with an attachment
    expect(page.get_by_role("heading", level=1)).to_have_text("Post orders")
    page.get_by_label("Instructions for the officers").fill("Report to the north gate at 17:45. Radio channel 3.")
    page.get_by_label("On-site contact").fill("Sam Rivera")
    page.get_by_label("Contact phone").fill("(555) 555-0199")
    page.get_by_label("Add a file").set_input_files(
        files=[{"name": "site-map.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_role("link", name="site-map.pdf")).to_be_visible()
    # what was typed before the upload is kept (the upload saves the step's text, without going on)
    expect(page.get_by_role("heading", level=1)).to_have_text("Post orders")
    expect(page.get_by_label("Instructions for the officers")).to_have_value(
        "Report to the north gate at 17:45. Radio channel 3.")
    expect(page.get_by_label("On-site contact")).to_have_value("Sam Rivera")
    expect(page.get_by_label("Contact phone")).to_have_value("(555) 555-0199")
    if slug == "kcpd":
        screenshot(f"wizard-{slug}-4-orders")
    page.get_by_role("button", name="Save and continue").click()

    # 5. Review
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    expect(page.get_by_test_id("review-total")).to_have_text(money(q_single := api_total(
        page, slug, [shift_body(day, "18:00", "23:00", 3, vehicles=1)], **extra)["total_cents"]))
    expect(page.get_by_test_id("quote-total")).to_have_text(money(q_single))
    expect(page.get_by_test_id("employer-review")).to_contain_text("will review your organisation first")
    if slug == "kcpd":
        expect(page.get_by_test_id("employer-review")).to_contain_text("background check")
    assert page.evaluate("window.__noReload === true"), "a step did a full page load"
    screenshot(f"wizard-{slug}-5-review")

    page.get_by_label(re.compile("I confirm these details")).check()
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_test_id("booking-status")).to_have_text("Awaiting deposit")
    expect(page.locator("#flash")).to_contain_text("was sent to")
    expect(page.get_by_test_id("timeline")).to_contain_text("Submitted with a quote of")
    screenshot(f"wizard-{slug}-6-submitted")

    page.get_by_role("link", name="My bookings").first.click()
    expect(page.get_by_test_id("upcoming")).to_contain_text("Riverside Events Center")
    if slug == "kcpd":
        screenshot("wizard-dashboard")

    assert network_guard.aborted == [], network_guard.report()
    assert real_errors(network_guard) == [], network_guard.report()


def test_review_on_a_phone(page, agencies, users, screenshot, network_guard):
    log_in(page, users)
    page.set_viewport_size({"width": 390, "height": 844})
    slug = "tucson"
    page.goto(
        f"/employer/requests/new?agency={slug}&shifts-0-date={next_new_years_eve(today(slug)).isoformat()}"
        "&shifts-0-start=20:00&shifts-0-end=02:00&shifts-0-officers=5&shifts-0-vehicles=1"
    )
    # the quote's link shows the first step with the agency chosen; the draft is made by its POST
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency and location")
    expect(page.get_by_label("Agency")).to_have_value(slug)
    expect(page.get_by_test_id("carried-shifts")).to_contain_text("The 1 shift from your quote")
    page.get_by_label("Site or event name").fill("Downtown New Year's Eve")
    page.get_by_label("City").fill("Tucson")
    page.get_by_label("State").select_option("AZ")
    page.get_by_label("ZIP code").fill("85701")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Venue and work")
    expect(page.locator("#flash")).to_contain_text("We copied 1 shift")  # shown by the htmx swap too
    page.get_by_label("Kind of work").select_option("special_event")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shifts")
    expect(page.get_by_test_id("quote-total")).to_be_visible()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post orders")
    expect(page.locator("#flash")).to_be_empty()  # the earlier message does not linger across steps
    page.get_by_label("Instructions for the officers").fill("Meet at the stage.")
    page.get_by_label("On-site contact").fill("Alex Moreno")
    page.get_by_label("Contact phone").fill("(520) 555-0100")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    screenshot("wizard-tucson-review-phone")
    assert real_errors(network_guard) == [], network_guard.report()


def test_enter_in_a_shift_field_saves_and_continues_without_javascript(browser, live_server, app, agencies, users):
    """Enter submits a form's first submit button: on the shifts step that is "Save and continue", not "Copy"."""
    from tests.support.browser import install_routes

    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    guard = install_routes(context, live_server.url)
    try:
        page = context.new_page()
        log_in(page, users)
        slug = "mesa"
        _, _, city, state, zip_code = AGENCIES[slug]
        page.goto("/employer/requests/new")
        page.get_by_label("Agency").select_option(slug)
        page.get_by_label("Site or event name").fill("Riverside Events Center")
        page.get_by_label("City").fill(city)
        page.get_by_label("State").select_option(state)
        page.get_by_label("ZIP code").fill(zip_code)
        page.get_by_role("button", name="Save and continue").click()
        page.get_by_label("Kind of work").select_option("security")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Shifts")

        # incomplete: Enter shows what is missing, and still one row (not a copy of shift 1)
        page.locator('[name="shifts-0-date"]').fill((today(slug) + timedelta(days=10)).isoformat())
        page.locator('[name="shifts-0-start"]').fill("18:00")
        page.locator('[name="shifts-0-end"]').press("Enter")
        expect(page.locator("#shifts-0-end-error")).to_contain_text("Enter the end time.")
        expect(page.get_by_test_id("shift-row")).to_have_count(1)

        page.locator('[name="shifts-0-end"]').fill("23:00")
        page.locator('[name="shifts-0-officers"]').fill("2")
        page.locator('[name="shifts-0-officers"]').press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Post orders")
        assert guard.aborted == [], guard.report()
    finally:
        context.close()
