"""The page cache (portal.pagecache): a page is served again, from one query, only while nothing it shows can
have changed: the same session and URL, the same versions of its scopes, the same minute, no message waiting.

These tests turn ``PAGE_CACHE_VERIFY`` off to see what the cache itself serves; everywhere else in the suite it is
on, and every cache hit is checked against the page rendered afresh (the last test shows that check failing).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, text, update

from portal import accounts, pagecache
from portal.bookings import lifecycle
from portal.extensions import db
from portal.models import Booking, BookingStatus, Officer, Organisation, User
from tests.conftest import post_form
from tests.support.backoffice import approve_employer
from tests.support.payments import VISA, submit_with_card
from tests.support.wizard import walk_to_review


@pytest.fixture
def app_config(app_config, clock):
    return {**app_config, "CLOCK": clock, "PAGE_CACHE_VERIFY": False}


@pytest.fixture(autouse=True)
def _early_in_a_minute(clock):
    """The portal's clock at the start of a minute, so a test's pages are all rendered within one."""
    now = datetime.now(UTC)
    clock.travel_to(now.replace(second=0, microsecond=0) + timedelta(seconds=1))


@pytest.fixture
def statements(app):
    """The SQL statements the app runs, as a list the test can clear."""
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listener)
    yield seen
    event.remove(db.engine, "before_cursor_execute", listener)


@pytest.fixture
def employer(login):
    return login("employer")


@pytest.fixture
def booking(client, employer, stripe_line) -> Booking:
    bid = walk_to_review(client, "kcpd")
    submit_with_card(client, stripe_line, bid, VISA)
    client.get("/employer/")  # shows (and so clears) the message the submission left
    return db.session.get(Booking, bid)


@pytest.fixture
def desk(app, users):
    other = app.test_client()
    users.login(other, users.make("agency_admin", agency="kcpd"))
    other.get("/agency/")  # shows the welcome message
    return other


def served_from_cache(client, url: str, statements: list[str], **kw) -> tuple[bool, str]:
    """GET the page: whether it came from the cache (one statement: the signed-in user with the versions of their
    pages), and its text."""
    statements.clear()
    answer = client.get(url, **kw)
    assert answer.status_code == 200
    return len(statements) == 1, answer.get_data(as_text=True)


PAGES = ["/employer/", "/employer/requests/{id}", "/agency/bookings?status=submitted"]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_is_served_again_from_one_query_until_something_it_shows_changes(
        app, client, desk, booking, statements, page):
    viewer = desk if page.startswith("/agency") else client
    url = page.format(id=booking.id)
    first = served_from_cache(viewer, url, statements)
    assert not first[0] and booking.reference in first[1]
    again = served_from_cache(viewer, url, statements)
    assert again == (True, first[1])
    assert "from page_versions" in statements[0].lower() and "from users" in statements[0].lower()
    # The agency approves the employer and the request: every page shows it at once.
    approve_employer(booking.organisation.approval_for(booking.agency),
                     db.session.scalar(select(User).where(User.agency_id == booking.agency_id)))
    lifecycle.approve(db.session.get(Booking, booking.id), booking.created_by)
    db.session.commit()
    assert db.session.get(Booking, booking.id).status == BookingStatus.APPROVED
    fresh = served_from_cache(viewer, url, statements)
    assert not fresh[0] and fresh[1] != first[1]
    assert served_from_cache(viewer, url, statements)[0]


def test_an_htmx_block_and_the_page_are_kept_apart(desk, booking, statements):
    url = "/agency/bookings"
    page = served_from_cache(desk, url, statements)[1]
    block = served_from_cache(desk, url, statements, headers={"HX-Request": "true"})
    assert not block[0] and block[1] != page
    assert served_from_cache(desk, url, statements) == (True, page)


def test_another_agency_and_another_employer_change_nothing_here(client, desk, booking, statements, users, agencies):
    someone = users.make("employer", email="someone@example.com")
    served_from_cache(desk, "/agency/bookings", statements)
    served_from_cache(client, "/employer/", statements)
    accounts.request_approval(someone, agencies["mesa"])  # another employer asks another agency
    assert served_from_cache(desk, "/agency/bookings", statements)[0]  # KCPD's queue: still current
    assert served_from_cache(client, "/employer/", statements)[0]  # the first employer's page too
    accounts.request_approval(someone, agencies["kcpd"])  # KCPD's business: its pages are rendered again
    assert not served_from_cache(desk, "/agency/bookings", statements)[0]


def test_what_shows_on_other_tenants_pages_bumps_them_all(client, desk, booking, statements):
    served_from_cache(desk, "/agency/bookings", statements)
    db.session.get(Organisation, booking.organisation_id).legal_name = "Renamed Hall LLC"
    db.session.commit()
    fresh, html = served_from_cache(desk, "/agency/bookings", statements)
    assert not fresh and "Renamed Hall LLC" in html
    served_from_cache(client, f"/employer/requests/{booking.id}", statements)
    db.session.add(Officer(agency_id=booking.agency_id, full_name="Pat Doe", badge_number="77", rank="officer"))
    db.session.commit()  # an officer's name is on employers' booking pages
    assert not served_from_cache(client, f"/employer/requests/{booking.id}", statements)[0]


def test_a_cached_page_lasts_only_the_minute_it_was_rendered_in(client, booking, statements, clock):
    clock.travel_to(datetime(2027, 3, 1, 16, 0, 5, tzinfo=UTC))
    url = f"/employer/requests/{booking.id}"
    assert not served_from_cache(client, url, statements)[0]
    clock.advance(timedelta(seconds=50))
    assert served_from_cache(client, url, statements)[0]
    clock.travel_to(datetime(2027, 3, 1, 16, 1, 0, tzinfo=UTC))  # every rule of time changes on a whole minute
    assert not served_from_cache(client, url, statements)[0]


def test_a_page_with_a_message_waiting_is_rendered_and_not_kept(client, booking, statements):
    post_form(client, f"/employer/requests/{booking.id}/deposit", {}, page=f"/employer/requests/{booking.id}")
    shown = served_from_cache(client, "/employer/", statements)
    assert not shown[0]
    assert not served_from_cache(client, "/employer/", statements)[0]  # the page with the message was not kept
    assert served_from_cache(client, "/employer/", statements)[0]


def test_a_new_session_of_the_same_user_gets_its_own_pages(app, client, employer, booking, statements, users):
    served_from_cache(client, "/employer/", statements)
    other = app.test_client()
    users.login(other, employer)
    assert not served_from_cache(other, "/employer/", statements)[0]


def test_a_commit_bumps_the_scopes_of_what_it_changed_and_a_rollback_nothing(app, booking):
    def versions() -> dict[str, int]:
        return dict(db.session.execute(select(pagecache.versions.c.scope, pagecache.versions.c.version)).all())

    before = versions()
    org, agency = f"org:{booking.organisation_id}", f"agency:{booking.agency_id}"
    booking.site_name = "Changed"
    db.session.rollback()
    assert versions() == before
    db.session.get(Booking, booking.id).instructions = "Gate B."
    db.session.commit()
    after = versions()
    assert (after[org], after[agency], after["all"]) == (before[org] + 1, before[agency] + 1, before["all"])
    user = db.session.get(User, booking.created_by_id)
    user.last_login_at = datetime.now(UTC)  # shows on no page
    db.session.commit()
    assert versions() == after
    db.session.execute(update(Booking).where(Booking.id == booking.id).values(site_name="Bulk"))
    db.session.commit()  # a bulk statement: which rows it changed is not known, so everything
    assert versions()["all"] == after["all"] + 1


def test_verify_mode_fails_a_page_the_cache_would_serve_stale(app, client, booking):
    app.config["PAGE_CACHE_VERIFY"] = True
    url = f"/employer/requests/{booking.id}"
    client.get(url)
    client.get(url)  # a hit, checked against the page rendered afresh: the same
    db.session.execute(text("UPDATE bookings SET site_name = 'Behind its back' WHERE id = :id"), {"id": booking.id})
    db.session.commit()  # plain SQL: no tracker sees it (an operator's psql would not be seen either)
    with pytest.raises(pagecache.StalePage):
        client.get(url)
