"""Accessibility checks: axe-core on every page state of the browser tests, and no attribute rendered as ``None``.

How the states are found (what a test gets is described in tests/support/plugin.py):

* a small init script marks the document (``data-axe-pending`` on ``<html>``) at every page load and
  every htmx swap;
* a Playwright locator handler on that mark runs before the test's next action on the page: it waits
  for the page to be still (no htmx request, swap or CSS transition under way), clears the mark and
  runs axe; ``page.goto`` (``reload``, ``go_back``, ``go_forward``) does the same before returning;
* when the test body has run, every page still marked is checked.

axe-core is evaluated into the page by Playwright, which the page's Content-Security-Policy does not
govern, so the policy stays exactly as served and nothing is added to the document but the mark.
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.browser import REPO_ROOT, screenshot

AXE_PACKAGE_DIR = REPO_ROOT / "node_modules" / "axe-core"
AXE_FILE = AXE_PACKAGE_DIR / "axe.min.js"
# WCAG 2.0 A and AA, WCAG 2.1 AA, and Deque's best practices (headings, landmarks, regions...).
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21aa", "best-practice")
PENDING = "data-axe-pending"
QUIET_TIMEOUT_MS = 5_000

# Runs in every document of a watched context before the page's own scripts (not subject to the CSP).
MARK_STATES = """
(() => {
  if (window !== window.top) return;
  const mark = (why) => document.documentElement && document.documentElement.setAttribute("data-axe-pending", why);
  const name = (el) => el && el.id ? "#" + el.id : (el && el.tagName ? el.tagName.toLowerCase() : "?");
  window.addEventListener("load", () => mark("load"));
  document.addEventListener("htmx:afterSwap", (e) => mark("swap into " + name(e.detail && e.detail.target)));
  document.addEventListener("htmx:historyRestore", () => mark("history restore"));
})();
"""

# The page is still: no htmx request, swap or settle under way and no CSS transition running.
QUIET = """() => !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
  && document.getAnimations().every((a) => a.playState !== "running")"""

RUN_AXE = """async ([tags, exclude]) => {
  axe.configure({ allowedOrigins: ["<unsafe_all_origins>"] });
  const context = exclude.length ? { include: [document], exclude: exclude.map((s) => [s]) } : document;
  const result = await axe.run(context, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html, summary: n.failureSummary })),
  }));
}"""


def axe_source() -> str:
    if not AXE_FILE.is_file():
        raise FileNotFoundError(f"{AXE_FILE} is missing: run `make test-deps` (npm ci)")
    return AXE_FILE.read_text(encoding="utf-8")


@dataclass
class Violation:
    state: str  # "<name or page address> (<what led there>)"
    rule: str
    impact: str | None
    help: str
    url: str
    nodes: list[dict]
    screenshot: Path | None = None

    def __str__(self) -> str:
        lines = [f"{self.state}: {self.rule} ({self.impact}): {self.help} <{self.url}>"]
        for node in self.nodes[:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            lines.extend(f"        {line}" for line in (node["summary"] or "").splitlines())
        if len(self.nodes) > 5:
            lines.append(f"    ... and {len(self.nodes) - 5} more elements")
        if self.screenshot:
            lines.append(f"    screenshot: {self.screenshot}")
        return "\n".join(lines)


class AuditFailure(AssertionError):
    """A page failed a check the harness runs on every test (axe-core, no attribute rendered as None)."""


class AxeFailure(AuditFailure):
    pass


@dataclass
class AccessibilityAudit:
    """axe-core over the pages of the contexts it watches, for one test (``test_name`` names the screenshots)."""

    test_name: str
    exclude: tuple[str, ...] = ()  # CSS selectors left out of every check (pytest.mark.axe(exclude=...))
    violations: list[Violation] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # every state checked, in order
    _source: str | None = None
    _pages: list = field(default_factory=list)

    # -- wiring ----------------------------------------------------------------
    def watch(self, context) -> None:
        """Check every page of ``context`` (those open now and those opened later) automatically."""
        context.add_init_script(script=MARK_STATES)
        for page in context.pages:
            self._watch_page(page)
        context.on("page", self._watch_page)

    def _watch_page(self, page) -> None:
        self._pages.append(page)
        page.on("close", lambda p: self._pages.remove(p) if p in self._pages else None)
        page.add_locator_handler(
            page.locator(f"html[{PENDING}]"), lambda: self._check_marked(page), no_wait_after=True
        )
        # A navigation the test makes itself is checked as soon as it returns (no action need follow it).
        for name in ("goto", "reload", "go_back", "go_forward"):
            setattr(page, name, self._checking(page, getattr(page, name)))

    def _checking(self, page, navigate):
        def navigate_and_check(*args, **kwargs):
            response = navigate(*args, **kwargs)
            if page.locator(f"html[{PENDING}]").count():
                self._check_marked(page)
            return response

        return navigate_and_check

    # -- checks ----------------------------------------------------------------
    def check(self, page, name: str) -> list[Violation]:
        """Check ``page`` as it is now, as the state ``name``; raise AxeFailure on any violation."""
        self._wait_until_quiet(page)
        page.evaluate(f"() => document.documentElement.removeAttribute('{PENDING}')")
        found = self._run(page, name, keep=False)
        if found:
            raise AxeFailure("axe-core found violations:\n" + "\n".join(map(str, found)))
        return found

    def check_pending(self) -> None:
        """Check every watched page still marked (the states the test body ended on), once still."""
        for page in list(self._pages):
            if page.is_closed() or not page.url.startswith(("http://", "https://")):
                continue
            self._wait_until_quiet(page)  # a swap may still be settling
            if page.locator(f"html[{PENDING}]").count():
                self._check_marked(page)

    def assert_clean(self) -> None:
        if self.violations:
            found, self.violations = self.violations, []
            raise AxeFailure(
                f"axe-core found {len(found)} violation(s) ({', '.join(AXE_TAGS)}) in the states this test "
                "visited:\n" + "\n".join(map(str, found))
            )

    def _check_marked(self, page) -> None:
        if not page.url.startswith(("http://", "https://")):
            page.evaluate(f"() => document.documentElement.removeAttribute('{PENDING}')")
            return
        self._wait_until_quiet(page)
        why = page.evaluate(
            f"""() => {{ const why = document.documentElement.getAttribute('{PENDING}');
                document.documentElement.removeAttribute('{PENDING}'); return why; }}"""
        )
        if why is not None:
            self._run(page, f"{page.url} ({why})")

    def _wait_until_quiet(self, page) -> None:
        with contextlib.suppress(PlaywrightTimeoutError):  # still busy after that long: check it as it is
            page.wait_for_function(QUIET, timeout=QUIET_TIMEOUT_MS, polling=50)

    def _run(self, page, state: str, *, keep: bool = True) -> list[Violation]:
        """Run axe on ``page``; keep what it finds for the end of the test unless ``keep`` is false."""
        if self._source is None:
            self._source = axe_source()
        for frame in page.frames:  # each frame answers for itself (cross-origin ones too)
            if not frame.is_detached() and not frame.evaluate("() => typeof window.axe === 'object'"):
                frame.evaluate(self._source)
        results = page.evaluate(RUN_AXE, [list(AXE_TAGS), list(self.exclude)])
        self.checked.append(state)
        found = [
            Violation(state, r["id"], r["impact"], r["help"], r["url"], r["nodes"]) for r in results
        ]
        if found:
            shot = screenshot(page, f"AXE-{self.test_name}-{len(self.checked)}")
            for violation in found:
                violation.screenshot = shot
            if keep:
                self.violations.extend(found)
        return found


# -- what a screen reader would hear: text that changes inside live regions ----------------------------
# A region announces changes made to it after it is in the document; a role=alert announces when added.
RECORD_ANNOUNCEMENTS = """() => {
  const LIVE = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"]';
  const known = new WeakSet(document.querySelectorAll(LIVE));
  const heard = window.__announced = [];
  const say = (text) => {
    text = text.replace(/\\s+/g, " ").trim();
    if (text && heard[heard.length - 1] !== text) heard.push(text);
  };
  new MutationObserver((records) => {
    for (const record of records) {
      const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const region = node && node.closest(LIVE);
      if (region && known.has(region) && region.isConnected) say(region.textContent);
      for (const added of record.addedNodes) {
        if (added.nodeType === 1 && added.matches('[role="alert"]') && !known.has(added)) say(added.textContent);
      }
    }
    document.querySelectorAll(LIVE).forEach((region) => known.add(region));
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
}"""


@dataclass
class Announcements:
    """What live regions of ``page`` have said since ``listen_for_announcements(page)``, in order."""

    page: object

    def texts(self) -> list[str]:
        return self.page.evaluate("() => window.__announced.slice()")

    def wait_for(self, text: str, timeout: float = 10_000) -> list[str]:
        """Wait until some announcement contains ``text``; return them all."""
        try:
            self.page.wait_for_function(
                "(text) => window.__announced.some((said) => said.includes(text))", arg=text, timeout=timeout
            )
        except Exception as exc:
            raise AssertionError(f"never announced {text!r}; announced: {self.texts()!r}") from exc
        return self.texts()


def listen_for_announcements(page) -> Announcements:
    """Start recording announcements on the current document (a navigation ends the recording)."""
    page.evaluate(RECORD_ANNOUNCEMENTS)
    return Announcements(page)


# -- pixels: PNG screenshots and WCAG contrast -------------------------------------------------------------
def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """(width, height, rows of RGB pixels) of an 8-bit RGB or RGBA PNG, as Chromium's screenshots are."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, compressed, header = 8, bytearray(), None
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(bytes(compressed)), width * bpp
    rows, previous, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = previous[x]
            corner = previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append([tuple(line[x : x + 3]) for x in range(0, stride, bpp)])
        previous = line
    return width, height, rows


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# -- no attribute rendered as the text "None" -----------------------------------------------------------
class _AttributeScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(f'<{tag} {name}="None">' for name, value in attrs if value == "None")

    handle_startendtag = handle_starttag


def none_attributes(html: str) -> list[str]:
    """Every attribute of ``html`` whose value is the text ``None`` (Python's None written into a template)."""
    scan = _AttributeScan()
    scan.feed(html)
    scan.close()
    return scan.found


@dataclass
class RenderedPages:
    """Every HTML response a Flask app sends during a test, scanned for attributes rendered as ``None``."""

    problems: dict[str, Counter] = field(default_factory=dict)  # address -> how often each attribute
    pages: int = 0

    def scan(self, url: str, html: str) -> None:
        self.pages += 1
        found = none_attributes(html)
        if found:
            self.problems.setdefault(url, Counter()).update(found)

    def assert_clean(self) -> None:
        if self.problems:
            found, self.problems = self.problems, {}
            raise AuditFailure(
                f"attributes rendered as the text None on {len(found)} page(s):\n"
                + "\n".join(
                    f"{url[:160]}: " + ", ".join(f"{attr} x{n}" for attr, n in counts.items())
                    for url, counts in found.items()
                )
            )
