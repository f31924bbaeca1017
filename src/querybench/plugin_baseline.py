"""The N+1 baseline: a suite with known findings turns the check on without a red build.

``--querybench-baseline=FILE`` (ini ``querybench_baseline``) names a file of known findings
per test. With it, N+1 checks are on (``fail`` unless ``--querybench-nplusone`` says ``warn``)
and only findings not in the file fail; the end of the run lists the findings in the file that
no longer occur, so the file shrinks. ``--querybench-baseline-write`` records every test and
rewrites the file from what the run found (tests the run did not reach keep their entries);
nothing fails for N+1 in that run.

A finding's key is ``kind:subject@file::function`` (``lazy_load:Author.posts@app/views.py::
list_authors``): the call site's file and function, not its line, which moves with every edit
above it. Two findings of one kind and subject in one function of one test share a key (lazy
loads are grouped by relationship already). The tests run in workers under xdist; each call
report carries its findings (``user_properties``) to the controller, the one process that
writes the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from querybench.plugin_files import read_baseline, write_baseline

RUN_PROPERTY = "querybench_run"
"""The ``user_properties`` key of a test's run: its findings, statement count and budget."""


@dataclass
class Baseline:
    """The baseline file and what it holds; ``written`` is set once the run rewrote it."""

    path: Path
    write: bool
    known: dict[str, frozenset[str]]
    written: int | None = None


BASELINE = pytest.StashKey[Baseline]()
RUNS = pytest.StashKey[dict[str, dict[str, Any]]]()
"""Each recorded test's run data, gathered from the call reports (the controller's, under xdist)."""


def add_options(group: Any, parser: pytest.Parser) -> None:
    """``--querybench-baseline``, its ini twin, and ``--querybench-baseline-write``."""
    group.addoption(
        "--querybench-baseline",
        dest="querybench_baseline",
        default=None,
        metavar="FILE",
        help="A file of known N+1 findings: only findings not in it fail (N+1 checks on). "
        "Overrides the querybench_baseline ini setting.",
    )
    parser.addini("querybench_baseline", "A file of known N+1 findings (see --querybench-baseline)")
    group.addoption(
        "--querybench-baseline-write",
        dest="querybench_baseline_write",
        action="store_true",
        help="Rewrite the --querybench-baseline file from this run's findings (none fails).",
    )


def configure(config: pytest.Config) -> Baseline | None:
    """Read the baseline named by the option or ini setting; None when there is none."""
    name = config.getoption("querybench_baseline") or str(config.getini("querybench_baseline"))
    write = bool(config.getoption("querybench_baseline_write"))
    if not name.strip():
        if write:
            raise pytest.UsageError(
                "querybench: --querybench-baseline-write needs --querybench-baseline=FILE"
            )
        return None
    path = Path(config.rootpath, name.strip())
    baseline = Baseline(path, write, read_baseline(path, missing_ok=write))
    config.stash[BASELINE] = baseline
    return baseline


def known_for(config: pytest.Config, nodeid: str) -> frozenset[str]:
    """The keys the baseline knows for one test (none without a baseline, or when rewriting)."""
    baseline = config.stash.get(BASELINE, None)
    if baseline is None or baseline.write:
        return frozenset()
    return baseline.known.get(nodeid, frozenset())


def _found(run: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(finding[0] for finding in run["findings"] if not finding[2])


def finish(baseline: Baseline, runs: Mapping[str, Mapping[str, Any]]) -> None:
    """Rewrite the file in write mode: the run's tests get what they found now."""
    if baseline.write:
        known = dict(baseline.known)
        for nodeid, run in runs.items():
            known[nodeid] = _found(run)
        write_baseline(baseline.path, known)
        baseline.written = sum(len(keys) for keys in known.values())


def summary(baseline: Baseline, runs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The lines of the baseline's summary section."""
    if baseline.written is not None:
        tests = sum(1 for keys in read_baseline(baseline.path, missing_ok=True).values() if keys)
        return [f"wrote {baseline.written} known findings of {tests} tests to {baseline.path}"]
    matched = fixed = 0
    lines: list[str] = []
    for nodeid in sorted(runs):
        known = baseline.known.get(nodeid, frozenset())
        found = _found(runs[nodeid])
        matched += len(known & found)
        lines.extend(f"new: {nodeid}: {key}" for key in sorted(found - known))
        for key in sorted(known - found):
            fixed += 1
            lines.append(f"fixed: {nodeid}: {key}")
    head = f"{matched} known findings in {baseline.path} did not fail"
    new = sum(line.startswith("new: ") for line in lines)
    if new:
        head += f"; {new} not in it"
    if fixed:
        head += (
            f"; {fixed} no longer occur: delete them from the file, or rewrite it with "
            "--querybench-baseline-write"
        )
    return [head, *lines]
