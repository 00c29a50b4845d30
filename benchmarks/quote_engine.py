"""Quote engine throughput on one core: parse_request + quote + to_dict, the portal's path per quote.

    .venv/bin/python benchmarks/quote_engine.py [--seconds 1] [--agency tucson]
    .venv/bin/python benchmarks/quote_engine.py --baseline 8421427 [--rounds 5] [--seconds 0.5]

For every seed agency and request shape it prints single-shift and ten-shift quotes per
second and the peak memory of one quote (tracemalloc). Shapes:

- ``plain``: a weekday evening, 1-4 officers;
- ``NYE``: the tucson-new-years-eve example's shape (5-8 officers so a supervisor rule, 1-2
  vehicles, across midnight, holiday on both days) -- the heaviest common single shift;
- ``rush``: a weekday evening requested 30 hours ahead (emergency tier where the card has one);
- ``x10``: the NYE shape on ten evenings 20-29 December (Christmas Eve/Day among them).

Every timed loop rotates through ``VARIANTS`` different bodies (other years, dates, headcounts,
vehicles), so nothing keyed on the request can help; what the engine keeps per card and day
(holiday dates, the periods of a day, in bounded caches) is filled by the warm-up, as it is in a
running portal.

Each figure is the best of many short runs of this process's CPU time (``time.process_time``,
so that other processes on a shared machine are not billed to the engine; as ``timeit``
advises, slower runs measure the machine, not this code), with the garbage collector on as
in the portal. Targets: >= 10,000 single-shift/s and >= 1,000 ten-shift/s. Measured, never
asserted in tests.

``--baseline REV`` compares with the engine of another commit in the same run (repeat it to add more
engines; ratios are to the first): its
``portal/pricing`` and ``portal/rate_cards`` are taken from git into a temporary directory, and
each round runs this script once per agency on each engine, alternately (the order swapped every
round), each in a fresh process. It prints the median of the rounds for both and their ratio:
on a shared, noisy machine only figures measured side by side compare.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import timeit
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED_SLUGS = ("kcpd", "mesa", "west-valley-city", "tucson")
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


def _pricing(root: Path) -> Any:
    """``portal.pricing`` of the tree at ``root`` (this repository's, or a baseline's copy)."""
    sys.path.insert(0, str(root))
    return importlib.import_module("portal.pricing")


def rate(pricing: Any, agency: str, shape: Callable[[str, int], Body], seconds: float) -> float:
    """Quotes per second on one core, rotating through the variants of one shape."""
    card = pricing.load_seed_card(agency)
    bodies = [shape(agency, i) for i in range(VARIANTS)]
    parse_request, quote = pricing.parse_request, pricing.quote

    def batch() -> None:
        for body in bodies:
            quote(parse_request(body, card, now=NOW), card).to_dict()

    def best(number: int, repeat: int) -> float:
        return min(timeit.repeat(batch, setup=gc.enable, number=number, repeat=repeat, timer=time.process_time))

    batch()  # warm what the engine keeps per card and day (holidays of each year, periods of each day)
    per_run = max(1, int(0.05 / best(1, 3)))  # about 50 ms a run
    runs = max(5, int(seconds / 0.05))
    return per_run * len(bodies) / best(per_run, runs)


def peak(pricing: Any, agency: str, shape: Callable[[str, int], Body]) -> int:
    card = pricing.load_seed_card(agency)
    body = shape(agency, 0)
    pricing.quote(pricing.parse_request(body, card, now=NOW), card).to_dict()  # warm the per-day caches
    tracemalloc.start()
    pricing.quote(pricing.parse_request(shape(agency, 0), card, now=NOW), card).to_dict()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def figures(root: Path, agency: str, seconds: float) -> dict[str, float]:
    """Quotes per second of every shape and the peak KiB of one quote, for one agency."""
    pricing = _pricing(root)
    out = {name: rate(pricing, agency, shape, seconds) for name, shape in SHAPES.items()}
    out["peak KiB 1"] = peak(pricing, agency, nye) / 1024
    out["peak KiB 10"] = peak(pricing, agency, ten) / 1024
    return out


def engine_tree(rev: str | None, into: Path) -> Path:
    """``portal/pricing`` and ``portal/rate_cards`` under ``into``: of commit ``rev``, or (None) of this working
    tree as it is. Without the web application beside them, so that both engines run in processes alike (the
    portal's imports would leave a larger heap for the garbage collector to walk)."""
    if rev is None:
        for part in ("pricing", "rate_cards"):
            shutil.copytree(ROOT / "portal" / part, into / "portal" / part,
                            ignore=shutil.ignore_patterns("__pycache__"))
    else:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "portal/pricing", "portal/rate_cards"],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(into, filter="data")
    (into / "portal" / "__init__.py").write_text("")
    return into


def compare(revs: list[str], agencies: list[str], rounds: int, seconds: float) -> None:
    """The current engine and those of ``revs``, interleaved; ratios to the first of ``revs``."""
    with tempfile.TemporaryDirectory(prefix="quote-engine-") as tmp:
        roots = {"current": engine_tree(None, Path(tmp) / "current")}
        roots.update({rev: engine_tree(rev, Path(tmp) / f"rev-{i}") for i, rev in enumerate(revs)})
        got: dict[tuple[str, str], list[dict[str, float]]] = {}
        for r in range(rounds):
            for agency in agencies:
                for name in (list(roots) if r % 2 == 0 else list(reversed(roots))):
                    out = subprocess.run([sys.executable, __file__, "--root", str(roots[name]), "--agency", agency,
                                          "--seconds", str(seconds), "--json"], check=True, capture_output=True,
                                         text=True).stdout
                    got.setdefault((name, agency), []).append(json.loads(out))
            print(f"round {r + 1} of {rounds} done", file=sys.stderr, flush=True)
    base = revs[0]
    print(f"quotes per second on one core, median of {rounds} interleaved rounds: current ("
          + ", ".join(revs) + f") and the ratio of current to {base}")
    keys = [*SHAPES, "peak KiB 1", "peak KiB 10"]
    width = 16 + 9 * len(revs)
    print(f"{'agency':<18}" + "".join(f"{k + (' /s' if k in SHAPES else ''):>{width}}" for k in keys))
    worst = 0.0
    for agency in agencies:
        cells = []
        for k in keys:
            fmt = "{:,.0f}" if k in SHAPES else "{:.1f}"
            medians = [statistics.median(f[k] for f in got[name, agency]) for name in ("current", *revs)]
            ratio = medians[0] / medians[1]
            if k in SHAPES:
                worst = max(worst, 1 - ratio)
            cells.append(f"{fmt.format(medians[0])} (" + ", ".join(fmt.format(m) for m in medians[1:])
                         + f") {ratio:.2f}")
        print(f"{agency:<18}" + "".join(f"{c:>{width}}" for c in cells), flush=True)
    print(f"slowest shape: {worst:.0%} below {base}" if worst > 0 else f"no shape below {base}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    ap.add_argument("--agency", choices=SEED_SLUGS, action="append", help="only this agency (repeatable)")
    ap.add_argument("--baseline", metavar="REV", action="append",
                    help="compare with the engine of this commit, interleaved (repeatable; ratios to the first)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of the comparison (median)")
    ap.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)  # the tree whose engine to time
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one agency's figures, for --baseline
    args = ap.parse_args()
    agencies = args.agency or list(SEED_SLUGS)
    if args.baseline:
        compare(args.baseline, agencies, args.rounds, args.seconds)
        return
    if args.json:
        print(json.dumps(figures(args.root, agencies[0], args.seconds)))
        return
    print("quotes per second on one core (parse_request + quote + to_dict); "
          f"{VARIANTS} request variants per shape; peak = tracemalloc peak of one quote")
    print(f"{'agency':<18}" + "".join(f"{s + ' /s':>11}" for s in SHAPES) + f"{'peak KiB 1':>12}{'peak KiB 10':>13}")
    for agency in agencies:
        f = figures(args.root, agency, args.seconds)
        rates = "".join(f"{f[name]:>11,.0f}" for name in SHAPES)
        print(f"{agency:<18}{rates}{f['peak KiB 1']:>12.1f}{f['peak KiB 10']:>13.1f}", flush=True)


if __name__ == "__main__":
    main()
