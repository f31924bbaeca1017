"""Plans and plan findings of one recorded pass: what a run (or a test) calls after recording."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from querybench.plans.explain import explain_statements
from querybench.plans.findings import plan_findings
from querybench.plans.inventory import DEFAULT_THRESHOLD, TableInfo, inventory
from querybench.plans.predicates import aliases
from querybench.plans.shape import Plan, PlanFinding, TableIndex
from querybench.recorder.statement import Statement


@dataclass(frozen=True)
class PlanReport:
    """The plans of a recorded pass, by fingerprint, and the findings drawn from them."""

    plans: dict[str, Plan]
    findings: tuple[PlanFinding, ...]
    # The catalog of every table the statements read (indexes, keys, size class).
    tables: dict[str, TableInfo] = field(default_factory=dict)

    @property
    def indexes(self) -> tuple[TableIndex, ...]:
        """The non-unique indexes of those tables, as a cell's results keep them."""
        return tuple(index for info in self.tables.values() for index in info.table_indexes())


def collect_plans(
    engine: Engine,
    statements: Sequence[Statement],
    *,
    analyse: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
) -> PlanReport:
    """Explain each fingerprint of ``statements`` once, then apply the plan rules.

    Runs on connections of its own after the statements ran: never inside a timed round.
    """
    plans = explain_statements(engine, statements, analyse=analyse)
    tables: set[str] = set()
    for statement in statements:
        tables.update(aliases(statement.sql).values())
    with engine.connect() as conn:
        info = inventory(conn, tables, threshold=threshold)
    return PlanReport(plans, plan_findings(statements, plans, info), info)


def plans(recorder: object, bind: Engine, *, analyse: bool = False) -> PlanReport:
    """Plans and findings of a ``count_queries`` block: ``plans(recorder, engine)``."""
    statements: list[Statement] = list(getattr(recorder, "statements", ()))
    return collect_plans(bind, statements, analyse=analyse)
