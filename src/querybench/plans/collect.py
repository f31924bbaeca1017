"""Plans and plan findings of one recorded pass: what a run (or a test) calls after recording."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from querybench.plans.explain import explain_statements
from querybench.plans.findings import plan_findings
from querybench.plans.inventory import DEFAULT_THRESHOLD, inventory
from querybench.plans.predicates import aliases
from querybench.plans.shape import Plan, PlanFinding
from querybench.recorder.statement import Statement


@dataclass(frozen=True)
class PlanReport:
    """The plans of a recorded pass, by fingerprint, and the findings drawn from them."""

    plans: dict[str, Plan]
    findings: tuple[PlanFinding, ...]


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
    return PlanReport(plans, plan_findings(statements, plans, info))


def plans(recorder: object, bind: Engine, *, analyse: bool = False) -> PlanReport:
    """Plans and findings of a ``count_queries`` block: ``plans(recorder, engine)``."""
    statements: list[Statement] = list(getattr(recorder, "statements", ()))
    return collect_plans(bind, statements, analyse=analyse)
