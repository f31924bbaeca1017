"""What ``explore`` found, per relationship: the loader matrix and the measured best strategy.

For each relationship and strategy: statements, median latency and rows fetched at every N,
the growth of statements from the smallest N to the largest, and the strategy fastest at the
largest N (fewest statements breaking a tie), with the option to paste.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich import box
from rich.console import Console, Group
from rich.table import Table

from querybench.report.terminal import duration
from querybench.runner.job import RunOptions
from querybench.runner.results import Cell
from querybench.suites.explore import OPTION_NAMES, Exploration
from querybench.suites.suite import DEFAULT_SIZES


@dataclass(frozen=True)
class Verdict:
    """The measured best strategy of one relationship at the largest N."""

    relationship: str
    size: int
    strategy: str
    median: float
    queries: int
    option: str
    proven: bool


def verdicts(found: Exploration, cells: Sequence[Cell]) -> list[Verdict]:
    """The best strategy of every explored relationship that has measured cells."""
    out: list[Verdict] = []
    for name in found.relationships:
        mine = [c for c in cells if c.scenario == name and c.status == "ok" and c.latency]
        if not mine:
            continue
        largest = max(c.size for c in mine)
        at = [c for c in mine if c.size == largest]
        best = min(at, key=lambda c: (c.latency.median if c.latency else 0.0, c.queries))
        option = (
            f"{OPTION_NAMES[best.variant]}({name})"
            if best.variant in OPTION_NAMES
            else f"the mapping's own loader for {name} (no option)"
        )
        proofs = found.proofs.get(name, {})
        out.append(
            Verdict(
                relationship=name,
                size=largest,
                strategy=best.variant,
                median=best.latency.median if best.latency else 0.0,
                queries=best.queries,
                option=option,
                proven=bool(proofs) and all(proofs.values()),
            )
        )
    return out


def growth(counts: dict[int, int]) -> str:
    """Statements from the smallest N to the largest: ``constant`` or ``a -> b``."""
    sizes = sorted(counts)
    first, last = counts[sizes[0]], counts[sizes[-1]]
    return "constant" if first == last else f"{first} -> {last}"


def matrix(found: Exploration, cells: Sequence[Cell], name: str) -> Table:
    """One relationship's strategies by N: statements, median latency, rows fetched."""
    mine = [c for c in cells if c.scenario == name]
    sizes = sorted({c.size for c in mine})
    table = Table(title=name, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("strategy", no_wrap=True)
    for size in sizes:
        table.add_column(f"N={size}", justify="right", no_wrap=True)
    table.add_column("statements", no_wrap=True)
    for variant in dict.fromkeys(c.variant for c in mine):
        row = [variant]
        counts: dict[int, int] = {}
        for size in sizes:
            cell = next((c for c in mine if c.variant == variant and c.size == size), None)
            if cell is None or cell.status != "ok":
                row.append("failed" if cell is not None else "-")
                continue
            counts[size] = cell.queries
            median = cell.latency.median if cell.latency else None
            row.append(f"{cell.queries} q · {duration(median)} · {cell.rows} rows")
        row.append(growth(counts) if counts else "-")
        table.add_row(*row)
    return table


def print_exploration(console: Console, found: Exploration, cells: Sequence[Cell]) -> None:
    """Every relationship's matrix, then the best strategy of each with the option to paste."""
    parts: list[object] = [matrix(found, cells, name) for name in found.relationships]
    best = Table(
        title="best loader per relationship (fastest at the largest N)",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for column in ("relationship", "N", "best", "statements", "median", "raiseload", "paste"):
        best.add_column(column, no_wrap=column != "paste")
    for verdict in verdicts(found, cells):
        best.add_row(
            verdict.relationship,
            str(verdict.size),
            verdict.strategy,
            str(verdict.queries),
            duration(verdict.median),
            "raised: touched" if verdict.proven else "did not raise",
            f".options({verdict.option})" if verdict.strategy in OPTION_NAMES else verdict.option,
        )
    parts.append(best)
    for note in found.skipped:
        parts.append(f"skipped {note}")
    console.print(Group(*parts))  # type: ignore[arg-type]


def run_exploration(models_ref: str, options: RunOptions, spec_path: Path | None = None) -> int:
    """``querybench explore``: build the generated suite, run it as ``run`` would, print the
    per-relationship matrix and verdicts; returns the exit status."""
    import sys

    from querybench.cli_run import run_with_progress
    from querybench.runner.job import RunState
    from querybench.suites.explore import explore, load_models

    models = load_models(models_ref)
    found = explore(models, sizes=options.sizes or DEFAULT_SIZES, spec_path=spec_path)
    state = RunState()
    exit_code = run_with_progress(options, state, [found.suite])
    if state.results is not None:
        console = Console(width=None if sys.stdout.isatty() else 200)
        print_exploration(console, found, state.results.cells)
    return exit_code
