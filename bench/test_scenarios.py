"""The pytest-benchmark face of the scenario registry: one benchmark per scenario x variant x size.

    .venv/bin/pytest bench/test_scenarios.py --benchmark-json=reports/bench.json
    .venv/bin/querybench report reports/bench.json -o reports/bench.html

The dataset is ``tiny`` unless ``QUERYBENCH_BENCH_DATASET`` names another. Each benchmark
records its exact statement count and rows in ``extra_info`` (from one recorded run, so
recording never pollutes the timing) and times rounds in fresh, pre-connected Sessions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.datasets import build_dataset, load_spec
from querybench.runner.run import record, rows_fetched
from querybench.scenarios.builtin import payments_registry

REGISTRY = payments_registry()
SPEC = load_spec(os.environ.get("QUERYBENCH_BENCH_DATASET", "tiny"))
ROUNDS = int(os.environ.get("QUERYBENCH_BENCH_ROUNDS", "20"))


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """The dataset as a SQLite file (built once, then copied from the build cache)."""
    engine = sa.create_engine(build_dataset(SPEC).url)
    yield engine
    engine.dispose()


CELLS = [
    pytest.param(scenario.name, variant, size, id=f"{scenario.name}[{variant}]-{size}")
    for scenario in REGISTRY
    for variant in scenario.variants
    for size in scenario.sizes_in(SPEC.sizes)
]


@pytest.mark.parametrize(("name", "variant", "size"), CELLS)
def test_scenario(
    benchmark: BenchmarkFixture, engine: Engine, name: str, variant: str, size: int
) -> None:
    scenario = REGISTRY.get(name)
    run = scenario.variants[variant].run
    with Session(engine) as session:
        inputs = scenario.prepare(session, size)
    recorder, _ = record(engine, lambda session: run(session, inputs))
    benchmark.group = f"{name} N={size}"
    benchmark.extra_info.update(
        scenario=name,
        variant=variant,
        size=size,
        backend=engine.dialect.name,
        queries=recorder.count,
        rows=rows_fetched(recorder),
    )

    def fresh_session() -> tuple[tuple[Session], dict[str, object]]:
        session = Session(engine)
        session.connection()
        return (session,), {}

    def discard(session: Session) -> None:
        session.rollback()
        session.close()

    benchmark.pedantic(
        lambda session: run(session, inputs),
        setup=fresh_session,
        teardown=discard,
        rounds=ROUNDS,
        warmup_rounds=1,
    )
