"""The back office on PostgreSQL with 100,000 bookings: a CSV export of 100,000 invoice lines streamed in bounded
memory, and the agency's queue beside a trivial endpoint.

Loads the data of benchmarks/bookings.py (``populate``: 100,000 bookings, 20,000 of them KCPD's), then, with COPY,
an invoice for each KCPD booking (20,000 invoices of five lines: 100,000 invoice lines, dated over November 2026)
and 200 for Mesa (1,000 lines). Then, under gunicorn on 127.0.0.1:

- the export: a fresh gunicorn with one sync worker (the coordinators signed in elsewhere: argon2id's memory
  would hide the export's); after one small export to warm it up, Mesa's coordinator downloads Mesa's invoices
  for November (1,000 lines), then KCPD's coordinator KCPD's (100,000 lines), three times. For each: the time to
  the first byte and to the last, the lines and bytes received, and the worker's peak resident memory (``VmHWM``
  of /proc/<pid>/status) before and after. Bounded memory: the peak after 100,000 lines is about the peak after 1,000.
- the queue: ``/agency/bookings?status=submitted&page=3`` at 10 clients beside ``/healthz`` (2 sync workers,
  each client a process on a plain socket, see live_quote.py), as bookings.py measures it. Target: at least
  0.40 of the trivial endpoint's throughput.

Measured, never asserted in tests.

    .venv/bin/python benchmarks/backoffice.py [--bookings 100000] [--exports 3] [--seconds 3] [--rounds 3]
                                              [--clients 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bookings import compare, login, populate  # noqa: E402
from live_quote import gunicorn  # noqa: E402

from tests.support.postgres import PostgresServer  # noqa: E402

NOVEMBER = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # 6:00 in Kansas City, 5:00 in Mesa
LINES_PER_INVOICE = 5
RANGE = "start=2026-11-01&end=2026-11-30"


def figures(start: datetime) -> tuple[dict, int]:
    """An invoice's figures as ``portal.pricing.invoice`` writes them: one shift of five lines; and its total."""
    lines = [
        {"kind": "labour", "rank": "officer", "tier": "regular", "count": 3, "minutes": 300, "rate_cents": 4500,
         "amount_cents": 67500, "description": "Regular rate"},
        {"kind": "labour", "rank": "officer", "tier": "regular", "count": 1, "minutes": 345, "rate_cents": 4500,
         "amount_cents": 25875, "description": "Regular rate"},
        {"kind": "labour", "rank": "sergeant", "tier": "regular", "count": 1, "minutes": 300, "rate_cents": 5500,
         "amount_cents": 27500, "description": "Regular rate"},
        {"kind": "vehicle", "rank": None, "tier": None, "count": 1, "minutes": 300, "rate_cents": 1500,
         "amount_cents": 7500, "description": "Patrol vehicle"},
        {"kind": "admin_fee", "rank": None, "tier": None, "count": 5, "minutes": 1545, "rate_cents": 300,
         "amount_cents": 7725, "description": "Administration fee"},
    ]
    assert len(lines) == LINES_PER_INVOICE
    total = sum(ln["amount_cents"] for ln in lines)
    end = start + timedelta(hours=5)
    return ({"agency": "kcpd", "rate_card_version": 1, "shifts": [
        {"start": start.isoformat(), "end": end.isoformat(), "positions": [], "lines": lines, "total_cents": total}],
        "total_cents": total, "deposit_held_cents": 0, "balance_cents": total}, total)


def add_invoices(url: str, counts: dict[str, int]) -> dict[str, int]:
    """Invoices for the benchmark bookings of each agency (slug -> how many), dated across November; returns the
    invoice lines per agency."""
    os.environ["DATABASE_URL"] = url
    from sqlalchemy import text

    from portal import create_app
    from portal.extensions import db

    app = create_app()
    made = {}
    with app.app_context():
        conn = db.session.connection().connection.driver_connection
        db.session.commit()
        with conn.cursor() as cur:
            for slug, count in counts.items():
                cur.execute("SELECT b.id, b.deposit_cents FROM bookings b JOIN agencies a ON a.id = b.agency_id "
                            "WHERE a.slug = %s AND b.reference LIKE 'BM%%' ORDER BY b.id LIMIT %s", (slug, count))
                rows = cur.fetchall()
                step = timedelta(days=29) / max(1, len(rows))  # all within November, in every zone
                with cur.copy("COPY invoices (booking_id, total_cents, deposit_applied_cents, balance_cents, "
                              "figures, input, created_at) FROM STDIN") as copy:
                    for k, (bid, deposit) in enumerate(rows):
                        at = NOVEMBER + step * k
                        doc, total = figures(at - timedelta(days=1))
                        applied = min(deposit or 0, total)
                        doc["deposit_held_cents"], doc["balance_cents"] = applied, total - applied
                        copy.write_row((bid, total, applied, total - applied, json.dumps(doc), "{}", at))
                made[slug] = len(rows) * LINES_PER_INVOICE
        conn.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE invoices"))
    return made


def gunicorn_workers(port: int) -> list[int]:
    """The pids of the workers of the gunicorn bound to ``port`` (the master named by its command line)."""
    procs = [p for p in os.listdir("/proc") if p.isdigit()]

    def cmdline(pid: str) -> str:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return ""

    def parent(pid: str) -> str:
        try:
            return next(ln.split()[1] for ln in Path(f"/proc/{pid}/status").read_text().splitlines()
                        if ln.startswith("PPid:"))
        except OSError:
            return ""

    masters = [p for p in procs if "gunicorn" in cmdline(p) and f"127.0.0.1:{port}" in cmdline(p)
               and "gunicorn" not in cmdline(parent(p))]
    return [int(p) for p in procs if parent(p) in masters]


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a process, in KiB."""
    fields = dict(ln.split(":", 1) for ln in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in ln)
    return int(fields["VmHWM"].split()[0]), int(fields["VmRSS"].split()[0])


def download(port: int, path: str, cookie: str) -> dict[str, float]:
    """GET a streamed CSV, reading it in 64 KiB pieces: seconds to the first byte and to the end, lines, bytes."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("GET", path, headers={"Cookie": cookie})
    answer = conn.getresponse()
    assert answer.status == 200 and answer.getheader("Content-Type", "").startswith("text/csv"), answer.status
    first = None
    size = lines = 0
    while piece := answer.read1(65536):
        first = first or time.perf_counter()
        size += len(piece)
        lines += piece.count(b"\n")
    return {"first": (first or time.perf_counter()) - started, "total": time.perf_counter() - started,
            "lines": lines - 1, "bytes": size}


def measure_export(env: dict[str, str], lines: dict[str, int], repeat: int) -> None:
    """Signing in hashes the password with argon2id, whose memory would be the worker's peak: the coordinators
    sign in on one server, and the exports run on a fresh one (the same database and secret key) that does
    nothing else."""
    with gunicorn(env, 1) as port:
        cookies = {slug: login(port, f"coordinator@{slug}.example.com") for slug in ("mesa", "kcpd")}
    with gunicorn(env, 1) as port:
        [worker] = gunicorn_workers(port)
        download(port, "/agency/exports?what=invoices&start=2026-11-01&end=2026-11-01", cookies["mesa"])  # warm up
        print(f"\nCSV export of invoice lines, {RANGE.replace('&', ', ')}; gunicorn, 1 sync worker (pid {worker})")
        print(f"{'agency':<8} {'lines':>9} {'MB':>6} {'first byte s':>13} {'total s':>8} {'lines/s':>9} "
              f"{'peak RSS before MiB':>20} {'after MiB':>10}")
        for slug in ("mesa", "kcpd") * repeat:
            before, _ = memory_kib(worker)
            got = download(port, f"/agency/exports?what=invoices&{RANGE}", cookies[slug])
            after, _ = memory_kib(worker)
            assert got["lines"] == lines[slug], (got["lines"], lines[slug])
            print(f"{slug:<8} {got['lines']:>9,} {got['bytes'] / 1e6:>6.1f} {got['first']:>13.3f} "
                  f"{got['total']:>8.2f} {got['lines'] / got['total']:>9,.0f} {before / 1024:>20.1f} "
                  f"{after / 1024:>10.1f}")


def measure_queue(env: dict[str, str], args) -> None:
    with gunicorn(env, args.workers) as port:
        agency = f"Cookie: {login(port, 'coordinator@kcpd.example.com')}\r\n"
        endpoints = {"agency queue": (["/agency/bookings?status=submitted&page=3"], agency),
                     "trivial": (["/healthz"], "")}
        print("\nthe agency queue:", end=" ")
        compare(port, endpoints, args)
        print("target: the queue at least 0.40 x the trivial endpoint's throughput at 10 clients")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", default="10")
    parser.add_argument("--exports", type=int, default=3, help="downloads of each export, alternating")
    args = parser.parse_args()

    with PostgresServer() as pg:
        started = time.perf_counter()
        populate(pg.url, args.bookings)
        lines = add_invoices(pg.url, {"kcpd": args.bookings // 5, "mesa": 200})
        print(f"loaded {args.bookings:,} bookings and {sum(lines.values()):,} invoice lines "
              f"({', '.join(f'{s}: {n:,}' for s, n in lines.items())}) into PostgreSQL in "
              f"{time.perf_counter() - started:.0f} s")
        env = {**os.environ, "DETAIL_DESK_ENV": "production", "SECRET_KEY": "benchmark-only",
               "DATABASE_URL": pg.url, "SESSION_COOKIE_SECURE": "false", "LOGIN_RATE_LIMIT": "100 per minute"}
        measure_export(env, lines, args.exports)
        measure_queue(env, args)


if __name__ == "__main__":
    main()
