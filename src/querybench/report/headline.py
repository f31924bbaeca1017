"""The before/after table in the seed's shape, computed from a results table.

One row per scenario, size and backend: naive and eager statement counts, the reduction,
naive and eager median latency, the speedup, the fastest loader strategy, how the counts grow
over the run's sizes, how far eager is above the raw floor, and the seed's claim where it makes
one, marked when the measurement disagrees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from querybench.recorder.growth import classify_growth
from querybench.report.claims import claim_for
from querybench.runner.results import Cell

LOADER_VARIANTS = ("joined", "selectin", "subquery")


@dataclass(frozen=True)
class HeadlineRow:
    """One operation at one size on one backend, before and after."""

    scenario: str
    size: int
    backend: str
    naive_queries: int
    eager_queries: int
    naive_median: float | None
    eager_median: float | None
    best_strategy: str
    naive_growth: str
    eager_growth: str
    floor_ratio: float | None
    claim: str
    claim_holds: bool | None
    joined_queries: int | None

    @property
    def reduction(self) -> float | None:
        """How many times fewer statements eager emits."""
        return self.naive_queries / self.eager_queries if self.eager_queries else None

    @property
    def speedup(self) -> float | None:
        """Naive median over eager median, both measured in this run."""
        if self.naive_median is None or not self.eager_median:
            return None
        return self.naive_median / self.eager_median


def _growth(cells: Sequence[Cell]) -> dict[tuple[str, str, str], str]:
    counts: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)
    for cell in cells:
        if cell.status == "ok":
            counts[(cell.scenario, cell.variant, cell.backend)][cell.size] = cell.queries
    return {key: classify_growth(sizes).verdict for key, sizes in counts.items()}


def headline(cells: Sequence[Cell]) -> list[HeadlineRow]:
    """The before/after rows of every scenario that has both a naive and an eager cell."""
    by_key = {cell.key: cell for cell in cells}
    growth = _growth(cells)
    rows = []
    groups = dict.fromkeys((c.scenario, c.size, c.backend) for c in cells)
    for scenario, size, backend in groups:
        naive = by_key.get((scenario, "naive", size, backend))
        eager = by_key.get((scenario, "eager", size, backend))
        if naive is None or eager is None or naive.status != "ok" or eager.status != "ok":
            continue
        loaders = [by_key.get((scenario, name, size, backend)) for name in LOADER_VARIANTS]
        timed = [(c.latency.median, c.variant) for c in loaders if c is not None and c.latency]
        best = min(timed)[1] if timed else ""
        raw = by_key.get((scenario, "raw", size, backend))
        floor = None
        if raw is not None and raw.latency and eager.latency and raw.latency.median:
            floor = eager.latency.median / raw.latency.median
        claim = claim_for(scenario, size)
        joined = by_key.get((scenario, "joined", size, backend))
        holds = None
        if claim is not None and joined is not None and joined.status == "ok":
            holds = (naive.queries, joined.queries) == (claim.naive(size), claim.joined(size))
        rows.append(
            HeadlineRow(
                scenario=scenario,
                size=size,
                backend=backend,
                naive_queries=naive.queries,
                eager_queries=eager.queries,
                naive_median=naive.latency.median if naive.latency else None,
                eager_median=eager.latency.median if eager.latency else None,
                best_strategy=best,
                naive_growth=growth.get((scenario, "naive", backend), "unknown"),
                eager_growth=growth.get((scenario, "eager", backend), "unknown"),
                floor_ratio=floor,
                claim=claim.quote if claim else "",
                claim_holds=holds,
                joined_queries=joined.queries if joined is not None else None,
            )
        )
    return rows
