"""A suite through pytest-benchmark: one benchmark per scenario x variant x size.

pytest-benchmark's JSON then reads into ``querybench report`` like a results file. No pytest
import here: the caller parametrises, this module only lists cells and measures one::

    import pytest
    import sqlalchemy as sa
    from querybench.suites.bench import bench_cells, build_suite, run_benchmark
    from benchmarks.bench_library import suite

    @pytest.fixture(scope="module")
    def engine():
        engine = sa.create_engine(build_suite(suite).url)
        yield engine
        engine.dispose()

    @pytest.mark.parametrize("cell", bench_cells(suite), ids=str)
    def test_library(benchmark, engine, cell):
        run_benchmark(benchmark, engine, cell)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from querybench.datasets import BuiltSource, build_source
from querybench.runner.run import record, rows_fetched
from querybench.scenarios.registry import Scenario
from querybench.suites.dataset_slot import default_sizes, suite_source
from querybench.suites.suite import Suite


@dataclass(frozen=True)
class BenchCell:
    """One benchmark: a scenario's variant at one size; ``str()`` is its pytest id."""

    suite: str
    scenario: Scenario[Any]
    variant: str
    size: int

    def __str__(self) -> str:
        return f"{self.scenario.name}[{self.variant}]-{self.size}"


def build_suite(
    suite: Suite,
    url: str | URL | None = None,
    *,
    dataset: str | None = None,
    sizes: Sequence[int] | None = None,
) -> BuiltSource:
    """Build (or reuse) ``suite``'s dataset in ``url`` (None: a SQLite file in the cache)."""
    return build_source(suite_source(suite, dataset, tuple(sizes) if sizes else None), url)


def bench_cells(
    suite: Suite, sizes: Sequence[int] | None = None, *, dataset: str | None = None
) -> list[BenchCell]:
    """Every scenario x variant x size of ``suite`` (sizes: the dataset's sweep by default)."""
    sweep = tuple(sizes) if sizes else default_sizes(suite, suite_source(suite, dataset))
    return [
        BenchCell(suite.name, scenario, variant, size)
        for scenario in suite
        for size in scenario.sizes_in(sweep)
        for variant in scenario.variants
    ]


def run_benchmark(benchmark: Any, engine: Engine, cell: BenchCell, *, rounds: int = 20) -> None:
    """Measure ``cell`` with pytest-benchmark's ``benchmark`` fixture on ``engine``'s dataset.

    The exact statement count and rows (one recorded call, so recording never pollutes the
    timing) go into ``extra_info`` where ``querybench report`` reads them; rounds run in fresh,
    pre-connected Sessions, rolled back.
    """
    run = cell.scenario.variants[cell.variant].run
    with Session(engine) as session:
        inputs = cell.scenario.prepare(session, cell.size)
    recorder, _ = record(engine, lambda session: run(session, inputs))
    benchmark.group = f"{cell.scenario.name} N={cell.size}"
    benchmark.extra_info.update(
        suite=cell.suite,
        scenario=cell.scenario.name,
        variant=cell.variant,
        size=cell.size,
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
        rounds=rounds,
        warmup_rounds=1,
    )
