"""The instant quote at /quote: no account, same prices as the API, shareable, works without JavaScript."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st


@pytest.fixture(autouse=True)
def _cards(agencies):
    """The four shipped cards are loaded."""


def future(days: int, zone: str = "America/Phoenix") -> str:
    return (datetime.now(UTC).astimezone(ZoneInfo(zone)).date() + timedelta(days=days)).isoformat()


def query(**params) -> str:
    return "/quote?" + urlencode(params)


def api_quote(client, body) -> dict:
    response = client.post("/api/v1/quotes", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def test_landing_links_to_instant_quote(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/quote"' in html and 'href="/quote?agency=kcpd"' in html


def test_choose_an_agency_first(client):
    html = client.get("/quote").get_data(as_text=True)
    assert "Choose an agency" in html
    for name in ("Kansas City, Missouri Police Department", "Mesa Police Department", "Tucson Police Department"):
        assert name in html


def test_form_follows_the_agency_card(client):
    tucson = client.get(query(agency="tucson")).get_data(as_text=True)
    assert 'name="schedule"' in tucson and "Major" in tucson  # Tucson has three schedules
    assert 'name="shifts-0-rank_sergeant"' in tucson and 'name="shifts-0-rank_commander"' in tucson
    assert 'name="offered_officer"' not in tucson
    kcpd = client.get(query(agency="kcpd")).get_data(as_text=True)
    assert 'name="offered_officer"' in kcpd and 'name="schedule"' not in kcpd  # KCPD rates are minimums
    assert "Still needed" in kcpd


@pytest.mark.parametrize(
    ("agency", "zone", "shift", "extra"),
    [
        ("kcpd", "America/Chicago", {"start": "18:00", "end": "23:00", "officers": "2"}, {"offered_officer": "45"}),
        ("mesa", "America/Phoenix", {"start": "07:00", "end": "11:30", "officers": "2", "vehicles": "1"}, {}),
        ("west-valley-city", "America/Denver", {"start": "21:00", "end": "01:30", "officers": "6"}, {}),
        ("tucson", "America/Phoenix", {"start": "08:00", "end": "14:00", "officers": "14", "rank_sergeant": "1",
                                        "rank_commander": "1"}, {"schedule": "major_event"}),
    ],
)
def test_page_shows_the_apis_figures(client, agency, zone, shift, extra):
    day = future(12, zone)
    params = {"agency": agency, **extra, **{f"shifts-0-{k}": v for k, v in shift.items()}, "shifts-0-date": day}
    html = client.get(query(**params)).get_data(as_text=True)
    positions = {"officer": int(shift["officers"])} | {
        k.removeprefix("rank_"): int(v) for k, v in shift.items() if k.startswith("rank_")
    }
    end_day = day if shift["end"] > shift["start"] else future(13, zone)
    body = {"agency": agency, "shifts": [{"start": f"{day}T{shift['start']}", "end": f"{end_day}T{shift['end']}",
                                          "positions": positions, "vehicles": int(shift.get("vehicles", 0))}]}
    if "schedule" in extra:
        body["schedule"] = extra["schedule"]
    if "offered_officer" in extra:
        body["offered_rates"] = {"officer": "45.00"}
    expected = api_quote(client, body)
    total = re.search(r'data-testid="quote-total">([^<]+)<', html).group(1)
    deposit = re.search(r'data-testid="quote-deposit">([^<]+)<', html).group(1)
    assert (total, deposit) == (money(expected["total_cents"]), money(expected["deposit_cents"]))
    for step in expected["cancellation"]:
        assert money(step["fee_cents"]) in html


def test_preview_fragment_and_share_link(client):
    params = {"agency": "tucson", "shifts-0-date": future(20), "shifts-0-start": "18:00", "shifts-0-end": "22:00",
              "shifts-0-officers": "2"}
    response = client.get("/quote/preview?" + urlencode(params), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert 'id="quote-actions" class="quote-actions no-print" hx-swap-oob="true"' in html
    page = client.get("/quote?" + urlencode(params)).get_data(as_text=True)
    assert 'id="quote-actions" class="quote-actions no-print">' in page  # out of band only in the fragment
    assert response.headers["HX-Replace-Url"].startswith("/quote?agency=tucson")
    assert "HX-Request" in response.headers["Vary"]
    share = re.search(r'href="([^"]+)" data-testid="share-link"', html).group(1).replace("&amp;", "&")
    assert client.get(share).get_data(as_text=True).count('data-testid="quote-total"') == 1
    assert "/employer/requests/new?agency=tucson" in html


def test_missing_fields_are_listed_not_priced(client):
    html = client.get(query(**{"agency": "mesa", "shifts-0-date": future(5), "shifts-0-start": "09:00"})).get_data(
        as_text=True
    )
    assert "The shift needs an end time." in html
    assert 'data-testid="quote-total"' not in html


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"shifts-0-vehicles": "5"}, "shifts-0-vehicles", "at most one vehicle per position"),
        ({"shifts-0-end_date": "DATE-1"}, "shifts-0-end", "The shift must end after it starts."),
        ({"shifts-0-end_date": "DATE+2"}, "shifts-0-end", "at most 24 hours"),
        ({"shifts-0-date": "2020-01-01", "shifts-0-end_date": ""}, "shifts-0-start", "after the request is made"),
        ({"shifts-0-start": "25:99"}, "shifts-0-start", "Not a valid time value."),
        ({"shifts-0-officers": "-3"}, "shifts-0-officers", "Enter a number from 0 to 200."),
    ],
)
def test_errors_beside_the_field(client, params, field, message):
    day = datetime.fromisoformat(future(9)).date()
    base = {"agency": "tucson", "shifts-0-date": day.isoformat(), "shifts-0-start": "18:00", "shifts-0-end": "22:00",
            "shifts-0-officers": "2"}
    for key, value in params.items():
        if value.startswith("DATE"):
            value = (day + timedelta(days=int(value[4:]))).isoformat()
        base[key] = value
    response = client.get(query(**base))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">([^<]+)<', html)
    assert error, html[html.find("<form"):][:3000]
    assert message in error.group(1)
    assert 'data-testid="quote-total"' not in html


def test_offered_rate_below_the_minimum(client):
    params = {"agency": "kcpd", "offered_officer": "20", "shifts-0-date": future(9, "America/Chicago"),
              "shifts-0-start": "18:00", "shifts-0-end": "22:00", "shifts-0-officers": "1"}
    html = client.get(query(**params)).get_data(as_text=True)
    assert re.search(r'id="offered_officer-error">[^<]*below the KCPD minimum rate of \$38.00', html)


def test_row_actions_without_javascript(client):
    base = {"agency": "mesa", "shifts-0-date": future(9), "shifts-0-start": "18:00", "shifts-0-end": "22:00",
            "shifts-0-officers": "2"}
    added = client.get(query(**base, action="add"))
    assert added.status_code == 303
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "<legend>Shift 2</legend>" in page
    assert "Shift 2 needs a date." in page  # the copy keeps the times, not the date
    copied = client.get(query(**base, action="copy-0"))
    html = client.get(copied.headers["Location"]).get_data(as_text=True)
    assert html.count('data-testid="quote-shift"') == 2
    removed = client.get(copied.headers["Location"] + "&action=remove-1")
    html = client.get(removed.headers["Location"]).get_data(as_text=True)
    assert html.count('data-testid="quote-shift"') == 1


def test_blocked_request_shows_why_and_offers_no_request_button(client):
    kcpd = {"agency": "kcpd", "shifts-0-date": future(9, "America/Chicago"), "shifts-0-start": "06:00",
            "shifts-0-end": "23:30", "shifts-0-officers": "1"}
    blocked = client.get(query(**kcpd)).get_data(as_text=True)
    assert "KCPD will not take this request." in blocked
    assert "16 hours" in blocked
    assert "Request these officers" not in blocked


def test_unknown_agency_and_garbage_never_500(client):
    for params in ({"agency": "atlantis"}, {"agency": "kcpd", "shifts-999999-date": "x"},
                   {"agency": "kcpd", "shifts-0-date": "2026-02-30", "shifts-0-start": "x", "shifts-0-end": "y"},
                   {"agency": "kcpd", "action": "remove-77"}, {"agency": "kcpd", "offered_officer": "1e9"}):
        response = client.get(query(**params))
        assert response.status_code in (200, 303)


@pytest.mark.parametrize(
    "params",
    [
        {"agency": "kcpd", "shifts-0-date": "9999-12-31", "shifts-0-start": "22:00", "shifts-0-end": "02:00",
         "shifts-0-officers": "1"},
        {"agency": "kcpd", "action": "repeat-0", "repeat_weeks-0": "1", "shifts-0-date": "9999-12-31"},
        {"agency": "kcpd\x00"},
        {"agency": "\ud800"},
    ],
)
@pytest.mark.parametrize("path", ["/quote", "/quote/preview"])
def test_edges_of_the_calendar_and_malformed_agencies_are_not_500s(client, params, path):
    response = client.get(path + "?" + urlencode(params, errors="surrogatepass"), headers={"HX-Request": "true"})
    expected = (400,) if "\x00" in params["agency"] else (200, 204)  # a NUL byte anywhere is refused whole
    assert response.status_code in expected, response.get_data(as_text=True)[:500]
    if params.get("shifts-0-end"):
        assert "Enter a date before the year 9999." in response.get_data(as_text=True)  # beside the field or named


def test_totals_are_announced_in_a_live_region_that_stays_on_the_page(client):
    params = {"agency": "mesa", "shifts-0-date": future(20), "shifts-0-start": "18:00", "shifts-0-end": "22:00",
              "shifts-0-officers": "2"}
    fragment = client.get("/quote/preview?" + urlencode(params), headers={"HX-Request": "true"}).get_data(as_text=True)
    status = re.search(r'<p id="quote-status"[^>]*hx-swap-oob="innerHTML">([^<]*)</p>', fragment)
    assert status and status.group(1).startswith("Total $") and "deposit $" in status.group(1)
    page = client.get("/quote?" + urlencode(params)).get_data(as_text=True)
    assert '<p id="quote-status" class="visually-hidden" role="status">' in page


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=8))
def test_the_shared_address_is_encoded_as_urlencode_would(pairs):
    """The quote's address (share link, HX-Replace-Url) skips empty fields and ``action``, like urlencode."""
    from urllib.parse import urlencode

    from werkzeug.datastructures import MultiDict

    from portal.main.views import _clean_query

    formdata = MultiDict(pairs)
    expected = urlencode([(k, v) for k, v in formdata.items(multi=True) if k != "action" and v != ""])
    assert _clean_query(formdata) == expected


SHARED = {"agency": "tucson", "shifts-0-start": "18:00", "shifts-0-end": "22:00", "shifts-0-officers": "2"}


def share_link(client, **headers) -> str:
    response = client.get("/quote?" + urlencode({**SHARED, "shifts-0-date": future(20)}), headers=headers)
    assert response.status_code == 200, response.status_code
    return re.search(r'href="([^"]+)" data-testid="share-link"', response.get_data(as_text=True)).group(1)


def test_the_share_link_is_on_the_configured_host_whatever_the_host_header(app, client, agencies):
    """Issue 10: the link was built from the request's Host header (a forged one ended up in the page)."""
    app.config["SERVER_NAME"] = "detaildesk.example.org"
    link = share_link(client, Host="evil.example")
    assert link.startswith("http://detaildesk.example.org/quote?agency=tucson") and "evil" not in link


def test_with_trusted_hosts_a_foreign_host_header_is_refused(app, client, agencies):
    app.config["TRUSTED_HOSTS"] = ["detaildesk.example.org"]
    assert client.get("/quote?agency=tucson", headers={"Host": "evil.example"}).status_code == 400
    assert share_link(client, Host="detaildesk.example.org").startswith("http://detaildesk.example.org/quote?")


def test_in_production_without_a_configured_host_the_share_link_is_a_path(database_url, monkeypatch):
    from portal import create_app
    from portal.cards import import_shipped_cards
    from portal.extensions import db

    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.delenv("SERVER_NAME", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    production = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert production.config["DETAIL_DESK_ENV"] == "production"
    with production.app_context():
        db.create_all()
        import_shipped_cards()
        link = share_link(production.test_client(), Host="evil.example")
        db.session.remove()
        db.engine.dispose()
    assert link.startswith("/quote?agency=tucson")
