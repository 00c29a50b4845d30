"""Debian's Chromium driven by Playwright (the PyPI wheel ships its own driver).

Never run `playwright install`: there is no browser download on these machines.
Every request that would leave the machine is aborted and recorded; the few
CDN URLs the pages need (htmx) are answered from local files instead.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "tests" / "artifacts" / "screenshots"
HTMX_PACKAGE_DIR = REPO_ROOT / "node_modules" / "htmx.org"
HTMX_FILE = HTMX_PACKAGE_DIR / "dist" / "htmx.min.js"

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# --headless is added by Playwright itself.
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]

CONTENT_TYPES = {
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


def launch(playwright, **kwargs):
    """Launch headless Debian Chromium; extra kwargs go to chromium.launch()."""
    if not Path(CHROMIUM_PATH).exists():
        raise RuntimeError(
            f"{CHROMIUM_PATH} not found: install Debian's chromium (make test-deps). Do not run `playwright install`."
        )
    kwargs.setdefault("headless", True)
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, **kwargs)


@dataclass
class NetworkGuard:
    """What the routes let through, answered locally, or aborted."""

    allowed_origins: frozenset[str]
    fulfil: dict[str, Path]
    aborted: list[str] = field(default_factory=list)
    fulfilled: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def handle(self, route) -> None:
        url = route.request.url
        if url in self.fulfil:
            path = self.fulfil[url]
            self.fulfilled.append(url)
            route.fulfill(
                status=200,
                path=str(path),
                content_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                # <script integrity=... crossorigin="anonymous"> is a CORS request.
                headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
            )
        elif _origin(url) in self.allowed_origins:
            route.continue_()
        else:
            self.aborted.append(url)
            route.abort("blockedbyclient")

    def watch(self, page) -> None:
        """Record console errors and uncaught exceptions of a page."""
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"pageerror: {exc}"))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"console.error: {message.text} at {message.location.get('url')}")

    def report(self) -> str:
        return f"aborted={self.aborted!r} fulfilled={self.fulfilled!r} console_errors={self.console_errors!r}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"


def install_routes(context, live_url: str, fulfil: dict[str, Path] | None = None, *,
                   also: list[str] | tuple[str, ...] = ()) -> NetworkGuard:
    """Abort every request of ``context`` not to ``live_url``'s host:port (or the origins of the URLs in
    ``also``: the local Stripe stand-in), except ``fulfil``'s URLs.

    Returns the guard, whose ``aborted`` list a test can assert is empty.
    """
    fulfil = dict(fulfil or {})
    for url, path in fulfil.items():
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path} (to answer {url}) is missing: run `make test-deps`")
    origins = frozenset({_origin(live_url), *(_origin(u) for u in also)})
    guard = NetworkGuard(allowed_origins=origins, fulfil={u: Path(p) for u, p in fulfil.items()})
    context.route("**/*", guard.handle)
    context.on("page", guard.watch)
    return guard


_HTMX_URL_VERSION = re.compile(r"htmx\.org@(?P<version>[0-9][^/]*)/")


def htmx_fulfilment(htmx_url: str | None) -> dict[str, Path]:
    """Map the app's HTMX_URL to the npm copy, refusing a version mismatch (SRI would fail)."""
    if not htmx_url or not htmx_url.startswith(("http://", "https://")):
        return {}  # self-hosted or unset: nothing to stand in for
    if not HTMX_FILE.is_file():
        raise FileNotFoundError(f"{HTMX_FILE} is missing: run `make test-deps` (npm ci)")
    installed = json.loads((HTMX_PACKAGE_DIR / "package.json").read_text())["version"]
    match = _HTMX_URL_VERSION.search(htmx_url)
    if match and match.group("version") != installed:
        raise RuntimeError(
            f"HTMX_URL pins htmx {match.group('version')} but package.json installs {installed}: "
            "pin the same version in both (the SRI hash must match the file)"
        )
    return {htmx_url: HTMX_FILE}


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "screenshot"


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of ``page`` as tests/artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{_safe(name)}.png"
    # caret="initial": hiding the caret injects a <style> element, which the Content-Security-Policy refuses
    page.screenshot(path=str(path), full_page=full_page, caret="initial")
    return path


def log_in(page, user, home: str = r"/employer/$") -> None:
    """Sign ``user`` in through the login form (password: the tests' ``PASSWORD``)."""
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    page.goto("/auth/login")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(home))


def type_card(page, number: str, form: str = "form[data-card-form]") -> None:
    """Fill localstripe's Card Element (its inputs are named by placeholder)."""
    element = page.locator(f"{form} [data-card-element]")
    for placeholder, value in (("number", number), ("exp_month", "12"), ("exp_year", "34"), ("cvc", "123"),
                               ("postal_code", "84119")):
        element.locator(f'input[placeholder="{placeholder}"]').fill(value)
