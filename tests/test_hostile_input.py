"""No input answers 5xx: every route and every form, found by reading the app and its pages, as each role.

Nothing here lists the portal's routes or forms by hand. ``tests.support.discovery`` crawls the pages each
role reaches (and reads their forms, with the endpoints htmx posts them to) and lists ``app.url_map``;
Hypothesis then fills the forms with good values and hostile ones (NUL bytes, digits Python reads but
``int()`` refuses, numbers past any column, CR/LF, row numbers of 5,000 digits, megabyte strings) and
posts them with a valid CSRF token. A route added later is covered as soon as it is in the URL map or
linked from a page. The issue's own cases are pinned as explicit tests first. Runs on SQLite and, with
``DETAIL_DESK_TEST_DB=postgresql``, on PostgreSQL (which refuses NUL bytes and ids past 2**31 - 1).

``HOSTILE_EXAMPLES`` (default 60 per role) searches longer.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.models import Booking
from tests.conftest import PASSWORD, Accounts, csrf_token_from, post_form
from tests.support import discovery

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ROLES = ("anonymous", "employer", "agency_staff", "agency_admin", "site_admin")
HOMES = {"anonymous": "/", "employer": "/employer/", "agency_staff": "/agency/", "agency_admin": "/agency/",
         "site_admin": "/admin/"}


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """Hundreds of posts per test: lift the rate limits (they answer 429, which is no 5xx anyway)."""
    return {**app_config, "LOGIN_RATE_LIMIT": "100000 per minute", "LOGIN_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
            "SIGNUP_RATE_LIMIT": "100000 per minute", "API_RATE_LIMIT": "100000 per minute"}


# -- the cases -------------------------------------------------------------------------------

@dataclass
class World:
    """One of each role, an employer's draft at the review step with a file, and an approval to decide."""

    users: Accounts
    accounts: dict
    booking_id: int

    def client(self, app, role: str) -> FlaskClient:
        client = app.test_client()
        if role != "anonymous":
            self.users.login(client, self.accounts[role])
        return client

    def fresh_draft(self, app) -> int:
        """The draft, made again if a discard or submission took it out of the wizard."""
        if not db.session.get(Booking, self.booking_id).is_draft:
            self.booking_id = draft_at_review(self.client(app, "employer"))
        return self.booking_id


def draft_at_review(client: FlaskClient) -> int:
    """A KCPD draft walked to the review step through the wizard's own forms, with a file attached."""
    response = post_form(client, "/employer/requests/new", {
        "agency": "kcpd", "site_name": "Riverside Arena", "street": "1 Main St", "city": "Kansas City",
        "state": "MO", "zip_code": "64106"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    step = response.headers["Location"].rsplit("/", 1)[0]
    day = (date.today() + timedelta(days=20)).isoformat()
    for name, data in (
        ("work", {"job_type": "security", "attire": "uniform"}),
        ("shifts", {"shifts-0-date": day, "shifts-0-start": "18:00", "shifts-0-end": "23:00",
                    "shifts-0-officers": "2", "action": "next"}),
        ("orders", {"instructions": "Report to the gate.", "contact_name": "Sam Rivera",
                    "contact_phone": "(816) 555-0199"}),
    ):
        response = post_form(client, f"{step}/{name}", data)
        assert response.status_code == 303, f"{name}: {response.get_data(as_text=True)[:300]}"
    token = csrf_token_from(client.get(f"{step}/orders").get_data(as_text=True))
    response = client.post(f"{step}/attachments",
                           data={"csrf_token": token, "attachment": (io.BytesIO(PNG), "map.png")})
    assert response.status_code == 303
    return int(step.rsplit("/", 1)[1])


@pytest.fixture
def world(app, users, agencies) -> World:
    people = {"employer": users.make("employer"), "agency_staff": users.make("agency_staff"),
              "agency_admin": users.make("agency_admin"), "site_admin": users.make("site_admin"),
              "visitor": users.make("employer")}
    client = app.test_client()
    users.login(client, people["employer"])
    booking_id = draft_at_review(client)
    token = csrf_token_from(client.get("/employer/").get_data(as_text=True))
    # Ask KCPD to approve the employer: its staff then have a decision to make.
    assert client.post("/employer/agencies/kcpd/approval", data={"csrf_token": token}).status_code == 302
    return World(users, people, booking_id)


def not_a_server_error(response, what: str) -> None:
    """No 5xx (and a 405 names the methods allowed). Closes the response (a download holds a file open).

    503 is the one exception: only a view says it, on purpose (a service the portal is not set up for);
    an error from input never becomes a 503.
    """
    try:
        if response.status_code >= 500 and response.status_code != 503:
            pytest.fail(f"{what} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        if response.status_code == 405:
            assert response.headers.get("Allow"), f"{what}: a 405 names the methods allowed"
    finally:
        response.close()


@pytest.mark.parametrize("query", [
    "agency=kcpd&action=copy-%C2%B2", "agency=kcpd&action=remove-%C2%B2", "agency=kcpd&action=repeat-%C2%B2",
    "agency=kcpd&action=repeat-0&repeat_weeks-0=%C2%B2&shifts-0-date=2027-01-05",
    "agency=kcpd&action=copy-" + "9" * 5000, "agency=kcpd&shifts-" + "9" * 5000 + "-date=1",
    "agency=kcpd&shifts-%D9%A3-date=2027-01-05",
])
@pytest.mark.parametrize("path", ["/quote", "/quote/preview"])
def test_the_public_quote_reads_any_numbers_without_a_500(client, agencies, path, query):
    """Issue 10: '²'.isdigit() is true but int('²') raises; a 5,000-digit row index cannot even be int()ed."""
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(f"{path}?{query}", headers=headers)
        assert response.status_code in (200, 204, 303), response.get_data(as_text=True)[:300]


def test_a_form_with_1000_shift_rows_says_what_was_left_out(app, world):
    """Issue 10: 1,000 rows were cut to 60 without a word, with a 303 as if all was well."""
    client = world.client(app, "employer")
    bid = world.fresh_draft(app)
    rows = {f"shifts-{i}-{k}": v for i in range(1000)
            for k, v in (("date", (date.today() + timedelta(days=20 + i % 300)).isoformat()), ("start", "18:00"),
                         ("end", "23:00"), ("officers", "1"))}
    page = f"/employer/requests/{bid}/shifts"
    response = post_form(client, page, {**rows, "action": "next"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A request holds at most 60 shifts; 940 more rows were left out." in html
    for action in ("add", "copy-0"):
        response = post_form(client, page, {**rows, "action": action})
        assert response.status_code == 422 and "940 more rows were left out" in response.get_data(as_text=True)
    public = client.get("/quote?" + urlencode({"agency": "kcpd", **rows}))
    assert "A request holds at most 60 shifts; 940 more rows were left out." in public.get_data(as_text=True)


@pytest.mark.parametrize("value", ["1" + "0" * 309, "9" * 5000, "²", "1e3", "99999999999"])
def test_work_step_attendance_of_any_size_is_a_message_not_a_500(app, world, value):
    """Issue 10: 1 followed by 309 zeros raised OverflowError inside NumberRange."""
    client = world.client(app, "employer")
    response = post_form(client, f"/employer/requests/{world.fresh_draft(app)}/work",
                         {"job_type": "security", "attire": "uniform", "attendance": value})
    assert response.status_code == 422
    assert re.search(r"Not a valid integer value|Enter a number from 0 to", response.get_data(as_text=True))


@pytest.mark.parametrize("next_url", ["/x%0D%0ASet-Cookie:%20a=b", "/x%0Ay", "//evil.example/", "/%5Cevil.example",
                                      "https://evil.example/", "/employer/%00"])
def test_login_with_a_hostile_next_lands_home(app, world, next_url):
    """Issue 10: a CR LF in ``next`` reached the Location header (500 with valid credentials)."""
    client = app.test_client()
    email = world.accounts["employer"].email
    response = post_form(client, f"/auth/login?next={next_url}", {"email": email, "password": PASSWORD},
                         page="/auth/login")
    if "%00" in next_url:
        assert response.status_code == 400  # NUL bytes are refused before any view
        return
    assert response.status_code == 302
    assert response.headers["Location"] == "/employer/"
    assert not any(c.startswith("a=") for c in response.headers.getlist("Set-Cookie"))


def test_a_safe_next_is_still_followed(app, world):
    client = app.test_client()
    response = post_form(client, "/auth/login?next=/employer/requests/new%3Fagency%3Dkcpd",
                         {"email": world.accounts["employer"].email, "password": PASSWORD}, page="/auth/login")
    assert response.headers["Location"] == "/employer/requests/new?agency=kcpd"


@pytest.mark.parametrize("number", [2**31 - 1, 2**31, 2**63, 10**30, int("9" * 400)])
def test_ids_past_the_database_range_are_404_in_every_route(app, world, number):
    """Issue 10: /employer/requests/9223372036854775808 was a 500 (PostgreSQL: from 2147483648)."""
    client = world.client(app, "employer")
    token = csrf_token_from(client.get("/employer/").get_data(as_text=True))
    checked = 0
    for route in discovery.routes(app, []):
        ids = [a for a in route.rule.arguments if _converter(route, a) == "DatabaseIdConverter"]
        if not ids or not route.rule.rule.startswith("/employer/"):
            continue
        path = _build(route, {a: number if a in ids else "review" for a in route.rule.arguments})
        for method in route.methods:
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {path[:80]}: {response.status_code}"
            checked += 1
    assert checked >= 5


def _converter(route: discovery.Route, arg: str) -> str:
    return type(route.rule._converters[arg]).__name__


def _build(route: discovery.Route, args: dict) -> str:
    """The rule's path with ``args`` put in as text (a number past the converter's range too)."""
    path = route.rule.rule
    for name, value in args.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
    return path


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_nul_byte_in_the_login_form_is_a_400_with_a_working_error_page(client, world, field):
    """Issue 10: on PostgreSQL the NUL reached a query, and the error page then failed again."""
    data = {"email": world.accounts["employer"].email, "password": PASSWORD, field: "a\x00b"}
    response = post_form(client, "/auth/login", data)
    assert response.status_code == 400
    assert "Bad request" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("with_token", [True, False])
def test_a_multipart_field_name_with_a_line_break_is_a_400(app, world, with_token):
    """Found by the form test below: werkzeug reads such a name as None, which the NUL guard (with a CSRF
    token) and CSRF's own search for one (without) met as text: a 500."""
    client = world.client(app, "employer")
    orders = f"/employer/requests/{world.fresh_draft(app)}/orders"
    data = {"a\rb": "x", "attachment": (io.BytesIO(b"%PDF-"), "map.pdf")}
    if with_token:
        data["csrf_token"] = csrf_token_from(client.get(orders).get_data(as_text=True))
    response = client.post(orders, data=data, content_type="multipart/form-data")
    assert response.status_code == 400


# -- every route and every form, discovered ----------------------------------------------------------

HOSTILE_TEXT = [
    "\x00", "a\x00b", "²", "١٢", "1" + "0" * 309, "9" * 5000, "-1", "2147483648", "9223372036854775808",
    "1e309", "NaN", "-0", " 7 ", "0x10", "1_000", "\r\nSet-Cookie: a=b", "/x\r\nSet-Cookie: a=b", "//evil.example",
    "x" * 70_000, "'; DROP TABLE users; --", "<script>alert(1)</script>", "{{7*7}}", "🚓" * 300, "\u202e", "\ufeff",
    "0000-00-00", "9999-12-31", "0001-01-01", "2027-02-30", "24:00", "23:60", "copy-²", "repeat-0", "remove-999999",
    "add", "next", "shifts-0-date", "[]", "{}", "null", "true", "-", "..", "../../etc/passwd", "",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=40),
                         st.integers(min_value=-(10**40), max_value=10**40).map(str))
HOSTILE_NAMES = ["shifts-" + "9" * 5000 + "-date", "shifts-0-date", "shifts-61-officers", "shifts-٣-date",
                 "shifts-0-" + "x" * 300, "repeat_weeks-0", "action", "next", "agency", "offered_officer",
                 "attendance", "decision", "note", "a\x00", "x" * 5000]
hostile_name = st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(min_size=1, max_size=20))


def good_value(field: discovery.Field, world: World, role: str) -> str | None:
    """What a careful person would enter (so hostile values meet code past the first validation)."""
    name, kind = field.name, field.kind
    if field.value and kind not in ("password",):
        return field.value
    if kind == "select":
        return next((o for o in field.options if o), "")
    if kind in ("checkbox", "radio"):
        return field.options[0] if field.options else "y"
    if kind == "email":
        return world.accounts["visitor" if role == "anonymous" else role].email
    if kind == "password":
        return PASSWORD
    if kind == "date":
        return (date.today() + timedelta(days=20)).isoformat()
    if kind == "time":
        return "23:00" if name.endswith("end") else "18:00"
    if kind == "number":
        return "2"
    if kind == "tel":
        return "(816) 555-0100"
    words = {"zip_code": "64106", "city": "Kansas City", "street": "1 Main St", "instructions": "Report to the gate."}
    return next((v for k, v in words.items() if name.endswith(k)), "Riverside")


@st.composite
def filled(draw, form: discovery.Form, world: World, role: str):
    """(query, fields, files) for one submission of ``form``: mostly good values, some hostile ones."""
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, FileStorage]] = []
    for f in form.fields:
        if f.kind == "file":
            if draw(st.booleans()):
                name = draw(st.sampled_from(["map.png", "x" * 300 + ".png", "a\x00.png", "../../x.png", "план.pdf"]))
                content = draw(st.sampled_from([PNG, b"", b"%PDF-", b"\x00" * 64]))
                files.append((f.name, FileStorage(io.BytesIO(content), filename=name)))
            continue
        if f.name == "csrf_token" and draw(st.integers(0, 9)):
            fields.append((f.name, f.value))  # keep the token: the views behind CSRF are the point
            continue
        if draw(st.integers(0, 3)) == 0:
            fields.append((f.name, draw(hostile_text)))
        else:
            value = good_value(f, world, role)
            if value is not None:
                fields.append((f.name, value))
    if form.buttons and draw(st.booleans()):
        fields.append(draw(st.sampled_from(form.buttons)))
    fields += draw(st.lists(st.tuples(hostile_name, hostile_text), max_size=3))
    query = draw(st.lists(st.tuples(st.sampled_from(["next", "action", "agency", "format", "step"]), hostile_text),
                          max_size=2))
    return query, fields, files


def submit(client: FlaskClient, form: discovery.Form, query, fields, files):
    action = discovery.local(form.action)
    if query:
        action += ("&" if "?" in action else "?") + urlencode(query)
    if form.method == "GET":
        separator = "&" if "?" in action else "?"
        return client.get(action + (separator + urlencode(fields) if fields else ""))
    data: dict = {}
    for key, value in [*fields, *files]:
        data.setdefault(key, []).append(value)
    token = next((f.value for f in form.fields if f.name == "csrf_token"), "")  # htmx sends it as a header
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(action, data=data, headers=headers,
                       content_type="multipart/form-data" if files or form.multipart else None)


def seeds(app, world: World, role: str) -> list[str]:
    """Where a visitor starts: the home pages and every route that takes no argument, from the URL map."""
    start = ["/", HOMES[role], "/quote?agency=kcpd", f"/employer/requests/{world.booking_id}/review"]
    for route in discovery.routes(app, []):
        if "GET" in route.methods and not route.rule.arguments:
            start.append(route.rule.rule)
    return start


@pytest.mark.parametrize("role", ROLES)
def test_no_form_of_any_page_answers_5xx(app, world, role):
    client = world.client(app, role)
    site = discovery.crawl(client, seeds(app, world, role))
    assert all(status < 500 for status in site.pages.values()), site.pages
    forms = site.form_list()
    assert forms, "the crawl found no form"
    original = world.booking_id

    @FUZZ
    @given(data=st.data())
    def post_one(data):
        nonlocal client
        form = data.draw(st.sampled_from(forms), label="form")
        query, fields, files = data.draw(filled(form, world, role), label="input")
        current = world.fresh_draft(app)
        if current != original:
            form = _rebased(form, original, current)
        not_a_server_error(submit(client, form, query, fields, files), form.label)
        if role != "anonymous" and client.get(HOMES[role]).status_code != 200:
            client = world.client(app, role)  # it logged out, or changed its password: sign in again

    post_one()


def page_token(client: FlaskClient) -> str:
    """The CSRF token every page gives htmx (``hx-headers`` on ``<body>``)."""
    return re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def _rebased(form: discovery.Form, old: int, new: int) -> discovery.Form:
    """The form of the original draft, pointed at the one that replaced it."""
    from dataclasses import replace

    return replace(form, action=form.action.replace(f"/requests/{old}/", f"/requests/{new}/")
                   .replace(f"/requests/{old}?", f"/requests/{new}?"))


ARGUMENT_VALUES = {  # (the explicit test above tries more ids on the employer's routes)
    "DatabaseIdConverter": [2**31, "9" * 5000, "٣"],
    "UnicodeConverter": ["x" * 300, "²", "%00", "%E2%80%AE"],
}


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_5xx_for_any_argument_or_method(app, world, role):
    """Every rule of the URL map with every method, with its real arguments and hostile ones."""
    client = world.client(app, role)
    token = page_token(client)
    site = discovery.crawl(client, seeds(app, world, role), limit=40)
    for route in discovery.routes(app, list(site.pages)):
        variants = list(route.examples)
        for arg in route.rule.arguments:
            base = route.examples[0] if route.examples else {}
            for value in ARGUMENT_VALUES.get(_converter(route, arg), ARGUMENT_VALUES["UnicodeConverter"]):
                filled_args = {a: base.get(a, "x") for a in route.rule.arguments}
                variants.append({**filled_args, arg: value})
        if not route.rule.arguments:
            variants.append({})
        for args in variants:
            path = _build(route, args)
            for method in [*route.methods, "PUT"]:  # PUT: no route takes it, so a 405 with Allow
                body = {"csrf_token": token, "agency": "kcpd\u202e", "attendance": "1" + "0" * 309, "decision": "²"}
                response = client.open(path, method=method, data=body if method != "GET" else None,
                                       headers={"X-CSRFToken": token})
                not_a_server_error(response, f"{method} {path[:120]}")
            if role != "anonymous" and client.get(HOMES[role]).status_code != 200:
                client = world.client(app, role)
                token = page_token(client)
