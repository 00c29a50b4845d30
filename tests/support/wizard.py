"""Walking the request wizard with the plain test client: the helpers several test modules share.

The wizard prices at the real ``now``: shift dates are chosen relative to today in the agency's zone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import post_form

ZONES = {"kcpd": "America/Chicago", "mesa": "America/Phoenix", "west-valley-city": "America/Denver",
         "tucson": "America/Phoenix"}
PLACES = {
    "kcpd": ("Kansas City", "MO", "64106"),
    "mesa": ("Mesa", "AZ", "85201"),
    "west-valley-city": ("West Valley City", "UT", "84119"),
    "tucson": ("Tucson", "AZ", "85701"),
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def day(slug: str, days: int = 10) -> str:
    return (datetime.now(ZoneInfo(ZONES[slug])).date() + timedelta(days=days)).isoformat()


def booking_id_from(location: str) -> int:
    return int(re.search(r"/requests/(\d+)", location).group(1))


def start_draft(client, slug: str = "kcpd", **overrides) -> int:
    city, state, zip_code = PLACES[slug]
    data = {"agency": slug, "site_name": "Riverside Arena", "street": "1 Main St", "city": city, "state": state,
            "zip_code": zip_code, **overrides}
    response = post_form(client, "/employer/requests/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/work")
    return booking_id_from(response.headers["Location"])


def url(booking_id: int, step: str = "") -> str:
    return f"/employer/requests/{booking_id}" + (f"/{step}" if step else "")


def shift(slug: str, i: int = 0, *, days: int = 10, start="18:00", end="23:00", officers="2", **more) -> dict:
    row = {"date": day(slug, days), "start": start, "end": end, "officers": officers, **more}
    return {f"shifts-{i}-{k}": v for k, v in row.items()}


ORDERS = {"instructions": "Report to the north gate. Radio channel 3.", "contact_name": "Sam Rivera",
          "contact_phone": "(816) 555-0199"}


def walk_to_review(client, slug: str = "kcpd", shifts: dict | None = None, work: dict | None = None) -> int:
    bid = start_draft(client, slug)
    r = post_form(client, url(bid, "work"), work or {"job_type": "security", "attire": "uniform"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/shifts"), r.get_data(as_text=True)
    r = post_form(client, url(bid, "shifts"), {**(shifts or shift(slug)), "action": "next"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/orders"), r.get_data(as_text=True)
    r = post_form(client, url(bid, "orders"), ORDERS)
    assert r.status_code == 303 and r.headers["Location"].endswith("/review"), r.get_data(as_text=True)
    return bid


def submit(client, bid: int):
    return post_form(client, url(bid, "submit"), {"accept": "y"}, page=url(bid, "review"))


