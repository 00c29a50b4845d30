"""Booking pages under load, on PostgreSQL with 100,000 bookings, beside a trivial endpoint of the same app.

Starts a throwaway PostgreSQL (as the test suite does), migrates it, loads the demo data and then
100,000 submitted bookings: 1,000 of them the demo employer's, 20,000 of them KCPD's, the rest spread
over 500 other employers and the other agencies, in every status, with a shift, two timeline events
and (once paid) a deposit payment each. A handful are real submissions priced by the engine, so the
booking page re-prices its cancellation fee as it does in use; the bulk rows are copies of them.

Then, under gunicorn (2 sync workers) on 127.0.0.1, it drives at 10 clients (each a process of its own
on a plain socket, see live_quote.py) the employer's booking list (``/employer/``), one booking page
(``/employer/requests/<id>``), the agency's queue filtered and paginated (``/agency/bookings?status=
submitted&page=3``) and ``/healthz``, interleaved, and prints requests per second, p95 and the ratio to
the trivial endpoint. Target: each at least 40% of the trivial endpoint's throughput. Measured, never
asserted in tests.

    .venv/bin/python benchmarks/bookings.py [--seconds 3] [--rounds 3] [--clients 10] [--bookings 100000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from live_quote import gunicorn, percentile, run  # noqa: E402

from tests.support.postgres import PostgresServer  # noqa: E402

STATUSES = (["submitted"] * 30 + ["approved"] * 35 + ["cancelled"] * 15 + ["awaiting_deposit"] * 5
            + ["denied"] * 5 + ["staffed"] * 5 + ["paid"] * 5)
PAID = {"submitted", "approved", "cancelled", "denied", "staffed", "paid"}


def templates(app) -> dict[str, int]:
    """One real, priced submission per agency by the demo employer; their ids by agency slug."""
    from sqlalchemy import select

    from portal.bookings import drafts, submission
    from portal.extensions import db
    from portal.models import Agency, User

    user = db.session.scalar(select(User).where(User.email == "employer@example.com"))
    out = {}
    now = datetime.now(UTC)
    places = {"kcpd": ("Kansas City", "MO", "64106"), "mesa": ("Mesa", "AZ", "85201"),
              "west-valley-city": ("West Valley City", "UT", "84119"), "tucson": ("Tucson", "AZ", "85701")}
    for slug, (city, state, zip_code) in places.items():
        agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
        day = (now + timedelta(days=20)).date().isoformat()
        data = {**drafts.empty_data(slug), "site_name": "Benchmark Hall", "street": "1 Main St", "city": city,
                "state": state, "zip_code": zip_code, "job_type": "security",
                "shift_rows": [{"date": day, "start": "18:00", "end": "23:00", "officers": "3", "vehicles": "0"}],
                "instructions": "North gate.", "contact_name": "Sam Rivera", "contact_phone": "(816) 555-0199"}
        booking = drafts.create_draft(user, agency, data, step="review")
        assert submission.submit(booking, user, now=now), slug
        out[slug] = booking.id
    return out


def populate(url: str, total: int) -> tuple[int, str]:
    """Load the data; returns (the booking page's booking id, the queue's agency slug)."""
    os.environ.update({"DETAIL_DESK_ENV": "production", "SECRET_KEY": "benchmark-only", "DATABASE_URL": url})
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal import create_app
    from portal.demo import seed_demo
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo()
        ids = templates(app)
        conn = db.session.connection().connection.driver_connection  # psycopg 3, for COPY
        rows = db.session.execute(text("SELECT id, agency_id, quote, priced_request, total_cents, deposit_cents, "
                                       "rate_card_version_id, organisation_id, created_by_id FROM bookings")).all()
        by_agency = {r.agency_id: r for r in rows}
        kcpd = db.session.execute(text("SELECT id FROM agencies WHERE slug = 'kcpd'")).scalar()
        others = [a for a in by_agency if a != kcpd]
        demo_org, user = rows[0].organisation_id, rows[0].created_by_id
        db.session.commit()
        with conn.cursor() as cur:
            with cur.copy("COPY organisations (legal_name, street, city, state, zip_code, contact_name, phone, "
                          "created_at, card_label) FROM STDIN") as copy:
                for i in range(500):
                    copy.write_row((f"Employer {i} LLC", "1 Main St", "Kansas City", "MO", "64106", "Pat", "555",
                                    datetime.now(UTC), ""))
            cur.execute("SELECT id FROM organisations WHERE legal_name LIKE 'Employer % LLC'")
            orgs = [r[0] for r in cur.fetchall()]
            now = datetime.now(UTC)
            bookings = []
            for i in range(total):
                org = demo_org if i < 1000 else orgs[i % len(orgs)]
                agency = kcpd if i % 5 == 0 else others[i % len(others)]  # 20% KCPD
                status = STATUSES[i % len(STATUSES)]
                start = now + timedelta(days=(i % 360) - 180, hours=i % 24)
                bookings.append((i, org, agency, status, start))
            with cur.copy("COPY bookings (reference, organisation_id, created_by_id, agency_id, status, step, "
                          "site_name, street, city, state, zip_code, screening, plain_clothes, offered_rates, "
                          "shift_rows, instructions, contact_name, contact_phone, rate_card_version_id, "
                          "priced_request, quote, total_cents, deposit_cents, submitted_at, starts_at, ends_at, "
                          "created_at, updated_at) FROM STDIN") as copy:
                for i, org, agency, status, start in bookings:
                    t = by_agency[agency]
                    copy.write_row((f"BM{i:07d}", org, user, agency, status, "review", f"Site {i}", "1 Main St",
                                    "Kansas City", "MO", "64106", "{}", False, "{}", "[]", "North gate.", "Sam",
                                    "555", t.rate_card_version_id, json.dumps(t.priced_request), json.dumps(t.quote),
                                    t.total_cents, t.deposit_cents, start - timedelta(days=10), start,
                                    start + timedelta(hours=5), start - timedelta(days=11), start - timedelta(days=10)))
            cur.execute("SELECT id, reference, status, starts_at, deposit_cents FROM bookings "
                        "WHERE reference LIKE 'BM%'")
            made = cur.fetchall()
            with cur.copy("COPY booking_shifts (booking_id, position, local_date, local_start, local_end, "
                          "local_end_date, starts_at, ends_at, requested, positions, vehicles, total_cents, state) "
                          "FROM STDIN") as copy:
                for bid, _, _, start, _ in made:
                    copy.write_row((bid, 0, start.date(), start.time(), (start + timedelta(hours=5)).time(),
                                    (start + timedelta(hours=5)).date(), start, start + timedelta(hours=5),
                                    '{"officer": 3}', '{"officer": 3}', 0, 57000, "active"))
            with cur.copy("COPY booking_events (booking_id, at, action, from_status, to_status, note, data) "
                          "FROM STDIN") as copy:
                for bid, _, status, start, _ in made:
                    copy.write_row((bid, start - timedelta(days=10), "submit", "draft", "awaiting_deposit",
                                    "Submitted.", "{}"))
                    copy.write_row((bid, start - timedelta(days=9), "pay_deposit", "awaiting_deposit", status,
                                    "Deposit paid.", "{}"))
            with cur.copy("COPY payments (booking_id, kind, purpose, status, amount_cents, currency, off_session, "
                          "idempotency_key, stripe_payment_intent_id, card_label, failure_code, failure_message, "
                          "disputed, created_at, updated_at) FROM STDIN") as copy:
                for bid, ref, status, start, deposit in made:
                    if status in PAID and deposit:
                        copy.write_row((bid, "deposit", "deposit", "succeeded", deposit, "usd", False, f"k-{ref}",
                                        f"pi_{ref}", "Visa ending 4242", "", "", False, start, start))
        conn.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))  # what autovacuum does to a live table: index-only scans work
        return ids["kcpd"], "kcpd"


def login(port: int, email: str) -> str:
    """The session cookie of a signed-in user, as a browser keeps it: after the page it lands on (which shows,
    and so clears, the "Signed in" message the session carried)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/auth/login")
    answer = conn.getresponse()
    page = answer.read().decode()
    cookie = answer.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token, "email": email, "password": "detail-desk-demo"})
    conn.request("POST", "/auth/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                            "Cookie": cookie})
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 302, answer.status
    cookie = _session_cookie(answer) or cookie
    conn.request("GET", answer.getheader("Location"), headers={"Cookie": cookie})
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 200, answer.status
    return _session_cookie(answer) or cookie


def _session_cookie(answer) -> str:
    cookies = [c.split(";")[0] for c in answer.msg.get_all("Set-Cookie") or []]
    return "; ".join(c for c in cookies if c.startswith("session="))


def compare(port: int, endpoints: dict[str, tuple[list[str], str]], args) -> None:
    """Warm up each worker, then drive every endpoint (one named "trivial") at each of ``args.clients``, rounds
    interleaved; print the medians and the ratio of each to the trivial endpoint (target 0.40)."""
    for paths, headers in endpoints.values():  # warm up each worker
        run(port, paths, 4, 0.5, headers)
    print(f"gunicorn, {args.workers} sync workers; median of {args.rounds} interleaved rounds of "
          f"{args.seconds:g} s; {os.cpu_count()} CPUs shared by server, database and load generator\n")
    print(f"{'endpoint':<14} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6}")
    for clients in [int(c) for c in args.clients.split(",")]:
        rounds: dict[str, list[tuple[float, float, float]]] = {name: [] for name in endpoints}
        for _ in range(args.rounds):
            for name, (paths, headers) in endpoints.items():
                count, lat = run(port, paths, clients, args.seconds, headers)
                rounds[name].append((count / args.seconds, percentile(lat, 50) * 1000,
                                     percentile(lat, 95) * 1000))
        medians = {name: [statistics.median(r[k] for r in rs) for k in range(3)]
                   for name, rs in rounds.items()}
        trivial = medians["trivial"][0]
        for name, (rps, p50, p95) in medians.items():
            ratio = rps / trivial
            verdict = "" if name == "trivial" else ("  met" if ratio >= 0.4 else "  MISSED")
            print(f"{name:<14} {clients:>7} {rps:>8.0f} {p50:>8.1f} {p95:>8.1f} {ratio:>6.2f}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", default="10")
    parser.add_argument("--bookings", type=int, default=100_000)
    args = parser.parse_args()

    with PostgresServer() as pg:
        started = time.perf_counter()
        booking_id, _ = populate(pg.url, args.bookings)
        print(f"loaded {args.bookings:,} bookings into PostgreSQL in {time.perf_counter() - started:.0f} s")
        env = {**os.environ, "DETAIL_DESK_ENV": "production", "SECRET_KEY": "benchmark-only",
               "DATABASE_URL": pg.url, "SESSION_COOKIE_SECURE": "false", "LOGIN_RATE_LIMIT": "100 per minute"}
        with gunicorn(env, args.workers) as port:
            employer = f"Cookie: {login(port, 'employer@example.com')}\r\n"
            agency = f"Cookie: {login(port, 'coordinator@kcpd.example.com')}\r\n"
            endpoints = {
                "employer list": (["/employer/"], employer),
                "booking page": ([f"/employer/requests/{booking_id}"], employer),
                "agency queue": (["/agency/bookings?status=submitted&page=3",
                                  "/agency/bookings?status=approved&page=1"], agency),
                "trivial": (["/healthz"], ""),
            }
            compare(port, endpoints, args)
            print("\ntarget: each page at least 0.40 x the trivial endpoint's throughput at 10 clients")


if __name__ == "__main__":
    main()
