"""Every page, as each role, and every form on it sent back empty: no attribute is rendered as the text "None".

(Python's None written into an attribute: aria-invalid="None" makes screen readers announce every field as
invalid.) The scan itself runs on every HTML response of every test (tests/support/plugin.py); this test makes
sure that every page and each form's error state is among them.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.support.a11y import AuditFailure, none_attributes
from tests.support.demo import People, populate, walk

ROLES = ["anonymous", "employer", "agency_admin", "agency_staff", "site_admin"]
# Endpoints the walk must reach for each role (more are visited when pages link to them).
MUST_REACH = {
    "anonymous": {"main.index", "main.instant_quote", "auth.login", "auth.signup"},
    "employer": {"employer.dashboard", "employer.new_request", "employer.step", "employer.booking", "auth.profile",
                 "employer.billing_history"},
    "agency_admin": {"agency.dashboard", "agency.team", "agency.exports", "auth.profile"},
    "agency_staff": {"agency.dashboard"},
    "site_admin": {"admin.dashboard", "auth.profile"},
}


class _PostForms(HTMLParser):
    """Each POST form of a page: its action and its hidden fields (the CSRF token)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str | None, dict[str, str]]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self._open = (values.get("method") or "get").lower() == "post"
            if self._open:
                self.forms.append((values.get("action"), {}))
        elif tag == "input" and self._open and values.get("type") == "hidden" and values.get("name"):
            self.forms[-1][1][values["name"]] = values.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


@pytest.fixture
def people(users, agencies) -> People:
    return populate(users, agencies)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_renders_an_attribute_as_none(app, client, users, people, rendered_pages, role):
    if people.user(role) is not None:
        users.login(client, people.user(role))
    adapter = app.url_map.bind("localhost")
    pages: dict[str, str] = {}

    def get(path: str) -> tuple[int, str, str]:
        response = client.get(path)
        for _ in range(5):  # (the conftest's client runs each request apart: no follow_redirects)
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            response = client.get(response.headers["Location"])
        text = response.get_data(as_text=True)
        if response.mimetype == "text/html":
            pages[path] = text
        return response.status_code, response.content_type, text

    visited = list(walk(get, people.start_pages(role)))
    reached = {adapter.match(path.split("?")[0])[0] for path in visited}
    assert MUST_REACH[role] <= reached, f"not reached: {MUST_REACH[role] - reached}; visited {visited}"

    # every POST form sent back with nothing filled in: its error state (logging out would end the walk)
    sent = 0
    for path, html in list(pages.items()):
        parser = _PostForms()
        parser.feed(html)
        for action, hidden in parser.forms:
            if action and "logout" in action:
                continue
            response = client.post(action or path, data=hidden)
            assert response.status_code < 500, f"POST {action or path} from {path}: {response.status_code}"
            if response.status_code in (302, 303):
                assert get(response.headers["Location"])[0] < 500
            sent += 1
    assert sent or role == "agency_staff" or role == "site_admin"

    for path, html in list(pages.items()):
        assert none_attributes(html) == [], path
    assert rendered_pages.pages >= len(pages) + sent
    rendered_pages.assert_clean()


def test_attributes_rendered_as_none_are_found():
    html = '<input aria-invalid="None" value="None detected"><img alt="None"/><p title="none">None</p>'
    assert none_attributes(html) == ['<input aria-invalid="None">', '<img alt="None">']


@pytest.mark.xfail(strict=True, raises=AuditFailure, reason="the scan of every response must fail this test")
def test_a_page_with_an_attribute_rendered_as_none_fails_the_test(app, client):
    app.add_url_rule("/rendered-none", "rendered_none", lambda: '<p aria-describedby="None">x</p>')
    assert client.get("/rendered-none").status_code == 200
