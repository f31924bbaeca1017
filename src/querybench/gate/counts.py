"""The exact part of the gate: statement counts, growth classes, failed cells and budgets.

Counts are deterministic, so any increase is a regression and any decrease an improvement
that the baseline should learn. Growth is classified over whatever sizes each side measured,
so a variant that turned from constant to linear fails even when the sizes differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from querybench.gate.budgets import GROWTH_ORDER, Budget
from querybench.gate.verdict import Verdict
from querybench.recorder.growth import Growth, classify_growth
from querybench.runner.results import Cell

Series = tuple[str, str, str]  # scenario, variant, backend


def _ok(cell: Cell | None) -> bool:
    return cell is not None and cell.status == "ok"


def _judge_cell(cell: Cell, old: Cell | None, refresh: str) -> tuple[bool, Verdict] | None:
    """(is a regression, verdict) for one cell of the run, or None when nothing changed."""
    place = (cell.scenario, cell.variant, cell.size, cell.backend)
    if cell.status != "ok":
        if old is not None and _ok(old):
            summary = f"failed in this run ({cell.error}); the baseline had {old.queries} queries"
            return True, Verdict("failed", *place, summary, "Fix the code")
        # A cell the baseline lacks (or could not measure either) has nothing to regress from.
        return False, Verdict("failed", *place, "fails, and not in the baseline either")
    if old is None:
        return False, Verdict("new", *place, "not in the baseline", f"Add it: {refresh}")
    if not _ok(old):
        summary = "failed in the baseline, passes now"
        return False, Verdict("fixed", *place, summary, f"Refresh the baseline: {refresh}")
    delta = cell.queries - old.queries
    figures = f"queries {old.queries} -> {cell.queries} ({delta:+d})"
    if delta > 0:
        hint = f"Fix the code, or accept with: {refresh}"
        return True, Verdict("queries", *place, figures, hint, old.queries, cell.queries)
    if delta < 0:
        hint = f"Refresh the baseline: {refresh}"
        return False, Verdict("improved", *place, figures, hint, old.queries, cell.queries)
    return None


def compare_cells(
    baseline: Sequence[Cell], current: Sequence[Cell], refresh: str
) -> tuple[list[Verdict], list[Verdict]]:
    """Regressions and notes cell by cell: more statements, newly failed, fewer, new, missing."""
    regressions: list[Verdict] = []
    notes: list[Verdict] = []
    base_by_key = {cell.key: cell for cell in baseline}
    for cell in current:
        judged = _judge_cell(cell, base_by_key.get(cell.key), refresh)
        if judged is not None:
            (regressions if judged[0] else notes).append(judged[1])
    measured = {cell.key for cell in current}
    notes.extend(
        Verdict(
            "missing", c.scenario, c.variant, c.size, c.backend, "in the baseline, not measured"
        )
        for c in baseline
        if c.key not in measured and _ok(c)
    )
    return regressions, notes


def growth_by_series(cells: Iterable[Cell]) -> dict[Series, Growth]:
    """The growth class of each scenario x variant x backend over the sizes measured."""
    counts: dict[Series, dict[int, int]] = defaultdict(dict)
    for cell in cells:
        if cell.status == "ok":
            counts[(cell.scenario, cell.variant, cell.backend)][cell.size] = cell.queries
    return {series: classify_growth(by_size) for series, by_size in counts.items()}


def _rank(growth: Growth) -> int | None:
    return GROWTH_ORDER.index(growth.verdict) if growth.verdict in GROWTH_ORDER else None


def compare_growth(
    baseline: Sequence[Cell], current: Sequence[Cell], refresh: str
) -> list[Verdict]:
    """A series whose growth class got worse (constant -> linear, ...) is a regression."""
    before = growth_by_series(baseline)
    regressions = []
    for (scenario, variant, backend), growth in growth_by_series(current).items():
        old = before.get((scenario, variant, backend))
        if old is None:
            continue
        old_rank, new_rank = _rank(old), _rank(growth)
        if old_rank is not None and new_rank is not None and new_rank > old_rank:
            summary = f"growth {old.verdict} -> {growth.verdict} ({growth.explanation})"
            hint = f"Fix the code, or accept with: {refresh}"
            verdict = Verdict("growth", scenario, variant, None, backend, summary, hint)
            regressions.append(replace(verdict, old=old.verdict, new=growth.verdict))
    return regressions


def _budget_regressions(budget: Budget, cells: Sequence[Cell]) -> list[Verdict]:
    hint = f"Fix the code, or change the budget in {budget.where}"
    found = []
    limit = budget.max_queries
    for cell in cells:
        if _ok(cell) and limit is not None and cell.queries > limit:
            place = (cell.scenario, cell.variant, cell.size, cell.backend)
            summary = f"queries {cell.queries} > budget {limit} (+{cell.queries - limit})"
            found.append(Verdict("budget", *place, summary, hint, limit, cell.queries))
    if budget.growth is None:
        return found
    allowed = GROWTH_ORDER.index(budget.growth)
    for (scenario, variant, backend), growth in growth_by_series(cells).items():
        if growth.verdict in GROWTH_ORDER and GROWTH_ORDER.index(growth.verdict) > allowed:
            summary = f"growth {growth.verdict}, budget {budget.growth} ({growth.explanation})"
            verdict = Verdict(
                "budget", scenario, variant, None, backend, summary, hint, budget.growth
            )
            found.append(replace(verdict, new=growth.verdict))
    return found


def check_budgets(
    budgets: Sequence[Budget], current: Sequence[Cell]
) -> tuple[list[Verdict], list[str]]:
    """Cells over their scenario's ``max_queries``, series past its ``growth``; and a warning
    for each budget that matches nothing in the run (a typo must not pass silently)."""
    regressions: list[Verdict] = []
    warnings: list[str] = []
    for budget in budgets:
        cells = [c for c in current if (c.scenario, c.variant) == (budget.scenario, budget.variant)]
        if cells:
            regressions += _budget_regressions(budget, cells)
        else:
            name = f"{budget.scenario}[{budget.variant}]"
            warnings.append(f"budget for {name} ({budget.where}): not measured in this run")
    return regressions, warnings
