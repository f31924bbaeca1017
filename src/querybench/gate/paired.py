"""Latency from an interleaved comparison: paired rounds of the base (A) and the working tree (B).

Round i of A and round i of B ran back to back (A first in even pairs, B first in odd ones), so
whatever slowed the machine at that moment slowed both: the pair's log ratio log(B/A) cancels
it. A cell is slower when a one-sided Wilcoxon signed-rank test rejects "B/A is at most
1 + min_effect" (the log ratios minus log(1 + min_effect) are tested for a positive median):
the minimum effect is inside the null hypothesis, so a real but tiny difference does not flap,
and the decision needs no naive variant as a control. The p-values of every cell judged in the
run are corrected together with Holm's step-down method, so ``alpha`` bounds the chance of any
false alarm in the whole run, not per cell. Faster cells are found the same way, as notes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from querybench.gate.verdict import LatencySummary, Verdict
from querybench.runner.results import Cell

ALPHA = 0.05
MIN_EFFECT = 0.10
MIN_PAIRS = 6


@dataclass(frozen=True)
class PairedChange:
    """One cell's paired rounds summarised: the median ratio B/A and both one-sided p-values."""

    key: tuple[str, str, int, str]
    ratio: float
    p_slower: float
    p_faster: float
    pairs: int


def signed_rank_p(differences: Sequence[float], alternative: Literal["greater", "less"]) -> float:
    """One-sided Wilcoxon signed-rank p-value (``greater``: the differences lean positive).

    Exact: the permutation distribution of the positive rank sum, counted over every sign
    assignment of the ranks (ties get average ranks, zeros are dropped), as scipy's exact
    method does. Written here because importing ``scipy.stats`` costs seconds of every CI run;
    the tests check it against scipy. All-zero differences prove nothing (p = 1).
    """
    nonzero = [value for value in differences if value != 0]
    if not nonzero:
        return 1.0
    order = sorted(range(len(nonzero)), key=lambda index: abs(nonzero[index]))
    doubled = [0] * len(nonzero)  # twice the average ranks: whole numbers even with ties
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and abs(nonzero[order[end + 1]]) == abs(nonzero[order[start]]):
            end += 1
        for position in range(start, end + 1):
            doubled[order[position]] = start + end + 2
        start = end + 1
    # ways[s]: how many sign assignments give a positive (doubled) rank sum of s.
    ways = [1] + [0] * sum(doubled)
    for rank in doubled:
        for total in range(len(ways) - 1, rank - 1, -1):
            ways[total] += ways[total - rank]
    positive = sum(rank for rank, value in zip(doubled, nonzero, strict=True) if value > 0)
    if alternative == "less":
        positive = sum(doubled) - positive  # the negative rank sum, tested the same way
    return sum(ways[positive:]) / (1 << len(nonzero))


def paired_change(
    key: tuple[str, str, int, str],
    base: Sequence[float],
    head: Sequence[float],
    min_effect: float = MIN_EFFECT,
) -> PairedChange | None:
    """The paired summary of one cell's rounds; None when too few usable pairs."""
    logs = [math.log(b / a) for a, b in zip(base, head, strict=False) if a > 0 and b > 0]
    if len(logs) < MIN_PAIRS:
        return None
    shift = math.log1p(min_effect)
    return PairedChange(
        key=key,
        ratio=math.exp(statistics.median(logs)),
        p_slower=signed_rank_p([d - shift for d in logs], "greater"),
        p_faster=signed_rank_p([d + shift for d in logs], "less"),
        pairs=len(logs),
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given."""
    order = sorted(range(len(p_values)), key=lambda index: p_values[index])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    count = len(p_values)
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _samples(cell: Cell | None) -> tuple[float, ...]:
    if cell is None or cell.status != "ok" or cell.latency is None:
        return ()
    return cell.latency.samples


def judge_paired(
    base: Sequence[Cell],
    head: Sequence[Cell],
    *,
    alpha: float = ALPHA,
    min_effect: float = MIN_EFFECT,
    hint: str = "",
) -> tuple[list[Verdict], list[Verdict], LatencySummary]:
    """Slower cells (regressions), faster ones (notes), and how the latency was judged."""
    by_key = {cell.key: cell for cell in base}
    changes = []
    for cell in head:
        change = paired_change(cell.key, _samples(by_key.get(cell.key)), _samples(cell), min_effect)
        if change is not None:
            changes.append(change)
    slower = holm([change.p_slower for change in changes])
    faster = holm([change.p_faster for change in changes])
    regressions: list[Verdict] = []
    notes: list[Verdict] = []
    for change, p_slow, p_fast in zip(changes, slower, faster, strict=True):
        figures = (
            f"latency {change.ratio:.2f}x the base's (median of {change.pairs} paired rounds; "
            f"Wilcoxon signed-rank against {1 + min_effect:.2f}x, Holm-adjusted p="
        )
        if p_slow < alpha:
            summary = f"{figures}{p_slow:.2g})"
            regressions.append(Verdict("latency", *change.key, summary, hint, 1.0, change.ratio))
        elif p_fast < alpha:
            summary = f"{figures}{p_fast:.2g})"
            notes.append(Verdict("improved", *change.key, summary, "", 1.0, change.ratio))
    worst = max((change.ratio for change in changes), default=None)
    overview = LatencySummary(
        judged=len(changes),
        tolerance=min_effect,
        allowed_drop=min_effect,
        worst_change=None if worst is None else worst - 1,
        worst_cell_change=None if worst is None else worst - 1,
        method="paired",
        alpha=alpha,
        pairs=max((change.pairs for change in changes), default=0),
    )
    return regressions, notes, overview
