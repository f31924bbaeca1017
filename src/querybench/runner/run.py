"""The main job: every selected scenario x variant x size on every backend, one cell at a time.

Each cell is measured twice over: once inside a recorder, for the exact statement count, rows
and findings; then timed without any recorder, so recording never pollutes the latency. A cell
that raises is kept as a failed cell with its message, and the run goes on. A variant whose
result differs from the naive variant's is failed too: paired variants must agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.recorder import QueryRecorder, count_queries
from querybench.runner.backends import Backend
from querybench.runner.results import Cell, FindingRecord, StatementGroup
from querybench.runner.timing import TimingPolicy, measure
from querybench.scenarios.registry import Registry, Scenario


@dataclass(frozen=True)
class CellPlan:
    """One cell to measure."""

    scenario: Scenario[Any]
    variant: str
    size: int
    backend: Backend

    @property
    def label(self) -> str:
        """``Scenario[variant] @ N=size on backend``, as progress and errors show it."""
        return f"{self.scenario.name}[{self.variant}] @ N={self.size} on {self.backend.label}"


def plan(
    registry: Registry,
    backends: Sequence[Backend],
    sizes: Sequence[int],
    *,
    pattern: str | None = None,
    variants: Sequence[str] | None = None,
) -> list[CellPlan]:
    """The cells of a run, in the order they are measured (naive first in each group)."""
    chosen = registry.select(pattern)
    cells = []
    for backend in backends:
        for scenario in chosen:
            names = [v for v in scenario.variants if variants is None or v in variants]
            for size in scenario.sizes_in(sizes):
                cells += [CellPlan(scenario, name, size, backend) for name in names]
    return cells


def _findings(recorder: Any) -> tuple[FindingRecord, ...]:
    return tuple(
        FindingRecord(
            kind=str(finding.kind),
            target=finding.target,
            repeats=finding.count,
            example_sql=finding.example_sql,
            callsite=str(finding.callsite or ""),
            fix=finding.fix,
        )
        for finding in recorder.n_plus_one()
    )


def _groups(recorder: Any) -> tuple[StatementGroup, ...]:
    totals: dict[str, list[float]] = {}
    for statement in recorder.statements:
        totals.setdefault(statement.fingerprint, []).append(statement.duration)
    return tuple(
        StatementGroup(fingerprint, len(durations), sum(durations))
        for fingerprint, durations in totals.items()
    )


def record(engine: Engine, body: Callable[[Session], object]) -> tuple[QueryRecorder, object]:
    """Run ``body`` once in a fresh Session inside a recorder, roll back; the recorder and result."""
    with Session(engine) as session:
        session.connection()
        with count_queries(session) as recorder:
            result = body(session)
        session.rollback()
    return recorder, result


def rows_fetched(recorder: QueryRecorder) -> int:
    """Rows the recorded statements returned, where the driver reports them."""
    return sum(statement.rows or 0 for statement in recorder.statements)


def measure_cell(
    cell: CellPlan, policy: TimingPolicy, reference: dict[tuple[str, int, str], object]
) -> Cell:
    """Record, check against the naive result, then time one cell; failures become failed cells."""
    engine = cell.backend.engine
    variant = cell.scenario.variants[cell.variant]
    failed = Cell(cell.scenario.name, cell.variant, cell.size, cell.backend.label, 0, 0, None)
    try:
        with Session(engine) as session:
            inputs = cell.scenario.prepare(session, cell.size)
        recorder, result = record(engine, lambda session: variant.run(session, inputs))
        key = (cell.scenario.name, cell.size, cell.backend.label)
        expected = reference.setdefault(key, result)
        if result != expected:
            raise AssertionError("its result differs from the naive variant's")
        latency = measure(engine, lambda session: variant.run(session, inputs), policy)
    except Exception as error:  # a failing scenario must not stop the run
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return replace(failed, status="failed", error=f"{type(error).__name__}: {message}"[:500])
    return replace(
        failed,
        queries=recorder.count,
        rows=rows_fetched(recorder),
        latency=latency,
        findings=_findings(recorder),
        statements=_groups(recorder),
    )


def run_cells(
    cells: Sequence[CellPlan],
    policy: TimingPolicy,
    on_cell: Callable[[CellPlan, Cell], None] | None = None,
) -> Iterator[Cell]:
    """Measure cells in order, yielding each as soon as it is done."""
    reference: dict[tuple[str, int, str], object] = {}
    for cell in cells:
        measured = measure_cell(cell, policy, reference)
        if on_cell is not None:
            on_cell(cell, measured)
        yield measured
