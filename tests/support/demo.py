"""A portal with something on every page, and a walk over every page it links to, for each role.

    people = populate(users, agencies)           # users: the conftest's Accounts; agencies: the shipped cards
    for path in walk(get, ["/"]): ...            # get(path) -> (status, content type, text)
    log_in(page, people.employer)                # in Chromium, through the login form

Used by the test that no page renders an attribute as ``None`` (test client) and by the browser tour that
lets axe-core check every page (Chromium). A page that a role can reach by links from its start pages is
visited without being listed anywhere: new pages are covered once something links to them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from portal.bookings import drafts, lifecycle, submission
from portal.bookings.states import Action
from portal.extensions import db
from portal.models import User
from tests.conftest import PASSWORD

# Never followed: files, machine endpoints, the live panel's fragments, and what a click would download.
SKIPPED_PREFIXES = ("/static/", "/api/", "/healthz", "/quote/preview")
SKIPPED_PARTS = ("/attachments/",)


@dataclass
class People:
    employer: User
    agency_admin: User
    agency_staff: User
    site_admin: User
    draft_id: int
    booking_id: int

    def start_pages(self, role: str) -> list[str]:
        """Where a person of ``role`` starts ("anonymous" for no one signed in)."""
        return {
            "anonymous": ["/", "/quote", "/auth/login", "/auth/signup"],
            "employer": ["/employer/", f"/employer/requests/{self.draft_id}/location", "/auth/profile"],
            "agency_admin": ["/agency/", "/agency/team", "/auth/profile"],
            "agency_staff": ["/agency/"],
            "site_admin": ["/admin/", "/auth/profile"],
        }[role]

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


def populate(users, agencies, slug: str = "mesa") -> People:
    """An employer with a draft at its review step and a submitted booking with its deposit paid (so the agency
    has an employer to review and a request to decide), an agency administrator and a coordinator of that
    agency, and a site administrator."""
    employer = users.make("employer")
    day = (datetime.now(ZoneInfo(agencies[slug].time_zone)).date() + timedelta(days=12)).isoformat()
    data = drafts.empty_data(slug)
    data.update(
        site_name="Riverside Arena", street="200 Main St", city="Mesa", state="AZ", zip_code="85201",
        job_type="security", shift_rows=[{"date": day, "start": "18:00", "end": "23:00", "officers": "2"}],
        instructions="Report to the north gate.", contact_name="Sam Rivera", contact_phone="(480) 555-0199",
    )
    draft = drafts.create_draft(employer, agencies[slug], data, step="review")
    booking = drafts.create_draft(employer, agencies[slug], data, step="review")
    submission.submit(booking, employer, now=datetime.now(UTC))
    # the deposit paid (as with no payments configured), so the agency's queue and request page have it
    lifecycle.apply(booking, Action.PAY_DEPOSIT, actor=None, note="Deposit paid.")
    db.session.commit()
    return People(
        employer=employer, agency_admin=users.make("agency_admin", agency=slug),
        agency_staff=users.make("agency_staff", agency=slug), site_admin=users.make("site_admin"),
        draft_id=draft.id, booking_id=booking.id,
    )


def log_in(page, user: User) -> None:
    """Sign ``user`` in through the login form, with the keyboard."""
    page.goto("/auth/login")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")
    expect(page).not_to_have_url(re.compile(r"/auth/login"))


def fill_address(page, street: str, city: str, state: str, zip_code: str) -> None:
    """Fill the street, city, state and ZIP fields of a form (sign-up, the wizard's location step)."""
    page.get_by_label("Street address").fill(street)
    page.get_by_label("City").fill(city)
    page.get_by_label("State").select_option(state)
    page.get_by_label("ZIP code").fill(zip_code)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") and "download" not in values:
            self.links.append(values["href"])


def links_of(html: str, base: str) -> list[str]:
    """The same-site paths (with their queries) that a page links to and a walk should follow."""
    parser = _Links()
    parser.feed(html)
    out = []
    for href in parser.links:
        parts = urlsplit(urljoin(base, href))
        if parts.netloc not in ("", urlsplit(base).netloc) or parts.scheme not in ("", "http", "https"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(SKIPPED_PREFIXES) or any(part in path for part in SKIPPED_PARTS):
            continue
        out.append(path)
    return out


def walk(get: Callable[[str], tuple[int, str, str]], starts: list[str], limit: int = 80) -> Iterator[str]:
    """Visit ``starts`` and every page they link to, breadth first; yield each path once visited.

    ``get(path)`` fetches a page (following redirects) and returns (status, content type, text).
    """
    seen, queue = set(), list(starts)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        status, content_type, text = get(path)
        assert status < 500, f"{path}: {status}"
        yield path
        if content_type.startswith("text/html"):
            queue.extend(link for link in links_of(text, "http://localhost" + path) if link not in seen)
