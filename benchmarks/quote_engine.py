"""Quote engine throughput on one core: parse_request + quote + to_dict.

    .venv/bin/python benchmarks/quote_engine.py [--seconds 2]

Prints single-shift and ten-shift quotes per second (best of many short runs) and
the peak memory of one quote (tracemalloc). "plain" is a weekday evening, 2 officers;
"NYE" is the tucson-new-years-eve example's shape (5 officers so a supervisor rule, a
vehicle, across midnight, holiday on both days) -- the heaviest common case; "x10"
repeats that shape on ten evenings (Christmas Eve/Day among them).
Targets: >= 10,000 single-shift/s, >= 1,000 ten-shift/s.
Measured, never asserted in tests.
"""

from __future__ import annotations

import argparse
import sys
import timeit
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.pricing import load_seed_card, parse_request, quote

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def single(agency: str) -> dict[str, Any]:
    return {"agency": agency, "submitted_at": "2026-12-01T09:00:00-07:00",
            "shifts": [{"start": "2026-12-31T20:00", "end": "2027-01-01T02:00", "officers": 5, "vehicles": 1}]}


def plain(agency: str) -> dict[str, Any]:
    return {"agency": agency, "submitted_at": "2026-12-01T09:00:00-07:00",
            "shifts": [{"start": "2027-01-12T18:00", "end": "2027-01-12T23:00", "officers": 2}]}


def ten(agency: str) -> dict[str, Any]:
    return {"agency": agency, "submitted_at": "2026-12-01T09:00:00-07:00",
            "shifts": [{"start": f"2026-12-{d:02d}T20:00", "end": f"2026-12-{d + 1:02d}T02:00", "officers": 5,
                        "vehicles": 1} for d in range(20, 30)]}


def rate(body: dict[str, Any], seconds: float) -> float:
    """Quotes per second on one core: the best of many short timed runs (as ``timeit`` advises:
    slower runs measure other processes on the machine, not this code)."""
    card = load_seed_card(body["agency"])

    def once() -> None:
        quote(parse_request(body, card, now=NOW), card).to_dict()

    once()
    per_run = max(1, int(0.02 / min(timeit.repeat(once, number=1, repeat=5))))  # about 20 ms a run
    runs = max(5, int(seconds / 0.02))
    return per_run / min(timeit.repeat(once, number=per_run, repeat=runs))


def peak(body: dict[str, Any]) -> int:
    card = load_seed_card(body["agency"])
    quote(parse_request(body, card, now=NOW), card).to_dict()  # warm caches
    tracemalloc.start()
    quote(parse_request(body, card, now=NOW), card).to_dict()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = ap.parse_args()
    print("quotes per second on one core (parse_request + quote + to_dict)")
    print(f"{'agency':<18}{'plain 1/s':>11}{'NYE 1/s':>10}{'NYE x10 /s':>12}{'peak KiB 1':>12}{'peak KiB 10':>13}")
    for agency in ("kcpd", "mesa", "west-valley-city", "tucson"):
        print(f"{agency:<18}{rate(plain(agency), args.seconds):>11,.0f}{rate(single(agency), args.seconds):>10,.0f}"
              f"{rate(ten(agency), args.seconds):>12,.0f}{peak(single(agency)) / 1024:>12.1f}"
              f"{peak(ten(agency)) / 1024:>13.1f}")


if __name__ == "__main__":
    main()
