"""The main job: every selected scenario x variant x size on every backend, one cell at a time.

Each cell is measured twice over: once inside a recorder, for the exact statement count, rows
and findings; then timed without any recorder, so recording never pollutes the latency. A cell
that raises is kept as a failed cell with its message, and the run goes on. A variant whose
result differs from its scenario's reference variant's (``naive`` if it has one, else the first
declared) is failed too: paired variants must agree. A cell
that loses its database connection fails, and the run waits for the server before going on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.plans.shape import IndexProof, PlanFinding, TableIndex
from querybench.recorder import QueryRecorder, count_queries
from querybench.runner.backends import Backend
from querybench.runner.pool import watch_pool
from querybench.runner.prove_cells import prove_naive
from querybench.runner.results import Cell, FindingRecord, StatementGroup
from querybench.runner.timing import TimingPolicy, measure
from querybench.scenarios.registry import Registry, Scenario

RECONNECT_SECONDS = 30.0
"""How long a run waits for a database that dropped its connection to answer again."""


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
    """The cells of a run, in the order they are measured (the reference variant first)."""
    chosen = registry.select(pattern)
    cells = []
    for backend in backends:
        for scenario in chosen:
            first = scenario.reference
            ordered = [first, *(v for v in scenario.variants if v != first)]
            names = [v for v in ordered if variants is None or v in variants]
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
    """Run ``body`` once in a fresh Session inside a recorder, roll back; recorder and result."""
    with Session(engine) as session:
        session.connection()
        with count_queries(session, count_rows=True) as recorder:
            result = body(session)
        session.rollback()
    return recorder, result


def rows_fetched(recorder: QueryRecorder) -> int:
    """Rows the recorded statements returned, where the driver reports them."""
    return sum(statement.rows or 0 for statement in recorder.statements)


@dataclass(frozen=True)
class PlanOptions:
    """``--plans`` (plans and plan findings per cell) and ``--prove-indexes`` (measure each
    advised index once per backend); see :mod:`querybench.plans.cells`."""

    prove_indexes: bool = False
    proven: set[tuple[str, str, tuple[str, ...]]] = field(default_factory=set)


References = dict[tuple[str, int, str], tuple[str, object]]
"""The first result measured for each scenario, size and backend, and the variant that gave it."""


def measure_cell(cell: CellPlan, policy: TimingPolicy, reference: References) -> Cell:
    """Record, check against the reference result, then time one cell; failures become failed
    cells."""
    try:
        return _measured(cell, policy, reference)
    except Exception as error:  # a failing scenario must not stop the run (Interrupted does)
        return _failed(cell, failure_reason(error, cell.backend.engine))


def _failed(cell: CellPlan, reason: str) -> Cell:
    return Cell(
        cell.scenario.name, cell.variant, cell.size, cell.backend.label, 0, 0, None,
        status="failed", error=reason,
    )  # fmt: skip


def _measured(
    cell: CellPlan,
    policy: TimingPolicy,
    reference: References,
    plans: PlanOptions | None = None,
) -> Cell:
    """``measure_cell`` without the safety net: whatever the cell raises propagates."""
    engine = cell.backend.engine
    variant = cell.scenario.variants[cell.variant]
    with Session(engine) as session:
        inputs = cell.scenario.prepare(session, cell.size)

    def body(session: Session) -> object:
        return variant.run(session, inputs)

    with watch_pool(engine) as pool:
        recorder, result = record(engine, body)
    key = (cell.scenario.name, cell.size, cell.backend.label)
    first, expected = reference.setdefault(key, (cell.variant, result))
    if result != expected:
        raise AssertionError(f"its result differs from the {first} variant's")
    groups = list(_groups(recorder))
    findings: tuple[PlanFinding, ...] = ()
    proofs: tuple[IndexProof, ...] = ()
    indexes: tuple[TableIndex, ...] = ()
    if plans is not None:  # after the recorded pass, before the timed rounds: never inside one
        from querybench.plans.cells import prove_findings, with_plans

        groups, findings, indexes = with_plans(engine, recorder, groups)
    latency = measure(engine, body, policy)
    if plans is not None and plans.prove_indexes:
        proofs = prove_findings(engine, body, findings, policy, plans.proven)
    return Cell(
        cell.scenario.name,
        cell.variant,
        cell.size,
        cell.backend.label,
        queries=recorder.count,
        rows=rows_fetched(recorder),
        latency=latency,
        findings=_findings(recorder),
        statements=tuple(groups),
        proof=prove_naive(cell.variant, engine, body, recorder),
        pool=pool.record(),
        response_bytes=getattr(result, "response_bytes", None),  # a route's response body
        plan_findings=tuple(findings),
        index_proofs=tuple(proofs),
        plan_indexes=indexes,
    )


def failure_reason(error: BaseException, engine: Engine) -> str:
    """The first line of an error, its type first, the database password (if echoed) masked."""
    text = str(error).strip()
    message = text.splitlines()[0] if text else ""
    password = engine.url.password
    if password:
        message = message.replace(str(password), "***")
    return f"{type(error).__name__}: {message}"[:500]


def lost_connection(error: BaseException) -> bool:
    """Whether ``error`` says the database connection dropped, or could not be opened."""
    return isinstance(error, exc.DBAPIError) and (
        error.connection_invalidated or isinstance(error, exc.OperationalError)
    )


def wait_for_server(engine: Engine, timeout: float, pause: float = 0.25) -> bool:
    """Poll until the database answers again (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            # pool_pre_ping replaces the pooled connections the server dropped.
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except exc.DBAPIError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)


def run_cells(
    cells: Sequence[CellPlan],
    policy: TimingPolicy,
    on_cell: Callable[[CellPlan, Cell], None] | None = None,
    *,
    reconnect_seconds: float = RECONNECT_SECONDS,
    plans: PlanOptions | None = None,
) -> Iterator[Cell]:
    """Measure cells in order, yielding each as soon as it is done.

    A cell that loses its database connection fails with the reason; before the next cell the
    run waits up to ``reconnect_seconds`` for the server to answer again, so that a restart
    costs the cell it hit, not every cell until the server is back. A server that stays away
    is not waited for again until one of its cells succeeds.
    """
    reference: References = {}
    gone: set[str] = set()
    for cell in cells:
        engine = cell.backend.engine
        try:
            measured = _measured(cell, policy, reference, plans)
        except Exception as error:  # a failing scenario must not stop the run (Interrupted does)
            measured = _failed(cell, failure_reason(error, engine))
            waited_in_vain = (
                lost_connection(error)
                and cell.backend.label not in gone
                and not wait_for_server(engine, reconnect_seconds)
            )
            if waited_in_vain:
                gone.add(cell.backend.label)
        else:
            gone.discard(cell.backend.label)
        if on_cell is not None:
            on_cell(cell, measured)
        yield measured
