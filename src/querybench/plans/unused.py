"""The ``unused_index`` finding: an index of a large table that no plan of the whole run read.

Knowable only for what the run planned. On a backend, the finding is drawn only when every
cell there ran with ``--plans`` and every statement that can use an index (SELECT, UPDATE,
DELETE) has its plan; otherwise it says why not. An index of a small table is never named: a
planner reads a small table whole whatever its indexes. The advice is the Alembic line that
drops it, to weigh, not to paste blindly: code this run did not measure may need it, and an
index on a foreign key serves the search a DELETE of a referenced row makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from querybench.plans.shape import PlanFinding, TableIndex
from querybench.runner.results import Cell

_PLANNED_VERBS = ("select", "update", "delete", "with")


@dataclass(frozen=True)
class UnusedIndexes:
    """One backend's answer: the findings, or why there can be none (``unknown``)."""

    backend: str
    findings: tuple[PlanFinding, ...]
    unknown: str = ""
    planned: int = 0
    cells: int = 0
    judged: int = 0  # indexes of large tables, read or not


def _needs_plan(fingerprint: str) -> bool:
    words = fingerprint.split(None, 1)
    return bool(words) and words[0].lower() in _PLANNED_VERBS


def _finding(index: TableIndex, planned: int, cells: int) -> PlanFinding:
    detail = (
        f"no plan of the {planned} statements planned in this run ({cells} cells) read"
        f" {index.name}; it still costs every INSERT, and every UPDATE of its columns"
    )
    if index.foreign_key:
        detail += (
            f"; it leads with the foreign key ({', '.join(index.columns)}), which a DELETE"
            " of a referenced row searches: keep it if such deletes happen"
        )
    return PlanFinding(
        kind="unused_index",
        table=index.table,
        columns=index.columns,
        callsite="",
        fingerprint="",
        example_sql="",
        detail=detail,
        alembic=f'op.drop_index("{index.name}", table_name="{index.table}")',
    )


def unused_indexes(cells: Sequence[Cell]) -> list[UnusedIndexes]:
    """Per backend that was planned, in first-seen order: the indexes nothing read."""
    backends = list(dict.fromkeys(cell.backend for cell in cells))
    answers = []
    for backend in backends:
        mine = [cell for cell in cells if cell.backend == backend and cell.status == "ok"]
        planned_cells = [
            cell for cell in mine if cell.plan_indexes or any(g.plan for g in cell.statements)
        ]
        if not planned_cells:
            continue  # run without --plans: nothing to say
        if len(planned_cells) < len(mine):
            missing = len(mine) - len(planned_cells)
            answers.append(UnusedIndexes(backend, (), f"{missing} cells ran without plans"))
            continue
        unplanned = {
            group.fingerprint
            for cell in mine
            for group in cell.statements
            if group.plan is None and _needs_plan(group.fingerprint)
        }
        planned = {group.fingerprint for cell in mine for group in cell.statements if group.plan}
        if unplanned:
            answers.append(
                UnusedIndexes(
                    backend, (), f"{len(unplanned)} statements that could read an index had no plan"
                )
            )
            continue
        read = {
            name
            for cell in mine
            for group in cell.statements
            if group.plan is not None
            for name in group.plan.indexes
        }
        read.update(
            name for cell in mine for proof in cell.index_proofs for name in proof.after.indexes
        )
        indexes = {(index.table, index.name): index for cell in mine for index in cell.plan_indexes}
        large = [index for _key, index in sorted(indexes.items()) if index.large]
        found = tuple(
            _finding(index, len(planned), len(mine)) for index in large if index.name not in read
        )
        answers.append(UnusedIndexes(backend, found, "", len(planned), len(mine), len(large)))
    return answers
