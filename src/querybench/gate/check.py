"""``querybench check`` as a function: read both files and the budgets, judge, gather a report."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from querybench.errors import QuerybenchError, ResultsError
from querybench.gate.baseline import environment_differences
from querybench.gate.budgets import load_budgets
from querybench.gate.counts import check_budgets, compare_cells, compare_growth
from querybench.gate.latency import compare_absolute, compare_speedups
from querybench.gate.verdict import CheckReport, Verdict
from querybench.runner.results import read_results

DEFAULT_TOLERANCE = 0.25


@dataclass(frozen=True)
class CheckOptions:
    """How to judge: the latency tolerance, absolute latencies or not, where budgets come from."""

    tolerance: float = DEFAULT_TOLERANCE
    absolute: bool = False
    config: Path | None = None
    cwd: Path | None = None


def parse_tolerance(text: str) -> float:
    """``25%`` or ``25`` (percent) as a fraction; a bad value is one QuerybenchError line."""
    number = text.strip().removesuffix("%").strip()
    try:
        value = float(number) / 100
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise QuerybenchError(f"--tolerance: expected a percentage between 0 and 100, got {text!r}")
    return value


def check(results_path: Path, baseline_path: Path, options: CheckOptions) -> CheckReport:
    """Compare a run with its baseline and the configured budgets; the caller renders the report.

    Unusable input (unreadable or malformed files, bad budgets, nothing in common) raises a
    ``QuerybenchError`` with one line: the command line turns it into exit status 2.
    """
    budgets = load_budgets(options.config, cwd=options.cwd)
    baseline = read_results(baseline_path)
    results = read_results(results_path)
    if not results.cells:
        raise ResultsError(f"{results_path}: no cells to check (the run measured nothing)")
    keys = {cell.key for cell in baseline.cells}
    compared = sum(1 for cell in results.cells if cell.key in keys)
    if not compared:
        backends = sorted({cell.backend for cell in results.cells})
        base_backends = sorted({cell.backend for cell in baseline.cells})
        raise ResultsError(
            f"{results_path}: no cell matches the baseline {baseline_path} (this run: "
            f"{', '.join(backends)}; baseline: {', '.join(base_backends) or 'empty'}); "
            "compare with the baseline of the same backend"
        )
    refresh = f"querybench baseline {results_path} -o {baseline_path}"
    warnings = environment_differences(baseline.environment, results.environment)
    if results.partial:
        warnings.append(f"{results_path} is a partial (interrupted) run")
    regressions, notes = compare_cells(baseline.cells, results.cells, refresh)
    regressions += compare_growth(baseline.cells, results.cells, refresh)
    budget_regressions, budget_warnings = check_budgets(budgets, results.cells)
    regressions += budget_regressions
    warnings += budget_warnings
    slower, faster, latency = compare_speedups(
        baseline.cells, results.cells, options.tolerance, refresh
    )
    regressions += slower
    notes += faster
    if options.absolute:
        absolute, judged, skipped = compare_absolute(
            baseline.cells, results.cells, options.tolerance, refresh
        )
        regressions += absolute
        latency = replace(latency, absolute_judged=judged, absolute_skipped=skipped)
        if skipped:
            warnings.append(
                f"--absolute: {skipped} cells have fewer than 5 round samples on one side "
                "and were not judged; refresh the baseline with this querybench"
            )
    return CheckReport(
        results_path=str(results_path),
        baseline_path=str(baseline_path),
        compared=compared,
        regressions=tuple(regressions),
        notes=tuple(_ordered(notes)),
        warnings=tuple(warnings),
        latency=latency,
    )


def _ordered(notes: list[Verdict]) -> list[Verdict]:
    order = ("improved", "fixed", "new", "failed", "missing")
    return sorted(notes, key=lambda note: order.index(note.kind) if note.kind in order else 99)
