"""Live-quote throughput and latency under gunicorn, beside a trivial endpoint of the same app.

Starts the portal under gunicorn on 127.0.0.1 (a fresh SQLite database with the shipped cards), then
drives the quote-preview endpoint (``GET /quote/preview``, what the wizard's panel calls as a person
types) and ``GET /healthz`` at 1, 10 and 50 concurrent clients, each for a few seconds, and prints
requests per second and p50/p95/p99 latency for both, and their ratio.

Each client is a process of its own sending a prepared request on a plain socket (as wrk or ab do),
so the load generator costs little of the two cores it shares with the server and adds no waits of
its own: ten client threads in one interpreter queue for its lock, and a sync worker then idles on a
connection whose request has not been sent yet. (The first version of this script used threads and
http.client; at 10 clients it measured the trivial endpoint about a quarter slower and every p95
several milliseconds higher, which flattered the ratio and hurt the latency.)

Targets on a 2-core machine: the preview reaches at least half the trivial endpoint's throughput,
and its p95 stays under 25 ms at 10 clients. Measured, never asserted in tests.

    .venv/bin/python benchmarks/live_quote.py [--seconds 3] [--rounds 3] [--workers 2] [--clients 1,10,50]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def preview_paths() -> list[str]:
    """Varied, valid preview requests (several agencies, dates, headcounts) so no cache flatters."""
    start = date.today() + timedelta(days=20)
    paths = []
    for i in range(24):
        agency = ("tucson", "west-valley-city", "mesa", "kcpd")[i % 4]
        params = {
            "agency": agency,
            "shifts-0-date": (start + timedelta(days=i)).isoformat(),
            "shifts-0-start": "18:00",
            "shifts-0-end": "23:30" if i % 2 else "02:00",
            "shifts-0-officers": str(2 + i % 6),
            "shifts-0-vehicles": str(i % 2),
        }
        paths.append("/quote/preview?" + urlencode(params))
    return paths


def _client(port: int, paths: list[str], first: int, step: int, start: float, stop: float, out,
            headers: str = "HX-Request: true\r\n") -> None:
    """One client: requests back to back from ``start`` to ``stop``; sends (latencies, errors) to ``out``.

    A process of its own with a plain socket, so that clients neither wait for each other's turn at
    the interpreter lock nor keep a sync worker waiting for a request they have not sent yet. Each
    request is a new connection, as a sync worker closes it after the response.
    """
    requests = [
        (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}Connection: close\r\n\r\n").encode()
        for path in paths
    ]
    latencies: list[float] = []
    errors: list[str] = []
    i = first
    while time.perf_counter() < start:
        time.sleep(0.001)
    while time.perf_counter() < stop:
        request = requests[i % len(requests)]
        i += step
        t0 = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            conn.sendall(request)
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        latencies.append(time.perf_counter() - t0)
        response = b"".join(chunks)
        head, _, body = response.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), -1)
        if not head.startswith(b"HTTP/1.1 200") or length != len(body):
            errors.append(f"{request.split()[1].decode()}: {head[:40]!r}, {len(body)} of {length} bytes")
    out.send((latencies, errors[:3]))
    out.close()


def run(port: int, paths: list[str], clients: int, seconds: float,
        headers: str = "HX-Request: true\r\n") -> tuple[int, list[float]]:
    """``clients`` processes, each sending requests back to back for ``seconds`` (with ``headers``, each
    line ending in CRLF); returns (count, latencies)."""
    context = multiprocessing.get_context("fork")
    start = time.perf_counter() + 0.3  # every client is running before the clock starts
    pipes, processes = [], []
    for k in range(clients):
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_client,
                                  args=(port, paths, k, clients, start, start + seconds, send, headers))
        process.start()
        send.close()
        pipes.append(receive)
        processes.append(process)
    flat: list[float] = []
    errors: list[str] = []
    for receive, process in zip(pipes, processes, strict=True):
        latencies, failed = receive.recv()
        process.join()
        flat.extend(latencies)
        errors.extend(failed)
    if errors:
        raise SystemExit(f"failed requests, e.g. {errors[0]}")
    return len(flat), flat


@contextmanager
def gunicorn(env: dict[str, str], workers: int) -> Iterator[int]:
    """The portal under gunicorn (``workers`` sync workers) on 127.0.0.1; yields its port once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per level; medians reported")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DETAIL_DESK_ENV": "production",
            "SECRET_KEY": "benchmark-only-secret-key",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "SESSION_COOKIE_SECURE": "false",
        }
        flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        with gunicorn(env, args.workers) as port:
            paths = {"preview": preview_paths(), "trivial": ["/healthz"]}
            for path in paths["preview"][:4]:  # warm up: parse each card once per worker
                run(port, [path], 4, 0.3)
            print(f"gunicorn, {args.workers} sync workers, 127.0.0.1; median of {args.rounds} interleaved rounds of "
                  f"{args.seconds:g} s; {os.cpu_count()} CPUs shared by server and load generator\n")
            print(f"{'endpoint':<9} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
            results = {}
            for clients in [int(c) for c in args.clients.split(",")]:
                rounds: dict[str, list[tuple[float, float, float, float]]] = {"preview": [], "trivial": []}
                for _ in range(args.rounds):  # interleaved, so both endpoints see the same machine
                    for name in ("preview", "trivial"):
                        count, lat = run(port, paths[name], clients, args.seconds)
                        rounds[name].append((count / args.seconds, *(percentile(lat, p) * 1000 for p in (50, 95, 99))))
                for name in ("preview", "trivial"):
                    rps, p50, p95, p99 = (statistics.median(r[k] for r in rounds[name]) for k in range(4))
                    results[(name, clients)] = (rps, p95)
                    print(f"{name:<9} {clients:>7} {rps:>8.0f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f}")
                ratio = results[("preview", clients)][0] / results[("trivial", clients)][0]
                print(f"{'ratio':<9} {clients:>7} {ratio:>8.2f}  (preview req/s / trivial req/s)")
            if ("preview", 10) in results:
                ratio10 = results[("preview", 10)][0] / results[("trivial", 10)][0]
                p95 = results[("preview", 10)][1]
                print(f"\ntarget: preview >= 0.5 x trivial throughput at 10 clients: {ratio10:.2f} "
                      f"({'met' if ratio10 >= 0.5 else 'MISSED'})")
                print(f"target: preview p95 < 25 ms at 10 clients: {p95:.1f} ms ({'met' if p95 < 25 else 'MISSED'})")


if __name__ == "__main__":
    main()
