"""Limits that hold under concurrency: parallel requests against the app served on a real socket, on the
test database (a SQLite file, or PostgreSQL with DETAIL_DESK_TEST_DB=postgresql)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import requests
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Attachment
from tests.conftest import PASSWORD, csrf_token_from, post_form

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PARALLEL = 20
MAX_ATTACHMENTS = 10  # what a request holds (the wizard says so on the orders step)


def signed_in(base: str, email: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/auth/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = http.post(f"{base}/auth/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                         allow_redirects=False, timeout=30)
    assert response.status_code == 302
    return http


def test_parallel_uploads_never_pass_the_attachment_limit(app, live_server, users, agencies, client):
    """Issue 10: 20 parallel uploads to a draft with 9 files stored 11 to 21 of them."""
    employer = users.login(client, "employer")
    response = post_form(client, "/employer/requests/new", {
        "agency": "kcpd", "site_name": "Arena", "street": "1 Main St", "city": "Kansas City", "state": "MO",
        "zip_code": "64106"})
    booking_id = int(response.headers["Location"].split("/")[-2])
    token = csrf_token_from(client.get("/employer/").get_data(as_text=True))
    for i in range(MAX_ATTACHMENTS - 1):
        stored = client.post(f"/employer/requests/{booking_id}/attachments",
                             data={"csrf_token": token, "attachment": (BytesIO(PNG), f"map-{i}.png")})
        assert stored.status_code == 303
    http = signed_in(live_server.url, employer.email)
    page = http.get(f"{live_server.url}/employer/requests/{booking_id}/orders", timeout=30).text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    start = threading.Barrier(PARALLEL)

    def upload(i: int) -> int:
        start.wait()
        response = http.post(f"{live_server.url}/employer/requests/{booking_id}/attachments",
                             data={"csrf_token": token}, files={"attachment": (f"extra-{i}.png", PNG, "image/png")},
                             allow_redirects=False, timeout=60)
        return response.status_code

    with ThreadPoolExecutor(PARALLEL) as pool:
        codes = list(pool.map(upload, range(PARALLEL)))
    db.session.expire_all()
    stored = db.session.scalar(select(func.count(Attachment.id)).where(Attachment.booking_id == booking_id))
    assert stored == MAX_ATTACHMENTS
    assert sorted(codes) == [303] + [422] * (PARALLEL - 1), codes
