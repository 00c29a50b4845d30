"""A newcomer's first hour on the quote and wizard pages (issue 10, item 9), in Chromium at 1280 and 390 px.

Each test walks one thing a new visitor or employer ran into and saves screenshots at both widths
(tests/artifacts/screenshots/first-hour-*.png).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from portal.bookings import drafts
from tests.support.demo import fill_address, log_in, populate

pytestmark = pytest.mark.browser

DESKTOP, PHONE = 1280, 390
BOUNDARY = "%a %-d %b, %H:%M"


@pytest.fixture(autouse=True)
def _cards(agencies):
    """The four shipped cards are loaded."""


def at_width(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900 if width == DESKTOP else 844})


def shots(page, screenshot, name: str) -> None:
    """Screenshots of the page as it stands, at 1280 px and at 390 px; the viewport is put back."""
    size = page.viewport_size
    for width in (DESKTOP, PHONE):
        at_width(page, width)
        screenshot(f"first-hour-{name}-{width}")
    page.set_viewport_size(size)


def in_days(slug: str, days: int) -> str:
    return (datetime.now(ZoneInfo(ZONES[slug])).date() + timedelta(days=days)).isoformat()


ZONES = {"kcpd": "America/Chicago", "mesa": "America/Phoenix", "tucson": "America/Phoenix"}


def quote_query(slug: str, days: int = 10, start: str = "18:00", end: str = "22:00", officers: int = 2,
                **more: str) -> str:
    fields = {"agency": slug, "shifts-0-date": in_days(slug, days), "shifts-0-start": start, "shifts-0-end": end,
              "shifts-0-officers": str(officers), **more}
    return "&".join(f"{k}={v}" for k, v in fields.items())


PLACES = {"mesa": ("Mesa", "AZ", "85201"), "kcpd": ("Kansas City", "MO", "64106")}


def draft_at_review(employer, agencies, slug: str = "mesa", **row: str) -> int:
    city, state, zip_code = PLACES[slug]
    data = drafts.empty_data(slug)
    data.update(
        site_name="Riverside Arena", street="200 Main St", city=city, state=state, zip_code=zip_code,
        job_type="security", instructions="Report to the north gate.", contact_name="Sam Rivera",
        contact_phone="(480) 555-0199",
        shift_rows=[{"date": in_days(slug, 12), "start": "18:00", "end": "23:00", "officers": "2", **row}],
    )
    return drafts.create_draft(employer, agencies[slug], data, step="review").id


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_a_refused_submission_opens_at_the_box_on_an_address_that_answers(page, users, agencies, screenshot, width):
    employer = users.make("employer")
    review = f"/employer/requests/{draft_at_review(employer, agencies)}/review"
    log_in(page, employer)
    at_width(page, width)
    page.goto(review)
    page.get_by_role("button", name="Submit request").click()  # the box not ticked

    message = page.locator("#accept-error")
    expect(message).to_have_text("Tick the box to confirm the request.")
    expect(message).to_be_in_viewport()  # the page opens where the message is, not at the top
    expect(page.get_by_label(re.compile("I confirm these details"))).to_be_focused()
    screenshot(f"first-hour-refused-submission-{width}", full_page=False)  # what the employer sees
    assert urlsplit(page.url).path == review  # the address bar: the review itself, which opens again
    again = page.request.get(page.url)
    assert again.status == 200 and "Review and submit" in again.text()

    page.get_by_label(re.compile("I confirm these details")).check()
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_test_id("booking-status")).to_have_text("Awaiting deposit")


def test_the_tab_title_follows_the_wizard_steps(page, users, screenshot):
    log_in(page, users.make("employer"))
    page.goto("/employer/requests/new")
    expect(page).to_have_title("Agency and location · Detail Desk")
    page.evaluate("window.__noReload = true")  # gone if a step loads a whole page

    page.get_by_label("Agency").select_option("mesa")
    page.get_by_label("Site or event name").fill("Riverside Arena")
    fill_address(page, "200 Main St", "Mesa", "AZ", "85201")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Venue and work")
    reference = re.search(r"DD-\w{6}", page.get_by_text(re.compile(r"^Draft DD-")).inner_text()).group(0)
    expect(page).to_have_title(f"Venue and work · {reference} · Detail Desk")

    page.get_by_label("Kind of work").select_option("security")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Shifts")
    expect(page).to_have_title(f"Shifts · {reference} · Detail Desk")
    shots(page, screenshot, "tab-title-shifts")

    steps = page.get_by_role("navigation", name="Request steps")
    steps.get_by_role("link", name=re.compile("Agency and location")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency and location")
    expect(page).to_have_title(f"Agency and location · {reference} · Detail Desk")
    assert page.evaluate("window.__noReload === true"), "a step loaded a whole page: the title was not swapped"


# What a person sees or presses outside the screen's width, or anything sticking out of its card's content.
OUTSIDE = """() => {
  const width = document.documentElement.clientWidth;
  const shown = e => !e.closest('.visually-hidden') && e.getClientRects().length;
  const name = e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`;
  const off = [...document.querySelectorAll('main .card, main .button, main button, main input, main select')]
    .filter(shown)
    .filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > width + 0.5; });
  const out = [...document.querySelectorAll('main .card')].flatMap(card => {
    const c = card.getBoundingClientRect(), style = getComputedStyle(card);
    const left = c.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
    const right = c.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight);
    return [...card.querySelectorAll('*')].filter(shown)
      .filter(e => { const r = e.getBoundingClientRect(); return r.left < left - 0.5 || r.right > right + 0.5; });
  });
  return [...off, ...out].map(name);
}"""


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_the_instant_quote_for_tucson_fits_the_screen(page, screenshot, width):
    at_width(page, width)
    # the schedule with the longest name, and two shifts whose quote carries long explanations
    page.goto("/quote?" + quote_query("tucson", days=20, start="20:00", end="02:00", officers=16,
                                      **{"schedule": "major_event", "shifts-0-vehicles": "3",
                                         "shifts-1-date": in_days("tucson", 12), "shifts-1-start": "08:00",
                                         "shifts-1-end": "10:00", "shifts-1-officers": "1"}))
    expect(page.get_by_test_id("quote-total")).to_be_visible()
    screenshot(f"first-hour-quote-tucson-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(OUTSIDE) == []


@pytest.mark.parametrize("link", ["header", "page"])
def test_a_visitor_who_creates_an_account_keeps_the_quotes_shifts(page, screenshot, link):
    at_width(page, PHONE if link == "header" else DESKTOP)
    page.goto("/quote?" + quote_query("tucson"))
    page.get_by_role("link", name="Request these officers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    if link == "header":
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Create an account").click()
    else:
        page.get_by_role("main").get_by_role("link", name="Create an employer account").click()
    expect(page.get_by_test_id("signup-next")).to_contain_text("with the shifts from your quote")
    page.get_by_label("Organisation legal name").fill("Saguaro Events LLC")
    fill_address(page, "255 W Alameda St", "Tucson", "AZ", "85701")
    page.get_by_label("Your full name").fill("Rosa Saguaro")
    page.get_by_label("Phone").fill("(520) 555-0142")
    page.get_by_label("Work email").fill(f"rosa-{link}@saguaro-events.example.com")
    page.get_by_label("Password", exact=True).fill("harbour lantern velvet 42")
    page.get_by_label("Confirm password").fill("harbour lantern velvet 42")
    shots(page, screenshot, f"signup-from-quote-{link}")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Agency and location")
    expect(page.get_by_label("Agency")).to_have_value("tucson")
    expect(page.get_by_test_id("carried-shifts")).to_contain_text("The 1 shift from your quote")
    page.get_by_label("Site or event name").fill("Downtown Stage")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#flash")).to_contain_text("We copied 1 shift")
    shots(page, screenshot, f"signup-from-quote-{link}-wizard")


def test_an_address_outside_the_agencys_city_is_named_beside_it(page, users, screenshot):
    log_in(page, users.make("employer"))  # the organisation is in Kansas City, Missouri
    page.goto("/employer/requests/new?" + quote_query("tucson"))
    note = page.get_by_test_id("location-check")
    expect(page.get_by_label("City")).to_have_value("Kansas City")  # the organisation's address, pre-filled
    expect(note).to_contain_text("Tucson PD is the police department of Tucson, AZ, and this address is in "
                                 "Kansas City, MO")
    expect(note).to_have_class(re.compile("callout-warning"))  # Tucson's card does not restrict: a warning
    shots(page, screenshot, "location-tucson-warning")

    # the address corrected: the note goes as the employer types
    fill_address(page, "255 W Alameda St", "Tucson", "AZ", "85701")
    expect(note).to_have_count(0)

    # KCPD's card does restrict: the same beside the field, as a block, before anything is posted
    page.get_by_label("Agency").select_option("kcpd")
    expect(note).to_contain_text("KCPD officers work only inside the city limits of Kansas City, Missouri. "
                                 "The location given (Tucson, AZ) is outside.")
    expect(note).to_have_class(re.compile("callout-danger"))
    expect(note).to_contain_text("KCPD Personnel Policy 630-9")  # its source by title
    shots(page, screenshot, "location-kcpd-block")
    page.get_by_label("Site or event name").fill("Downtown Stage")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#city-error")).to_contain_text("only inside the city limits of Kansas City")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency and location")


def test_the_landing_page_promises_only_what_is_built(page, users, screenshot):
    page.goto("/")
    text = page.get_by_role("main").inner_text()
    for word in ("deposit", "cancel", "approv", "refund"):  # built now
        assert word in text.lower(), word
    assert not re.search(r"staffing|attendance|invoice", text, re.IGNORECASE), text  # still being built
    shots(page, screenshot, "landing")


def steps_text(page) -> list[str]:
    return page.locator(".cancellation-steps li").all_inner_texts()


def test_cancellation_boundaries_read_as_the_rule(page, users, agencies, screenshot):
    page.goto("/quote?" + quote_query("kcpd"))
    start = datetime.fromisoformat(f"{in_days('kcpd', 10)}T18:00").replace(tzinfo=ZoneInfo("America/Chicago"))
    opens = (start.astimezone(UTC) - timedelta(hours=72)).astimezone(start.tzinfo)
    expect(page.locator(".cancellation-steps li")).to_have_count(2)
    first, second = steps_text(page)
    assert first.startswith(f"From approval until 72 hours before the start ({opens:{BOUNDARY}})"), first
    assert second.startswith(f"From 72 hours before the start ({opens:{BOUNDARY}}) until the start "
                             f"({start:{BOUNDARY}})"), second
    shots(page, screenshot, "cancellation-quote")

    # the review, the booking page and the cancellation page of a Mesa booking (a 24-hour window)
    people = populate(users, agencies)
    log_in(page, people.employer)
    for path in (f"/employer/requests/{people.draft_id}/review", f"/employer/requests/{people.booking_id}",
                 f"/employer/requests/{people.booking_id}/cancel"):
        page.goto(path)
        steps = steps_text(page)
        assert steps and all(":01)" not in s and ":01\n" not in s for s in steps), (path, steps)
        assert any("24 hours before the start (" in s for s in steps), (path, steps)
        assert steps[-1].split("\n")[0].endswith(":00)") and "until the start (" in steps[-1], (path, steps)
    shots(page, screenshot, "cancellation-cancel-page")


def test_citations_name_the_sources_title(page, users, agencies, screenshot):
    # Tucson's supervisor rule and KCPD's vehicle approval cite their sources in the live panel
    page.goto("/quote?" + quote_query("tucson", officers=16))
    expect(page.locator("#quote-panel")).to_contain_text(
        "Tucson Police Department: How to Hire Off-Duty Police Officers, RATES")
    assert ".txt" not in page.locator("#quote-panel").inner_text()
    shots(page, screenshot, "citations-quote-tucson")
    page.goto("/quote?" + quote_query("kcpd", **{"shifts-0-vehicles": "1"}))
    expect(page.locator("#quote-panel cite").first).to_contain_text("KCPD")
    assert ".txt" not in page.locator("#quote-panel").inner_text()

    # KCPD's review (the employer review's source) and a booking's page
    employer = users.make("employer")
    draft = draft_at_review(employer, agencies, "kcpd", vehicles="1")
    log_in(page, employer)
    page.goto(f"/employer/requests/{draft}/review")
    expect(page.locator("main cite").first).to_be_visible()
    assert ".txt" not in page.get_by_role("main").inner_text()
    expect(page.get_by_test_id("employer-review")).to_contain_text("KCPD Personnel Policy 630-9: Secondary Employment")
    shots(page, screenshot, "citations-review-kcpd")


def test_every_page_names_its_icon(page):
    page.goto("/")
    icons = page.locator('link[rel="icon"], link[rel="apple-touch-icon"]')
    expect(icons).to_have_count(3)
    types = {}
    for href in [icons.nth(i).get_attribute("href") for i in range(3)]:
        assert href.startswith("/static/"), href
        response = page.request.get(href)
        assert response.status == 200, href
        types[href.rsplit(".", 1)[-1]] = response.headers["content-type"]
    assert types == {"svg": "image/svg+xml; charset=utf-8", "png": "image/png"}, types


@pytest.mark.parametrize("role", ["employer", "agency_admin", "agency_staff", "site_admin"])
def test_signed_in_people_keep_the_instant_quote(page, users, screenshot, role):
    log_in(page, users.make(role))
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Instant quote")
    expect(link).to_be_visible()
    shots(page, screenshot, f"nav-{role}")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What will off-duty officers cost?")
    expect(link).to_have_attribute("aria-current", "page")
