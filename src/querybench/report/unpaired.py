"""Scenarios the before/after table cannot show: those without a naive/eager pair.

A single-variant scenario ("the code as it is") or one whose variants have other names is
still measured, counted and gated; this table gives its statements, median latency and growth
per variant and size, so a user suite of such scenarios prints more than an empty table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from querybench.recorder.growth import classify_growth
from querybench.runner.results import Cell


@dataclass(frozen=True)
class UnpairedRow:
    """One variant of an unpaired scenario at one size on one backend."""

    scenario: str
    variant: str
    size: int
    backend: str
    queries: int
    median: float | None
    growth: str


def unpaired_rows(cells: Sequence[Cell]) -> list[UnpairedRow]:
    """Rows for every ok cell of a scenario that has no naive or no eager cell on its backend."""
    variants: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)
    for cell in cells:
        variants[(cell.scenario, cell.backend)].add(cell.variant)
        if cell.status == "ok":
            counts[(cell.scenario, cell.variant, cell.backend)][cell.size] = cell.queries
    growth = {key: classify_growth(sizes).verdict for key, sizes in counts.items()}
    return [
        UnpairedRow(
            cell.scenario,
            cell.variant,
            cell.size,
            cell.backend,
            cell.queries,
            cell.latency.median if cell.latency else None,
            growth.get((cell.scenario, cell.variant, cell.backend), "unknown"),
        )
        for cell in cells
        if cell.status == "ok" and not {"naive", "eager"} <= variants[(cell.scenario, cell.backend)]
    ]
