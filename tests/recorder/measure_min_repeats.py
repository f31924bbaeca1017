"""What ``min_repeats`` should default to: false alarms at 2 on clean code vs N+1s missed at 3.

    .venv/bin/python tests/recorder/measure_min_repeats.py [--work /tmp/min-repeats]

Two corpora, both this project's own:

1. the recorder's test suite (``tests/recorder``), run in-process with every recorder's
   statements kept when it stops: each finding that appears at ``min_repeats=2`` and not at 3
   is listed with its test, so a reader can tell a false alarm from a real two-parent N+1;
   recorders with no finding at 3 are the suite's clean cases;
2. the payments scenarios on the ``tiny`` dataset (SQLite) at sizes 1, 2, 3 and 10: every
   ``eager`` variant is clean by construction (a finding there is a false alarm), and every
   ``naive`` variant run at size 2 that has an N+1 at larger sizes is a two-repeat case (recall).

Prints one line per extra finding and a summary (the figures the closing note quotes).
Not collected by pytest: it runs a test suite of its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from querybench.recorder import count_queries
from querybench.recorder.counting import QueryRecorder
from querybench.recorder.detection import find_n_plus_one

HERE = Path(__file__).parent
SIZES = (1, 2, 3, 10)


@dataclass
class Tally:
    """Recorders seen, clean ones among them, and the findings only ``min_repeats=2`` makes."""

    recorders: int = 0
    clean_at_3: int = 0
    extra: list[str] = field(default_factory=list)


class _Collector:
    """A pytest plugin: every recorder's findings at 2 and 3, read when it stops."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.test = ""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        self.test = item.nodeid
        original = QueryRecorder.stop
        tally = self.tally

        def stop(recorder: QueryRecorder) -> None:
            started = recorder._started
            original(recorder)
            if not started:
                return
            statements = recorder.statements
            at_3 = {f.id for f in find_n_plus_one(statements, min_repeats=3)}
            at_2 = find_n_plus_one(statements, min_repeats=2)
            tally.recorders += 1
            tally.clean_at_3 += not at_3
            tally.extra.extend(
                f"{self.test}: {f.kind} {f.target[:80]} x{f.distinct}"
                for f in at_2
                if f.id not in at_3
            )

        QueryRecorder.stop = stop  # type: ignore[method-assign]
        try:
            return (yield)
        finally:
            QueryRecorder.stop = original  # type: ignore[method-assign]


def measure_suite() -> Tally:
    """Run ``tests/recorder`` with the collector."""
    tally = Tally()
    code = pytest.main(
        [
            str(HERE),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-x",
            "--no-header",
            "-W",
            "ignore::pytest.PytestAssertRewriteWarning",
        ],
        plugins=[_Collector(tally)],
    )
    if code not in (0, 5):
        raise SystemExit(f"tests/recorder failed (exit {code}): the figures would be wrong")
    return tally


def _call(engine: Any, scenario: Any, variant: str, size: int) -> tuple[int, int]:
    """Findings of one variant at one size, at min_repeats 2 and 3."""
    with Session(engine) as session:
        inputs = scenario.prepare(session, size)
        session.rollback()
    with Session(engine) as session, count_queries(engine) as queries:
        try:
            scenario.variants[variant].run(session, inputs)
        finally:
            session.rollback()
    return len(queries.n_plus_one(min_repeats=2)), len(queries.n_plus_one(min_repeats=3))


def measure_payments(work: Path) -> tuple[Tally, int, int]:
    """Eager variants: findings at 2 (false alarms). Naive at size 2: findings at 2 vs 3."""
    # imported after the suite ran: pytest could not rewrite the asserts of what is imported
    from querybench.datasets import build_dataset, load_spec
    from querybench.scenarios.builtin import payments_registry

    work.mkdir(parents=True, exist_ok=True)
    # the tiny spec with probes at the sizes measured here
    spec = replace(load_spec("tiny"), sizes=SIZES)
    built = build_dataset(spec, f"sqlite:///{work / 'tiny.sqlite'}")
    engine = create_engine(built.url)
    eager = Tally()
    found_2 = found_3 = 0
    try:
        for scenario in payments_registry():
            for size in scenario.sizes_in(SIZES):
                for variant in scenario.variants:
                    if variant == "naive":
                        continue
                    at_2, at_3 = _call(engine, scenario, variant, size)
                    eager.recorders += 1
                    eager.clean_at_3 += not at_3
                    if at_2 > at_3:
                        eager.extra.append(f"{scenario.name} {variant} size {size}: +{at_2 - at_3}")
            if 2 in scenario.sizes_in(SIZES) and _call(engine, scenario, "naive", 10)[1]:
                at_2, at_3 = _call(engine, scenario, "naive", 2)
                found_2 += at_2
                found_3 += at_3
                print(f"naive {scenario.name} size 2: {at_2} findings at 2, {at_3} at 3")
    finally:
        engine.dispose()
    return eager, found_2, found_3


def main() -> int:
    """Measure both corpora and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/querybench-min-repeats"))
    args = parser.parse_args()
    suite = measure_suite()
    eager, found_2, found_3 = measure_payments(args.work)
    for line in suite.extra:
        print(f"suite, only at 2: {line}")
    for line in eager.extra:
        print(f"eager variant, only at 2: {line}")
    print(
        f"tests/recorder: {suite.recorders} recorders, {suite.clean_at_3} clean at 3, "
        f"{len(suite.extra)} findings only at 2"
    )
    print(
        f"payments eager variants: {eager.recorders} runs, {eager.clean_at_3} clean at 3, "
        f"{len(eager.extra)} with findings only at 2"
    )
    print(f"payments naive variants at size 2: {found_2} findings at 2, {found_3} at 3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
