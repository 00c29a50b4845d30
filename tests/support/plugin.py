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
  clock (function)             a clock a test can move (tests.support.clock.Clock), for the app's ``CLOCK``.

Needs from the conftest: ``app``, a Flask app whose database already exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


_REPORTS = pytest.StashKey[dict]()


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
def _browser_session(browser, live_server, app):
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    stripe_js = app.config.get("STRIPE_JS_URL", "")
    local_stripe = [stripe_js] if stripe_js.startswith("http://127.0.0.1") else []  # localstripe's Stripe.js
    guard = install_routes(context, live_server.url, htmx_fulfilment(app.config.get("HTMX_URL")),
                           also=local_stripe)
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
