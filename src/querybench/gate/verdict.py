"""What a check concludes: one record per regression or note, and the report that gathers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "queries",
    "growth",
    "failed",
    "budget",
    "latency",
    "improved",
    "new",
    "missing",
    "fixed",
    "fetched",
]


@dataclass(frozen=True)
class Verdict:
    """One finding of the gate about one place (scenario, variant, size or all sizes, backend).

    ``summary`` carries the old and new figures (``queries 1 -> 101 (+100)``); ``hint`` says
    how to fix or accept it. ``size`` is None when the finding covers every size.
    """

    kind: Kind
    scenario: str
    variant: str
    size: int | None
    backend: str
    summary: str
    hint: str = ""
    old: float | str | None = None
    new: float | str | None = None

    @property
    def where(self) -> str:
        """``Scenario[variant] @ N=size on backend``."""
        at = f" @ N={self.size}" if self.size is not None else ""
        return f"{self.scenario}[{self.variant}]{at} on {self.backend}"

    @property
    def line(self) -> str:
        """The whole finding as one line."""
        hint = f". {self.hint}" if self.hint else ""
        return f"{self.where}: {self.summary}{hint}"


@dataclass(frozen=True)
class LatencySummary:
    """How the latency was judged: what was compared, the noise seen, the drop allowed."""

    judged: int = 0
    single_size: int = 0
    tolerance: float = 0.0
    noise: float | None = None
    allowed_drop: float = 0.0
    worst_change: float | None = None
    worst_cell_change: float | None = None
    absolute_judged: int = 0
    absolute_skipped: int = 0
    # "speedup" (against a baseline file) or "paired" (interleaved against a base revision).
    method: str = "speedup"
    alpha: float = 0.0
    pairs: int = 0
    # Paired: where the workers ran, e.g. "both workers on CPU 0, 3 pairs of processes".
    placement: str = ""


@dataclass(frozen=True)
class CheckReport:
    """The outcome of ``querybench check``: regressions (exit 1), notes, environment warnings."""

    results_path: str
    baseline_path: str
    compared: int
    regressions: tuple[Verdict, ...] = ()
    notes: tuple[Verdict, ...] = ()
    warnings: tuple[str, ...] = ()
    latency: LatencySummary = field(default_factory=LatencySummary)

    @property
    def exit_code(self) -> int:
        """0 when nothing regressed, 1 otherwise."""
        return 1 if self.regressions else 0
