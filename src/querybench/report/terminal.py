"""The run's before/after table and findings, for the terminal (rich)."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from querybench.report.headline import HeadlineRow, headline
from querybench.report.spread import spread_summary
from querybench.report.unpaired import UnpairedRow, unpaired_rows
from querybench.runner.results import Cell


def duration(seconds: float | None) -> str:
    """A latency in the unit that reads best: µs, ms or s."""
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def times(ratio: float | None) -> str:
    """A ratio as ``12.3x``."""
    return "-" if ratio is None else f"{ratio:.1f}x"


def headline_table(rows: Sequence[HeadlineRow], title: str) -> Table:
    """The seed-shaped before/after table (one backend)."""
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    right = {"N", "naive q", "eager q", "fewer", "naive", "eager", "speedup", "eager/floor"}
    for name in (
        "operation", "N", "naive q", "eager q", "fewer", "naive", "eager", "speedup",
        "best loader", "growth naive -> eager", "eager/floor",
    ):  # fmt: skip
        table.add_column(name, justify="right" if name in right else "left", no_wrap=True)
    for row in rows:
        table.add_row(
            row.scenario,
            str(row.size),
            str(row.naive_queries),
            str(row.eager_queries),
            times(row.reduction),
            duration(row.naive_median),
            duration(row.eager_median),
            times(row.speedup),
            row.best_strategy,
            f"{row.naive_growth} -> {row.eager_growth}",
            times(row.floor_ratio),
        )
    return table


def unpaired_table(rows: Sequence[UnpairedRow], title: str) -> Table:
    """Statements, median latency and growth of the scenarios without a naive/eager pair."""
    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("operation", "variant", "N", "queries", "median", "growth"):
        right = name in {"N", "queries", "median"}
        table.add_column(name, justify="right" if right else "left", no_wrap=True)
    for row in rows:
        table.add_row(
            row.scenario, row.variant, str(row.size), str(row.queries), duration(row.median),
            row.growth,
        )  # fmt: skip
    return table


def claims_table(rows: Sequence[HeadlineRow]) -> Table | None:
    """The seed's claims beside the measured counts (naive and the seed's joinedload)."""
    claimed = [row for row in rows if row.claim]
    if not claimed:
        return None
    table = Table(
        title="The seed's claims, measured", title_justify="left", header_style="bold",
        box=box.SIMPLE_HEAD,
    )  # fmt: skip
    for name in ("seed says", "operation measured", "N", "measured naive -> joined", "verdict"):
        table.add_column(name, no_wrap=name != "seed says")
    for row in claimed:
        verdict = {True: "holds", False: "[bold red]wrong[/]", None: "not measured"}
        table.add_row(
            row.claim,
            row.scenario,
            str(row.size),
            f"{row.naive_queries} -> {row.joined_queries}" if row.joined_queries else "-",
            verdict[row.claim_holds],
        )
    return table


def print_summary(
    console: Console,
    cells: Sequence[Cell],
    *,
    findings_shown: int = 8,
    machine_noise: float | None = None,
) -> None:
    """Print the headline table, the measurement spread (with the run's ``machine_noise``),
    failed cells and the first findings."""
    rows = headline(cells)
    for backend in dict.fromkeys(row.backend for row in rows):
        title = f"Before / after on {backend} (statements, median latency; measured in this run)"
        console.print(headline_table([row for row in rows if row.backend == backend], title))
    unpaired = unpaired_rows(cells)
    for backend in dict.fromkeys(row.backend for row in unpaired):
        title = f"Measured as is on {backend} (no naive/eager pair; statements, median latency)"
        chosen = [row for row in unpaired if row.backend == backend]
        console.print(unpaired_table(chosen, title), markup=False)
    claims = claims_table(rows)
    if claims is not None:
        console.print(claims)
    # One logical line (soft_wrap), so a CI log can be searched for it; the terminal wraps it.
    console.print(
        f"{spread_summary(cells, machine_noise=machine_noise).sentence()} "
        "Every cell's CV is in results.csv and report.html.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    failed = [cell for cell in cells if cell.status != "ok"]
    for cell in failed:
        # Plain text: scenario names and error messages contain brackets of their own.
        console.print(
            f"failed {cell.scenario}[{cell.variant}] @ N={cell.size} on {cell.backend}: "
            f"{cell.error}",
            markup=False,
            highlight=False,
            style="red",
        )
    seen: set[tuple[str, str]] = set()
    shown = 0
    for cell in cells:
        for finding in cell.findings:
            if (cell.scenario, finding.target) in seen or shown >= findings_shown:
                continue
            seen.add((cell.scenario, finding.target))
            shown += 1
            console.print(
                f"N+1 in {cell.scenario}[{cell.variant}]: {finding.kind} of {finding.target}, "
                f"{finding.repeats} statements at {finding.callsite or 'unknown call site'}; "
                f"fix: {finding.fix}",
                highlight=False,
                markup=False,
            )
