"""Edits of real results: the regressions the gate must catch, made in a copy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from querybench.runner.results import Cell, Results, write_atomic
from querybench.runner.timing import Latency


def edit(
    results: Results, scenario: str, variant: str, size: int | None = None, **changes: object
) -> Results:
    """A copy of ``results`` with ``changes`` applied to the matching cells (any size if None)."""
    return replace(
        results,
        cells=tuple(
            replace(cell, **changes)  # type: ignore[arg-type]
            if (cell.scenario, cell.variant) == (scenario, variant) and size in (None, cell.size)
            else cell
            for cell in results.cells
        ),
    )


def scaled(latency: Latency, factor: float) -> Latency:
    """``latency`` with every figure, samples included, multiplied by ``factor``."""
    return replace(
        latency,
        median=latency.median * factor,
        q1=latency.q1 * factor,
        q3=latency.q3 * factor,
        minimum=latency.minimum * factor,
        mean=latency.mean * factor,
        stdev=latency.stdev * factor,
        samples=tuple(sample * factor for sample in latency.samples),
    )


def slow_down(results: Results, scenario: str, variant: str, factor: float) -> Results:
    """A copy with one scenario's variant ``factor`` times slower at every size."""

    def change(cell: Cell) -> Cell:
        if (cell.scenario, cell.variant) != (scenario, variant) or cell.latency is None:
            return cell
        return replace(cell, latency=scaled(cell.latency, factor))

    return replace(results, cells=tuple(change(cell) for cell in results.cells))


def save(results: Results, path: Path) -> Path:
    """Write ``results`` as a results file at ``path``."""
    write_atomic(path, results.to_json())
    return path
