"""A check the harness runs on every test: no HTML response renders an attribute as the text ``None``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser


class AuditFailure(AssertionError):
    """A page failed a check the harness runs on every test (axe-core, no attribute rendered as None)."""


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
