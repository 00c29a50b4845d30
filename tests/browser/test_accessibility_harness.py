"""The axe-core checks of tests/support find what they are there to find, and fail the test that met it.

Pages with known violations are answered by Playwright on the live server's address: an image without a
text alternative inside #theirs, and a field without a label.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.a11y import AuditFailure, AxeFailure

pytestmark = pytest.mark.browser

BAD_PAGE = """<!doctype html><html lang="en"><head><title>Bad page</title></head>
<body><main><h1>Bad page</h1><div id="theirs"><img src="/static/none.png"></div><p><input type="text"></p></main>
</body></html>"""
BAD_FRAGMENT = '<div id="theirs"><img src="/static/none.png"></div>'


@pytest.fixture
def bad(page):
    page.route("**/__a11y/bad", lambda route: route.fulfill(status=200, content_type="text/html", body=BAD_PAGE))
    page.route("**/__a11y/fragment", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                  body=BAD_FRAGMENT))
    return page


def swap_in_a_bad_fragment(page) -> None:
    """A real htmx swap on a real page: the fragment goes into #flash."""
    page.evaluate("htmx.ajax('GET', '/__a11y/fragment', {target: '#flash', swap: 'innerHTML'})")


def test_every_load_and_swap_is_checked_before_the_test_goes_on(bad, accessibility, axe_check):
    page = bad
    page.goto("/__a11y/bad")  # checked before goto returns
    assert {(v.rule, v.state.split(" ")[-1]) for v in accessibility.violations} == {
        ("image-alt", "(load)"), ("label", "(load)")}
    assert all(v.screenshot and v.screenshot.is_file() for v in accessibility.violations)
    accessibility.violations.clear()  # found as they should be; left in, they would fail this test

    page.goto("/quote?agency=mesa")
    assert accessibility.violations == [], "\n".join(map(str, accessibility.violations))
    swap_in_a_bad_fragment(page)
    expect(page.locator("#flash img")).to_have_count(1)
    page.get_by_role("heading", level=1).hover()  # the swap is checked before the test's next action
    assert [(v.rule, v.state.split(" ", 1)[1]) for v in accessibility.violations] == [
        ("image-alt", "(swap into #flash)")]
    accessibility.violations.clear()

    with pytest.raises(AxeFailure, match="image-alt"):
        axe_check(page, "checked by name")
    assert accessibility.checked[-1] == "checked by name"
    assert accessibility.violations == []  # reported at once, not again when the test ends


@pytest.mark.axe(exclude=["#theirs"], reason="this test shows that an excluded part is left out")
def test_markup_marked_as_not_ours_is_left_out(bad, accessibility):
    bad.goto("/__a11y/bad")
    assert [v.rule for v in accessibility.violations] == ["label"]
    accessibility.violations.clear()


@pytest.mark.xfail(strict=True, raises=AuditFailure, reason="the harness must fail a test that met a violation")
def test_a_test_that_meets_a_violation_fails(bad):
    bad.goto("/__a11y/bad")


@pytest.mark.xfail(strict=True, raises=AuditFailure, reason="the state a test ends on is checked too")
def test_the_state_a_test_ends_on_is_checked(bad):
    bad.goto("/quote?agency=mesa")
    swap_in_a_bad_fragment(bad)
    bad.wait_for_function("() => document.querySelector('#flash img')")  # not an action: no check before it
