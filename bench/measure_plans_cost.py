"""What ``--plans`` costs a run, and whether it changes what the timed rounds measure.

    .venv/bin/python bench/measure_plans_cost.py --pairs 3 [--db URL] [-k PATTERN]

Runs ``querybench run --dataset tiny`` (the CI command: ``--min-time 0.05 --rounds 5``) with
and without ``--plans``, alternating which goes first, ``--pairs`` times. Prints:

- the wall time of each run, and the median ratio with/without: what ``--plans`` costs;
- per cell, the median round latency with plans over without, pooled over the pairs: its
  median and 5-95% spread over all cells. Plans are collected between a cell's recorded pass
  and its timed rounds, on a connection of their own, so this ratio should sit at 1.00 within
  the run-to-run noise, which ``--control`` shows: the same ratio between two runs *without*
  plans (default on).
``--direct`` instead times, in this process, what ``--plans`` adds to each cell of the tiny
dataset (``plans.cells.with_plans``: EXPLAIN of each fingerprint, the catalog read, the rules)
beside the cell's own recorded pass: the cost without the run-to-run noise of whole runs.
Not collected by pytest: it measures the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from querybench.runner.results import read_results

RUN = ["run", "--dataset", "tiny", "--min-time", "0.05", "--rounds", "5"]


def run(out: Path, plans: bool, database: str | None, pattern: str) -> float:
    """One ``querybench run``; its wall time."""
    command = [str(Path(sys.executable).with_name("querybench")), *RUN, "--out", str(out)]
    command += ["-k", pattern] if pattern else []
    command += ["--plans"] if plans else []
    command += ["--db", database] if database else []
    start = time.monotonic()
    subprocess.run(command, check=True, capture_output=True)
    return time.monotonic() - start


def medians(path: Path) -> dict[tuple[str, str, int, str], float]:
    """Each ok cell's median round latency."""
    return {
        cell.key: cell.latency.median
        for cell in read_results(path).cells
        if cell.status == "ok" and cell.latency is not None and cell.latency.median > 0
    }


def ratios(
    numerator: list[dict[tuple[str, str, int, str], float]],
    denominator: list[dict[tuple[str, str, int, str], float]],
) -> dict[str, float]:
    """Per cell, the ratio of the medians pooled over the runs; summarised over the cells."""
    per_cell = []
    for key in numerator[0]:
        top = [runs[key] for runs in numerator if key in runs]
        bottom = [runs[key] for runs in denominator if key in runs]
        if top and bottom:
            per_cell.append(statistics.median(top) / statistics.median(bottom))
    cuts = statistics.quantiles(per_cell, n=20)
    return {
        "cells": len(per_cell),
        "median": statistics.median(per_cell),
        "p5": cuts[0],
        "p95": cuts[-1],
    }


def direct(database: str | None, pattern: str) -> dict[str, object]:
    """Per cell: seconds of plan collection, and of the recorded pass it follows."""
    from sqlalchemy.orm import Session

    from querybench.datasets import build_dataset, load_spec
    from querybench.plans.cells import with_plans
    from querybench.runner.backends import open_backend
    from querybench.runner.run import _groups, plan, record
    from querybench.scenarios.builtin import payments_registry

    work = Path(tempfile.mkdtemp(prefix="querybench-plans-direct-"))
    target = database or f"sqlite:///{work / 'tiny.sqlite'}"
    built = build_dataset(load_spec("tiny"), target, cache_dir=work / "cache")
    backend = open_backend(built.url)
    collecting: list[float] = []
    recorded: list[float] = []
    try:
        for cell in plan(payments_registry(), [backend], [1, 10, 100], pattern=pattern or None):
            variant = cell.scenario.variants[cell.variant]
            with Session(backend.engine) as session:
                inputs = cell.scenario.prepare(session, cell.size)
            start = time.perf_counter()
            recorder, _ = record(backend.engine, lambda s, v=variant, i=inputs: v.run(s, i))
            recorded.append(time.perf_counter() - start)
            start = time.perf_counter()
            with_plans(backend.engine, recorder, list(_groups(recorder)))
            collecting.append(time.perf_counter() - start)
    finally:
        backend.dispose()
    return {
        "backend": backend.label,
        "cells": len(collecting),
        "plans_total_s": round(sum(collecting), 2),
        "plans_per_cell_ms_median": round(statistics.median(collecting) * 1e3, 2),
        "plans_per_cell_ms_max": round(max(collecting) * 1e3, 2),
        "recorded_pass_total_s": round(sum(recorded), 2),
    }


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--db", default=None)
    parser.add_argument("-k", dest="pattern", default="", help="only scenarios matching this")
    parser.add_argument("--no-control", dest="control", action="store_false")
    parser.add_argument("--direct", action="store_true")
    args = parser.parse_args()
    if args.direct:
        print(json.dumps(direct(args.db, args.pattern), indent=1))
        return 0
    work = Path(tempfile.mkdtemp(prefix="querybench-plans-cost-"))
    walls: dict[str, list[float]] = {"plans": [], "without": [], "control": []}
    found: dict[str, list[dict[tuple[str, str, int, str], float]]] = {k: [] for k in walls}
    for number in range(args.pairs):
        kinds = ["plans", "without"] if number % 2 == 0 else ["without", "plans"]
        if args.control:
            kinds.append("control")
        for kind in kinds:
            out = work / f"{kind}{number}"
            walls[kind].append(run(out, kind == "plans", args.db, args.pattern))
            found[kind].append(medians(out / "results.json"))
            print(f"pair {number} {kind}: {walls[kind][-1]:.1f} s", flush=True)
    summary: dict[str, object] = {
        "wall_s": {kind: [round(w, 1) for w in values] for kind, values in walls.items() if values},
        "wall_ratio_plans_over_without": statistics.median(walls["plans"])
        / statistics.median(walls["without"]),
        "latency_plans_over_without": ratios(found["plans"], found["without"]),
    }
    if args.control:
        summary["latency_control_over_without"] = ratios(found["control"], found["without"])
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
