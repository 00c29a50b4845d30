"""pytest fixtures for servers and browsers; tests/conftest.py loads this with
``pytest_plugins = ["tests.support.plugin"]``.

Fixtures (scope):
  pg_server (session)          throwaway PostgreSQL (tests.support.postgres.PostgresServer), started
                               only when some test asks for it; one per xdist worker. ``.url`` is the
                               SQLAlchemy URL of its empty database.
  pg_database_url (function)   a fresh empty database on pg_server, dropped afterwards.
  playwright_instance (session), browser (session)
                               Playwright's sync API and headless Debian Chromium.
  live_server (function)       the conftest's ``app`` fixture served on 127.0.0.1:<free port>.
  browser_context (function)   new context, 1280x900, base_url = live_server.url, network locked down:
                               only the live server is reachable; app.config["HTMX_URL"] is answered
                               from node_modules/htmx.org (same version, so the SRI hash matches).
  network_guard (function)     what that context aborted / fulfilled, and console errors.
  page (function)              a page in browser_context; a screenshot is saved when the test fails.
  screenshot (function)        screenshot(name) -> Path of tests/artifacts/screenshots/<name>.png.
  local_stripe (session)       localstripe in a process of its own (tests.support.stripe), one per worker.
  stripe_line (function)       the proxy in front of it (StripeLine), its rules and counts reset for each
                               test; ``stripe_config(stripe_line)`` is the portal's settings for it. The
                               browser context lets the line's origin through (Stripe.js comes from it).
  accessibility (function)     the test's tests.support.a11y.AccessibilityAudit (axe-core, below).
  axe_check (function)         axe_check(page, name): check that page's current state now; fails at once.
  rendered_pages (autouse)     every HTML response of the test, scanned for attributes written as None.
  clock (function)             a clock a test can move (tests.support.clock.Clock), for the app's ``CLOCK``.

Accessibility, automatic for every browser test (tests.support.a11y; nothing to call):
  axe-core (node_modules/axe-core, pinned in package.json beside htmx) checks every page of
  browser_context, so of every ``page``, with the rules tagged wcag2a, wcag2aa, wcag21aa and
  best-practice: each page load (``page.goto`` checks before it returns) and each htmx
  swap, before the test's next action (click, fill, press...; or an assertion that has to wait),
  and the state the test ends on. Any violation fails the test once its body has run, naming the
  state, the rule, the elements and axe's advice, with a screenshot
  (tests/artifacts/screenshots/AXE-*.png). The page's Content-Security-Policy is left as served:
  Playwright evaluates axe-core in the page, which the policy does not govern.
  - ``axe_check(page, "name")`` checks the current state by name and fails at once: for a state
    no action follows that the test wants named in the report.
  - A context a test makes itself is checked once it calls ``accessibility.watch(context)``; with
    JavaScript off axe cannot run (its timers do not fire): those pages are checked with it on.
  - Markup that is not the portal's (a payment provider's test stand-in, say) is left out with
    ``@pytest.mark.axe(exclude=["#card-element"], reason="...")``; the reason is required.
  Every HTML response any Flask app sends during any test (test client or live server) is scanned
  for attributes rendered as the text ``None``; one fails the test.

Needs from the conftest: ``app``, a Flask app whose database already exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import request as flask_request
from flask import request_finished

from tests.support.a11y import AccessibilityAudit, AuditFailure, RenderedPages
from tests.support.browser import htmx_fulfilment, install_routes, launch
from tests.support.browser import screenshot as save_screenshot
from tests.support.clock import Clock
from tests.support.live_server import LiveServer
from tests.support.postgres import PostgresServer
from tests.support.stripe import LocalStripe, StripeLine

VIEWPORT = {"width": 1280, "height": 900}
DEFAULT_TIMEOUT_MS = 15_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium through Playwright")
    config.addinivalue_line("markers", "postgres: needs the throwaway PostgreSQL server")
    config.addinivalue_line(
        "markers", "axe(exclude=[selectors], reason=...): CSS selectors axe-core leaves out in this test"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


_REPORTS = pytest.StashKey[dict]()
_AFTER_CALL = pytest.StashKey[list]()


def after_call(item: pytest.Item, check) -> None:
    """Run ``check()`` when the test body has passed; an AssertionError from it fails the test."""
    item.stash.setdefault(_AFTER_CALL, []).append(check)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield  # raises when the test body failed: its own error is the one to report
    failures = []
    for check in item.stash.get(_AFTER_CALL, []):
        try:
            check()
        except AssertionError as exc:
            failures.append(str(exc))
    if failures:
        raise AuditFailure("\n\n".join(failures))
    return result


# -- No attribute rendered as "None", on every page of every test ------------------
_rendered: RenderedPages | None = None


def _scan_response(sender, response, **extra) -> None:
    pages = _rendered
    if pages is not None and response.mimetype == "text/html" and not (
        response.direct_passthrough or response.is_streamed
    ):
        pages.scan(flask_request.url, response.get_data(as_text=True))


request_finished.connect(_scan_response, weak=False)


@pytest.fixture(autouse=True)
def rendered_pages(request: pytest.FixtureRequest) -> Iterator[RenderedPages]:
    """The HTML responses of this test, scanned for attributes rendered as the text None."""
    global _rendered
    _rendered = pages = RenderedPages()
    after_call(request.node, pages.assert_clean)
    yield pages
    _rendered = None


# -- PostgreSQL ----------------------------------------------------------------
@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


@pytest.fixture
def pg_database_url(pg_server: PostgresServer) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


# -- Stripe (localstripe) -------------------------------------------------------
@pytest.fixture(scope="session")
def local_stripe() -> Iterator[LocalStripe]:
    with LocalStripe() as server:
        yield server


@pytest.fixture(scope="session")
def _stripe_line(local_stripe: LocalStripe) -> Iterator[StripeLine]:
    line = StripeLine(local_stripe.port).start()
    yield line
    line.stop()


@pytest.fixture
def stripe_line(_stripe_line: StripeLine) -> Iterator[StripeLine]:
    _stripe_line.reset()
    yield _stripe_line
    _stripe_line.reset()


@pytest.fixture
def clock() -> Clock:
    return Clock()


# -- Browser -------------------------------------------------------------------
@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = launch(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def accessibility(request: pytest.FixtureRequest) -> AccessibilityAudit:
    marker = request.node.get_closest_marker("axe")
    exclude = tuple(marker.kwargs.get("exclude", ())) if marker else ()
    if marker and not marker.kwargs.get("reason"):
        raise pytest.UsageError(f"{request.node.nodeid}: pytest.mark.axe needs a reason=")
    audit = AccessibilityAudit(request.node.nodeid, exclude=exclude)

    def final_check() -> None:
        audit.check_pending()
        audit.assert_clean()

    after_call(request.node, final_check)
    return audit


@pytest.fixture
def axe_check(accessibility: AccessibilityAudit):
    return accessibility.check


@pytest.fixture
def _browser_session(browser, live_server, app, accessibility):
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    stripe_js = app.config.get("STRIPE_JS_URL", "")
    local_stripe = [stripe_js] if stripe_js.startswith("http://127.0.0.1") else []  # localstripe's Stripe.js
    guard = install_routes(context, live_server.url, htmx_fulfilment(app.config.get("HTMX_URL")),
                           also=local_stripe)
    accessibility.watch(context)
    yield context, guard
    context.close()


@pytest.fixture
def browser_context(_browser_session):
    return _browser_session[0]


@pytest.fixture
def network_guard(_browser_session):
    return _browser_session[1]


@pytest.fixture
def page(request: pytest.FixtureRequest, browser_context):
    page = browser_context.new_page()
    yield page
    reports = request.node.stash.get(_REPORTS, {})
    if any(r.failed for r in reports.values()):
        try:
            path = save_screenshot(page, f"FAILED-{request.node.nodeid}")
            print(f"screenshot of the failure: {path}")
        except Exception as exc:  # the page may be gone; the test's own error matters more
            print(f"could not take a failure screenshot: {exc}")
    page.close()


@pytest.fixture
def screenshot(page):
    def take(name: str, *, full_page: bool = True):
        return save_screenshot(page, name, full_page=full_page)

    return take
