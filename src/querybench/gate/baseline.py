"""Baselines: a results file, trimmed and committed, that ``querybench check`` compares with.

A baseline *is* a results file (same schema, read by the same reader): its environment block
says what it was measured on, and every cell keeps its counts, its latency summary and its round
samples. Made from several runs, each cell comes from the run where it was fastest. Only what
the gate never reads is dropped (statement groups and N+1 findings), and each sample list is
written on one line, so that the committed file stays small and diffable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from querybench.errors import ResultsError
from querybench.runner.results import Cell, Environment, Results, read_results, write_atomic


def trimmed(results: Results) -> Results:
    """``results`` without what the gate does not read."""
    cells = tuple(replace(cell, statements=(), findings=()) for cell in results.cells)
    return replace(results, cells=cells)


def baseline_json(results: Results) -> str:
    """The baseline's text: the results JSON, with each cell's samples on one line."""
    data = asdict(trimmed(results))
    lines: dict[str, str] = {}
    for number, cell in enumerate(data["cells"]):
        if cell["latency"] is not None:
            # A placeholder string now, the one-line list after indenting the rest.
            token = f"\u0000samples {number}"
            lines[json.dumps(token)] = json.dumps(cell["latency"]["samples"])
            cell["latency"]["samples"] = token
    text = json.dumps(data, indent=1, sort_keys=True)
    for token, samples in lines.items():
        text = text.replace(token, samples, 1)
    return text + "\n"


def _finished(path: Path) -> Results:
    results = read_results(path)
    if results.partial:
        raise ResultsError(
            f"{path}: an interrupted (partial) run; finish a run before making it a baseline"
        )
    if not results.cells:
        raise ResultsError(f"{path}: no cells to make a baseline of")
    return results


def _fastest_first(cell: Cell) -> tuple[int, float]:
    """Sort key: measured cells first, then by their fastest round."""
    if cell.status != "ok" or cell.latency is None:
        return (1, 0.0)
    return (0, cell.latency.minimum)


def merged(runs: Sequence[tuple[Path, Results]]) -> Results:
    """One baseline from several runs of the same tree: each cell from the run where it was
    fastest. Contention only ever adds time, so the fastest run of a cell is its least disturbed
    one, and a baseline of several runs is not stuck with one run's unlucky moment. Counts are
    exact, so runs that disagree on one are not runs of the same code: that is an error."""
    first_path, first = runs[0]
    keys = [cell.key for cell in first.cells]
    by_key: dict[tuple[str, str, int, str], list[Cell]] = {key: [] for key in keys}
    for path, results in runs:
        measured = {cell.key: cell for cell in results.cells}
        if set(measured) != set(keys):
            raise ResultsError(f"{path}: measured other cells than {first_path}; run the same set")
        for key in keys:
            by_key[key].append(measured[key])
    chosen = []
    for key, cells in by_key.items():
        counts = {cell.queries for cell in cells if cell.status == "ok"}
        if len(counts) > 1:
            scenario, variant, size, backend = key
            raise ResultsError(
                f"{scenario}[{variant}] @ N={size} on {backend}: the runs disagree on the "
                f"query count ({', '.join(map(str, sorted(counts)))}); were they of one tree?"
            )
        chosen.append(min(cells, key=_fastest_first))
    return replace(runs[-1][1], cells=tuple(chosen))


def write_baseline(results_paths: Sequence[Path], baseline_path: Path) -> Results:
    """Write (or refresh) ``baseline_path`` from one or more finished runs, atomically."""
    if not results_paths:
        raise ResultsError("querybench baseline: give at least one results file")
    runs = [(path, _finished(path)) for path in results_paths]
    baseline = merged(runs) if len(runs) > 1 else runs[0][1]
    write_atomic(baseline_path, baseline_json(baseline))
    return baseline


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _backends(environment: Environment) -> str:
    return (
        ", ".join(f"{b.name} {b.server_version}".strip() for b in environment.backends)
        or "unknown backend"
    )


def environment_differences(baseline: Environment, current: Environment) -> list[str]:
    """One line per difference that makes the comparison doubtful (backend, SQLAlchemy, data)."""
    found = []
    if {b.name for b in baseline.backends} != {b.name for b in current.backends}:
        found.append(
            f"the baseline was measured on {_backends(baseline)}, this run on {_backends(current)}"
        )
    if _major_minor(baseline.sqlalchemy) != _major_minor(current.sqlalchemy):
        found.append(
            f"the baseline was measured with SQLAlchemy {baseline.sqlalchemy}, "
            f"this run with {current.sqlalchemy}"
        )
    if baseline.dataset != current.dataset:
        found.append(
            f"the baseline used dataset {baseline.dataset!r}, this run {current.dataset!r}"
        )
    elif baseline.dataset_digest != current.dataset_digest:
        found.append(
            f"dataset {current.dataset!r} changed since the baseline (digest "
            f"{baseline.dataset_digest[:12]} -> {current.dataset_digest[:12]}); counts may move"
        )
    return found
