"""Find what a signed-in (or anonymous) visitor can reach, without a hand-written list of routes.

``crawl(client, seeds)`` fetches pages the way a browser would (following same-site links from the
seeds), and reads every ``<form>`` on them, with the endpoints htmx posts a form to (``hx-post`` /
``hx-get`` with ``hx-include="#form"``). ``rules(app)`` lists every route of the app with the real
arguments seen while crawling, so routes that no page links to are still known. Tests built on these
cover routes added later without being edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea" or "file"
    value: str = ""  # what the page filled in (the selected option, a checked box's value)
    options: list[str] = field(default_factory=list)  # a select's or a radio group's values


@dataclass
class Form:
    page: str  # the URL of the page the form was read from
    method: str
    action: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons: (name, value)

    @property
    def label(self) -> str:
        return f"{self.method} {urlsplit(self.action).path}"


class _PageParser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._by_id: dict[str, Form] = {}
        self._open: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._htmx: list[tuple[str, str, str]] = []  # (method, url, included form id)
        self._pending: list[tuple[str, dict]] = []  # controls naming a form declared later (form="...")

    def handle_starttag(self, tag: str, attrs_list) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "option":
            if self._select is not None:
                value = attrs.get("value", "")
                self._select.options.append(value)
                if "selected" in attrs:
                    self._select.value = value
            return
        for method in ("get", "post"):
            target = attrs.get(f"hx-{method}")
            include = attrs.get("hx-include", "")
            if target and include.startswith("#"):
                self._htmx.append((method.upper(), urljoin(self.url, target), include[1:]))
        if tag == "a" and attrs.get("href"):
            self.links.append(urljoin(self.url, attrs["href"]))
        elif tag == "form":
            form = Form(self.url, (attrs.get("method") or "get").upper(), urljoin(self.url, attrs.get("action", "")),
                        "multipart" in attrs.get("enctype", ""))
            self.forms.append(form)
            if attrs.get("id"):
                self._by_id[attrs["id"]] = form
            self._open = form
        elif tag in ("input", "select", "textarea", "button"):
            owner = attrs.get("form")
            if owner:
                self._pending.append((tag, attrs))
                if tag == "select":
                    self._select = None
                return
            self._control(self._open, tag, attrs)

    def _control(self, form: Form | None, tag: str, attrs: dict) -> None:
        name = attrs.get("name")
        if form is None or not name:
            return
        kind = attrs.get("type", "text").lower() if tag == "input" else tag
        if tag == "button" or kind == "submit":
            if (attrs.get("type") or "submit").lower() == "submit":
                form.buttons.append((name, attrs.get("value", "")))
            return
        existing = next((f for f in form.fields if f.name == name and f.kind == "radio"), None)
        if kind == "radio" and existing is not None:
            existing.options.append(attrs.get("value", "on"))
            if "checked" in attrs:
                existing.value = attrs.get("value", "on")
            return
        value = attrs.get("value", "")
        if kind in ("checkbox", "radio"):
            value = attrs.get("value", "on") if "checked" in attrs else ""
        control = Field(name, kind, value, [attrs.get("value", "on")] if kind in ("checkbox", "radio") else [])
        form.fields.append(control)
        if tag == "select":
            self._select = control
        elif tag == "textarea":
            self._textarea = control

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_startendtag(self, tag: str, attrs_list) -> None:
        self.handle_starttag(tag, attrs_list)

    def close(self) -> None:
        super().close()
        for tag, attrs in self._pending:
            self._control(self._by_id.get(attrs["form"]), tag, attrs)
        for method, url, form_id in self._htmx:
            included = self._by_id.get(form_id)
            if included is not None:
                self.forms.append(Form(self.url, method, url, False, list(included.fields)))


def read_page(url: str, html: str) -> tuple[list[str], list[Form]]:
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    return parser.links, parser.forms


@dataclass
class Site:
    """What a visitor reached: pages (URL -> status), the forms on them (each form once per action)."""

    pages: dict[str, int] = field(default_factory=dict)
    forms: dict[tuple[str, str, tuple[str, ...]], Form] = field(default_factory=dict)

    def form_list(self) -> list[Form]:
        return list(self.forms.values())


def crawl(client, seeds: list[str], *, limit: int = 80) -> Site:
    """Breadth-first over same-site links from ``seeds`` (paths), at most ``limit`` pages."""
    site = Site()
    queue = list(seeds)
    while queue and len(site.pages) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.path.startswith("/static/"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in site.pages:
            continue
        response = client.get(path)
        response.close()  # a file download holds its file open until closed
        site.pages[path] = response.status_code
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(response.headers["Location"])
            continue
        if response.mimetype != "text/html":
            continue
        links, forms = read_page("http://localhost" + path, response.get_data(as_text=True))
        for form in forms:
            key = (form.method, urlsplit(form.action).path, tuple(sorted(f.name for f in form.fields)))
            site.forms.setdefault(key, form)
        queue.extend(link for link in links if link.split("#")[0] not in site.pages)
    return site


def local(url: str) -> str:
    """A crawled URL as the path and query a test client asks for."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Route:
    rule: Rule
    methods: list[str]
    examples: list[dict]  # argument values seen on crawled URLs (real ids, slugs, steps)


def routes(app: Flask, seen_urls: list[str]) -> list[Route]:
    """Every route of the app but static files, with the arguments its rule matched among ``seen_urls``."""
    adapter = app.url_map.bind("localhost")
    found: dict[str, list[dict]] = {}
    for url in seen_urls:
        path = urlsplit(url).path
        for method in ("GET", "POST"):
            try:
                endpoint, args = adapter.match(path, method=method)
            except HTTPException:  # no such route, or not for this method (a redirect is one too)
                continue
            if args and args not in found.setdefault(endpoint, []):
                found[endpoint].append(args)
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted(m for m in (rule.methods or ()) if m not in ("HEAD", "OPTIONS"))
        out.append(Route(rule, methods, found.get(rule.endpoint, [])))
    return out
