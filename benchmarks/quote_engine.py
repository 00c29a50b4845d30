"""Quote engine throughput on one core: parse_request + quote + to_dict, the portal's path per quote.

    .venv/bin/python benchmarks/quote_engine.py [--seconds 1] [--agency tucson]

For every seed agency and request shape it prints single-shift and ten-shift quotes per
second and the peak memory of one quote (tracemalloc). Shapes:

- ``plain``: a weekday evening, 1-4 officers;
- ``NYE``: the tucson-new-years-eve example's shape (5-8 officers so a supervisor rule, 1-2
  vehicles, across midnight, holiday on both days) -- the heaviest common single shift;
- ``rush``: a weekday evening requested 30 hours ahead (emergency tier where the card has one);
- ``x10``: the NYE shape on ten evenings 20-29 December (Christmas Eve/Day among them).

Every timed loop rotates through ``VARIANTS`` different bodies (other years, dates, headcounts,
vehicles), so nothing keyed on the request can help; what the engine caches per card (holiday
sets, rate tables, midnights) is filled by the warm-up, as it is in a running portal.

Each figure is the best of many short runs of this process's CPU time (``time.process_time``,
so that other processes on a shared machine are not billed to the engine; as ``timeit``
advises, slower runs measure the machine, not this code), with the garbage collector on as
in the portal. Targets: >= 10,000 single-shift/s and >= 1,000 ten-shift/s. Measured, never
asserted in tests.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.pricing import SEED_SLUGS, load_seed_card, parse_request, quote

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
VARIANTS = 24

Body = dict[str, Any]


def _stamp(d: date, hh: int) -> str:
    return f"{d.isoformat()}T{hh:02d}:00"


def plain(agency: str, i: int) -> Body:
    day = date(2027, 1, 12) + timedelta(weeks=i)  # Tuesdays (no holiday on any seed card)
    return {"agency": agency, "submitted_at": "2026-12-01T09:00:00-07:00",
            "shifts": [{"start": _stamp(day, 18), "end": _stamp(day, 22 + i % 2), "officers": 1 + i % 4}]}


def nye(agency: str, i: int) -> Body:
    year = 2026 + i % 8
    return {"agency": agency, "submitted_at": f"{year}-12-01T09:00:00-07:00",
            "shifts": [{"start": f"{year}-12-31T{19 + i % 3}:00", "end": f"{year + 1}-01-01T02:00",
                        "officers": 5 + i % 4, "vehicles": 1 + i % 2}]}


def rush(agency: str, i: int) -> Body:
    day = date(2027, 2, 9) + timedelta(weeks=i)
    submitted = datetime(day.year, day.month, day.day, 12) - timedelta(hours=30)
    return {"agency": agency, "submitted_at": submitted.isoformat() + "-07:00",
            "shifts": [{"start": _stamp(day, 18), "end": _stamp(day, 23), "officers": 2 + i % 4,
                        "vehicles": i % 2}]}


def ten(agency: str, i: int) -> Body:
    year = 2026 + i % 8
    return {"agency": agency, "submitted_at": f"{year}-12-01T09:00:00-07:00",
            "shifts": [{"start": f"{year}-12-{d:02d}T{19 + (d + i) % 3}:00", "end": f"{year}-12-{d + 1:02d}T02:00",
                        "officers": 5 + (d + i) % 4, "vehicles": 1 + (d + i) % 2} for d in range(20, 30)]}


SHAPES: dict[str, Callable[[str, int], Body]] = {"plain": plain, "NYE": nye, "rush": rush, "x10": ten}


def rate(agency: str, shape: Callable[[str, int], Body], seconds: float) -> float:
    """Quotes per second on one core, rotating through the variants of one shape."""
    card = load_seed_card(agency)
    bodies = [shape(agency, i) for i in range(VARIANTS)]

    def batch() -> None:
        for body in bodies:
            quote(parse_request(body, card, now=NOW), card).to_dict()

    def best(number: int, repeat: int) -> float:
        return min(timeit.repeat(batch, setup=gc.enable, number=number, repeat=repeat, timer=time.process_time))

    batch()  # warm the card's own caches (holidays of each year, rate tables)
    per_run = max(1, int(0.05 / best(1, 3)))  # about 50 ms a run
    runs = max(5, int(seconds / 0.05))
    return per_run * len(bodies) / best(per_run, runs)


def peak(agency: str, shape: Callable[[str, int], Body]) -> int:
    card = load_seed_card(agency)
    body = shape(agency, 0)
    quote(parse_request(body, card, now=NOW), card).to_dict()  # warm the card's caches
    tracemalloc.start()
    quote(parse_request(shape(agency, 0), card, now=NOW), card).to_dict()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    ap.add_argument("--agency", choices=SEED_SLUGS, action="append", help="only this agency (repeatable)")
    args = ap.parse_args()
    print("quotes per second on one core (parse_request + quote + to_dict); "
          f"{VARIANTS} request variants per shape; peak = tracemalloc peak of one quote")
    print(f"{'agency':<18}" + "".join(f"{s + ' /s':>11}" for s in SHAPES) + f"{'peak KiB 1':>12}{'peak KiB 10':>13}")
    for agency in args.agency or SEED_SLUGS:
        rates = "".join(f"{rate(agency, shape, args.seconds):>11,.0f}" for shape in SHAPES.values())
        print(f"{agency:<18}{rates}{peak(agency, nye) / 1024:>12.1f}{peak(agency, ten) / 1024:>13.1f}", flush=True)


if __name__ == "__main__":
    main()
