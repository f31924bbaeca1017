"""Plans in a run: what ``runner.run`` calls for a cell when ``--plans`` is on.

The plans are asked for after the cell's recorded pass and before its timed rounds, on
connections of their own; the proofs of advised indexes after the timed rounds. Neither runs
inside a timed round, so neither changes what the cell measures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.errors import QuerybenchError
from querybench.plans.collect import collect_plans
from querybench.plans.proof import prove_index
from querybench.plans.shape import IndexProof, PlanFinding, TableIndex
from querybench.runner.timing import TimingPolicy


def with_plans(
    engine: Engine, recorder: Any, groups: Sequence[Any]
) -> tuple[list[Any], tuple[PlanFinding, ...], tuple[TableIndex, ...]]:
    """The cell's statement groups, each with its plan, the cell's plan findings, and the
    non-unique indexes of the tables its statements read."""
    report = collect_plans(engine, list(recorder.statements), analyse=True)
    planned = [replace(group, plan=report.plans.get(group.fingerprint)) for group in groups]
    return planned, report.findings, report.indexes


def prove_findings(
    engine: Engine,
    body: Callable[[Session], object],
    findings: Sequence[PlanFinding],
    policy: TimingPolicy,
    proven: set[tuple[str, str, tuple[str, ...]]],
) -> tuple[IndexProof, ...]:
    """Prove each advised index not yet proven on this database (``proven`` remembers them)."""
    proofs = []
    for finding in findings:
        key = (str(engine.url), finding.table, finding.columns)
        if not finding.columns or key in proven:
            continue
        proven.add(key)
        try:
            proofs.append(prove_index(engine, body, finding, policy=policy))
        except QuerybenchError:  # the index exists already, or the statement changed
            continue
    return tuple(proofs)
