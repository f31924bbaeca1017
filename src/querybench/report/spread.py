"""How much each cell's latency varied between its rounds, summarised once for every renderer.

The measure is the coefficient of variation (standard deviation over mean of a cell's rounds,
:attr:`Latency.cv`). A cell under :data:`CV_LIMIT` is steady enough to compare; the summary
counts those, and names the worst of the rest. Failed cells have no latency and are not counted.
The terminal, the markdown and the HTML report all print :meth:`Spread.sentence`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from querybench.runner.results import Cell
from querybench.runner.timing import STEADY_CV, is_disturbed

CV_LIMIT = STEADY_CV
WORST_SHOWN = 3


def percent(fraction: float, decimals: int = 1) -> str:
    """``fraction`` as a percentage, truncated rather than rounded.

    Truncated so the text never crosses a threshold the number has not: a CV of 9.96% reads
    9.9% (it counts as under 10%), and 89.6% of cells reads 89%, not the 90% it falls short of.
    """
    scale = 100 * 10**decimals
    # round() first: 0.123 * 1000 is 122.99999999999999 in binary floating point.
    truncated = math.floor(round(fraction * scale, 6)) / 10**decimals
    return f"{truncated:.{decimals}f}%"


def cell_label(cell: Cell) -> str:
    """``Scenario[variant] @ N=size on backend``: a cell as the terminal names it."""
    return f"{cell.scenario}[{cell.variant}] @ N={cell.size} on {cell.backend}"


@dataclass(frozen=True)
class Spread:
    """The spread of a run's timed cells: how many are under the limit, and the worst ones."""

    timed: int
    steady: int
    worst: tuple[Cell, ...]  # the timed cells of highest CV, highest first (at most 3)
    limit: float = CV_LIMIT
    machine_noise: float | None = None  # the control loop's CV (Environment.machine_noise)
    remeasured: int = 0  # timed cells whose first measurement was disturbed and taken again

    @property
    def noisy(self) -> int:
        """Timed cells whose CV is at or over the limit."""
        return self.timed - self.steady

    @property
    def limit_text(self) -> str:
        """The limit as the reader sees it: ``10%``."""
        return percent(self.limit, 0)

    @property
    def share(self) -> float | None:
        """The fraction of timed cells under the limit (None when nothing was timed)."""
        return self.steady / self.timed if self.timed else None

    def sentence(self) -> str:
        """One line: the share of timed cells under the limit, the worst cells over it, how
        many were measured again, and the machine's own noise when it was measured."""
        parts = [self._cells_sentence()]
        if self.remeasured:
            cells = "cell was" if self.remeasured == 1 else "cells were"
            parts.append(
                f"{self.remeasured} {cells} measured again after a disturbed attempt "
                f"(CV {self.limit_text} or more; the last attempt is kept)."
            )
        if self.machine_noise is not None:
            parts.append(
                "The machine's own noise (a CPU-bound control loop timed the same way, before "
                f"the first cell): CV {percent(self.machine_noise)}."
            )
        return " ".join(parts)

    def _cells_sentence(self) -> str:
        limit = self.limit_text
        if not self.timed:
            return "Spread: no cell was timed, so there is no coefficient of variation to report."
        if not self.noisy:
            highest = self.worst[0]
            return (
                f"Spread: coefficient of variation under {limit} in every timed cell "
                f"({self.timed}); the highest: {_named(highest)}."
            )
        share = percent(self.steady / self.timed, 0)
        over = self.worst[: self.noisy]
        which = ", the worst" if self.noisy > len(over) else ""
        return (
            f"Spread: coefficient of variation under {limit} in {self.steady} of {self.timed} "
            f"timed cells ({share}); {self.noisy} at {limit} or more{which}: "
            f"{', '.join(_named(cell) for cell in over)}."
        )


def _cv(cell: Cell) -> float:
    return cell.latency.cv if cell.latency is not None else 0.0


def _named(cell: Cell) -> str:
    return f"{cell_label(cell)} {percent(_cv(cell))}"


def timed_cells(cells: Sequence[Cell]) -> list[Cell]:
    """The cells with a latency (failed cells have none), in run order."""
    return [cell for cell in cells if cell.latency is not None]


def spread_summary(
    cells: Sequence[Cell], *, limit: float = CV_LIMIT, machine_noise: float | None = None
) -> Spread:
    """Count the timed cells under ``limit`` and pick the worst (ties keep the run's order);
    ``machine_noise`` is the run's control figure, quoted beside them."""
    timed = timed_cells(cells)
    # reverse=True keeps the sort stable: equal CVs stay in the order they were measured.
    ranked = sorted(timed, key=_cv, reverse=True)
    return Spread(
        timed=len(timed),
        steady=sum(not is_disturbed(_cv(cell), limit) for cell in timed),
        worst=tuple(ranked[:WORST_SHOWN]),
        limit=limit,
        machine_noise=machine_noise,
        remeasured=sum(cell.latency.attempts > 1 for cell in timed if cell.latency is not None),
    )
