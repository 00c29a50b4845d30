"""Every page each role can reach by links, and the error states of its forms, in Chromium.

The harness runs axe-core on each (tests/support/plugin.py); this test makes sure every page is visited,
pages added later included once something links to them. Screenshots: tests/artifacts/screenshots/tour-*.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.demo import links_of, log_in, populate, walk

pytestmark = pytest.mark.browser

ROLES = ["anonymous", "employer", "agency_admin", "agency_staff", "site_admin"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_each_role(page, users, agencies, accessibility, axe_check, screenshot, network_guard, role):
    people = populate(users, agencies)
    if people.user(role) is not None:
        log_in(page, people.user(role))

    def get(path: str) -> tuple[int, str, str]:
        response = page.goto(path)  # the harness checks the page before goto returns
        expect(page.get_by_role("heading", level=1)).to_have_count(1)  # every page has one main heading
        screenshot(f"tour-{role}-{path}")
        return response.status, response.headers.get("content-type", ""), page.content()

    visited = list(walk(get, people.start_pages(role)))
    assert len(visited) >= len(people.start_pages(role))
    assert len(accessibility.checked) >= len(visited)

    # error states, and the pages for what is missing or not allowed
    page.goto("/no/such/page")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if role == "anonymous":
        page.goto("/auth/login")
        page.get_by_label("Email", exact=True).fill("nobody@example.com")
        page.get_by_label("Password", exact=True).fill("not the password")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator(".flash-error, .field-error").first).to_be_visible()
        axe_check(page, "log in refused")
        page.goto("/auth/signup")
        page.get_by_role("button", name="Create account").click()
        expect(page.locator(".field-error").first).to_be_visible()
        axe_check(page, "sign-up with nothing filled in")
        screenshot("tour-anonymous-signup-errors")
    else:
        page.goto("/auth/profile" if role != "agency_staff" else "/agency/team")  # staff may not manage the team
        if role != "agency_staff":
            page.get_by_role("button", name="Change password").click()
            expect(page.locator(".field-error").first).to_be_visible()
            axe_check(page, "password change with nothing filled in")
            screenshot(f"tour-{role}-profile-errors")
    if role == "agency_admin":
        page.goto("/agency/team")
        page.get_by_role("button", name="Create user").click()
        expect(page.locator(".field-error").first).to_be_visible()
        axe_check(page, "new coordinator with nothing filled in")
        screenshot(f"tour-{role}-team-errors")
    assert network_guard.aborted == [], network_guard.report()


def test_links_of_a_page_are_read_as_the_walk_needs():
    html = """<a href="/a">a</a><a href="/b?x=1#top">b</a><a href="http://elsewhere.example/c">c</a>
    <a href="/static/app.css">css</a><a href="/employer/requests/1/attachments/2" download>file</a>
    <a href="mailto:x@example.com">mail</a><a href="d">relative</a>"""
    assert links_of(html, "http://localhost/employer/") == ["/a", "/b?x=1", "/employer/d"]
