"""The schema-driven generator against the hand-written payments builder, side by side.

    .venv/bin/python bench/measure_generic_build.py            # payments' large: 1.1 M rows
    .venv/bin/python bench/measure_generic_build.py --scale 0.1

Both build the payments tables into a fresh SQLite file (a private build cache each, so
neither is served from a cache): the hand-written builder from ``fixtures/large.toml``, the
generic one from the models alone (``querybench.payments.models``) with the same counts
(100,000 users, 1,000,000 payments, 5 plans) and sizes. Each time covers generation, inserts,
index creation, the content digest and the copy into place. Goal: generic within 1.5x.
Rounds alternate the order, so neither always runs on a warmer machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path

from querybench.datasets import DatasetSpec, build_dataset, build_source, load_spec
from querybench.datasets.schema import SchemaSpec, schema_source
from querybench.payments.models import Base


def scaled(scale: float) -> DatasetSpec:
    """``large`` with its counts scaled, and the sizes the smaller counts can still hold."""
    spec = load_spec("large")
    users, payments = round(spec.users * scale), round(spec.payments * scale)
    sizes = tuple(size for size in spec.sizes if size * 10 <= users)
    return dataclasses.replace(spec, users=users, payments=payments, sizes=sizes)


def hand_written(scale: float, root: Path) -> tuple[float, int]:
    """Seconds and rows of the hand-written builder."""
    spec = scaled(scale)
    started = time.perf_counter()
    built = build_dataset(spec, cache_dir=root)
    return time.perf_counter() - started, built.rows


def generic(scale: float, root: Path) -> tuple[float, int]:
    """Seconds and rows of the schema-driven generator on the same counts and sizes."""
    large = scaled(scale)
    spec = SchemaSpec(
        name="large-generic",
        seed=large.seed,
        sizes=large.sizes,
        counts={
            "pricing_plans": len(large.plans),
            "users": large.users,
            "payments": large.payments,
        },
    )
    started = time.perf_counter()
    built = build_source(schema_source(Base, spec), cache_dir=root)
    return time.perf_counter() - started, built.rows


def main() -> None:
    """Build both, ``--rounds`` times in alternating order, and print times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of large's counts")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    times: dict[str, list[float]] = {"hand-written": [], "generic": []}
    rows: dict[str, int] = {}
    for round_number in range(args.rounds):
        order = [("hand-written", hand_written), ("generic", generic)]
        for name, build in order if round_number % 2 == 0 else order[::-1]:
            with tempfile.TemporaryDirectory() as folder:
                seconds, rows[name] = build(args.scale, Path(folder))
            times[name].append(seconds)
            print(f"  round {round_number + 1} {name:<12} {seconds:7.2f} s  {rows[name]:,} rows")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in medians.items():
        print(
            f"{name:<12} {seconds:7.2f} s  {rows[name]:,} rows  {rows[name] / seconds:,.0f} rows/s"
        )
    print(f"ratio generic / hand-written: {medians['generic'] / medians['hand-written']:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
