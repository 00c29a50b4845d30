"""Quote engine throughput on one core: parse_request + quote + to_dict.

    .venv/bin/python benchmarks/quote_engine.py [--seconds 2]

Prints single-shift and ten-shift quotes per second (best of many short runs) and
the peak memory of one quote (tracemalloc). The single shift is Tucson's New Year's
Eve example shape (5 officers, a vehicle, across midnight, holiday on both days);
the ten-shift request repeats it on ten evenings. Targets: >= 10,000 single-shift/s, >= 1,000 ten-shift/s.
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
    print(f"{'agency':<18}{'1 shift/s':>12}{'10 shifts/s':>14}{'peak KiB (1)':>14}{'peak KiB (10)':>15}")
    for agency in ("kcpd", "mesa", "west-valley-city", "tucson"):
        print(f"{agency:<18}{rate(single(agency), args.seconds):>12,.0f}{rate(ten(agency), args.seconds):>14,.0f}"
              f"{peak(single(agency)) / 1024:>14.1f}{peak(ten(agency)) / 1024:>15.1f}")


if __name__ == "__main__":
    main()
