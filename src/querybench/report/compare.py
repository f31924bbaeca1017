"""Per-cell changes against a baseline, for the report (the gate is ``querybench check``).

Statement counts are exact, so any increase is a regression. Latency measured in two runs is
noisy, so a cell is only called slower (or faster) when its median moved by more than the
tolerance *and* the two runs' interquartile ranges do not overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from querybench.runner.results import Cell
from querybench.runner.timing import Latency

ChangeStatus = Literal["regression", "missing", "new", "improved", "unchanged"]
ORDER: tuple[ChangeStatus, ...] = ("regression", "missing", "new", "improved", "unchanged")
LATENCY_TOLERANCE = 0.25


@dataclass(frozen=True)
class CellChange:
    """One cell's queries and latency in the baseline and now, and the verdict with its reasons."""

    scenario: str
    variant: str
    size: int
    backend: str
    status: ChangeStatus
    reasons: tuple[str, ...]
    base_queries: int | None
    queries: int | None
    base_median: float | None
    median: float | None

    @property
    def latency_ratio(self) -> float | None:
        """Median now over median in the baseline (above 1: slower)."""
        if self.median is None or not self.base_median:
            return None
        return self.median / self.base_median


def _median(cell: Cell | None) -> float | None:
    if cell is None or cell.status != "ok" or cell.latency is None:
        return None
    return cell.latency.median


def _latency_verdict(base: Latency, now: Latency, tolerance: float) -> str:
    """'slower', 'faster' or '' (a move within the tolerance or the noise)."""
    if not base.median:
        return ""
    ratio = now.median / base.median
    if ratio > 1 + tolerance and now.q1 > base.q3:
        return "slower"
    if ratio < 1 / (1 + tolerance) and now.q3 < base.q1:
        return "faster"
    return ""


def _judge(base: Cell, now: Cell, tolerance: float) -> tuple[ChangeStatus, tuple[str, ...]]:
    if now.status != "ok":
        return "regression", (f"failed: {now.error}" if base.status == "ok" else "still failing",)
    if base.status != "ok":
        return "improved", ("fixed: the baseline cell failed",)
    worse: list[str] = []
    better: list[str] = []
    if now.queries != base.queries:
        delta = now.queries - base.queries
        text = f"{abs(delta)} {'more' if delta > 0 else 'fewer'} statements"
        (worse if delta > 0 else better).append(text)
    if base.latency is not None and now.latency is not None:
        verdict = _latency_verdict(base.latency, now.latency, tolerance)
        ratio = now.latency.median / base.latency.median if base.latency.median else 0.0
        if verdict == "slower":
            worse.append(f"{ratio:.2f}x slower")
        elif verdict == "faster":
            better.append(f"{1 / ratio:.2f}x faster")
    if worse:
        return "regression", tuple(worse + better)
    return ("improved", tuple(better)) if better else ("unchanged", ())


def compare(
    baseline: Sequence[Cell], current: Sequence[Cell], *, tolerance: float = LATENCY_TOLERANCE
) -> list[CellChange]:
    """Every cell of either run with its change; regressions first, then missing, new, improved."""
    base_by_key = {cell.key: cell for cell in baseline}
    now_by_key = {cell.key: cell for cell in current}
    changes = []
    for key in dict.fromkeys([*now_by_key, *base_by_key]):
        base, now = base_by_key.get(key), now_by_key.get(key)
        status: ChangeStatus
        reasons: tuple[str, ...]
        if base is None:
            status, reasons = "new", ("not in the baseline",)
        elif now is None:
            status, reasons = "missing", ("in the baseline, not in this run",)
        else:
            status, reasons = _judge(base, now, tolerance)
        scenario, variant, size, backend = key
        changes.append(
            CellChange(
                scenario=scenario,
                variant=variant,
                size=size,
                backend=backend,
                status=status,
                reasons=reasons,
                base_queries=base.queries if base is not None and base.status == "ok" else None,
                queries=now.queries if now is not None and now.status == "ok" else None,
                base_median=_median(base),
                median=_median(now),
            )
        )
    # A stable sort keeps the run's own order within each status.
    return sorted(changes, key=lambda change: ORDER.index(change.status))
