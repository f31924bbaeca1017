"""The pytest-benchmark face of the suites: one benchmark per scenario x variant x size.

    .venv/bin/pytest bench/test_scenarios.py --benchmark-json=reports/bench.json
    .venv/bin/querybench report reports/bench.json -o reports/bench.html

The suite is the built-in payments suite on the ``tiny`` dataset unless
``QUERYBENCH_BENCH_DATASET`` names another; the same helpers serve any user's suite
(``querybench.suites.bench``). Each benchmark records its exact statement count and rows in
``extra_info`` (from one recorded run, so recording never pollutes the timing) and times rounds
in fresh, pre-connected Sessions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy.engine import Engine

from querybench.scenarios.builtin import payments_suite
from querybench.suites.bench import BenchCell, bench_cells, build_suite, run_benchmark

SUITE = payments_suite()
DATASET = os.environ.get("QUERYBENCH_BENCH_DATASET", "tiny")
ROUNDS = int(os.environ.get("QUERYBENCH_BENCH_ROUNDS", "20"))


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """The dataset as a SQLite file (built once, then copied from the build cache)."""
    engine = sa.create_engine(build_suite(SUITE, dataset=DATASET).url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("cell", bench_cells(SUITE, dataset=DATASET), ids=str)
def test_scenario(benchmark: BenchmarkFixture, engine: Engine, cell: BenchCell) -> None:
    run_benchmark(benchmark, engine, cell, rounds=ROUNDS)
