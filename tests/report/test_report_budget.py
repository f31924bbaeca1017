"""Size and speed: the report of a run shaped like the ``small`` dataset's stays light and quick.

The cells mirror a real run: every built-in scenario with its variants at N = 1, 10, 100, 1000,
N+1 findings on the naive variants, two statement fingerprints of realistic length per cell,
rows reported only for the QueryHelper scenarios. The whole command runs in a fresh interpreter,
imports included, as a user would run it.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from querybench.runner.results import Cell, FindingRecord, Results, StatementGroup
from querybench.runner.timing import Latency
from querybench.scenarios.builtin import payments_registry

MAX_BYTES = 2_000_000
MAX_SECONDS = 10.0
SQL = (
    "SELECT payments.id, payments.user_id, payments.amount, payments.currency, payments.status, "
    "payments.stripe_payment_id, payments.created_at FROM payments WHERE ? = payments.user_id "
    "ORDER BY payments.id"
)


def small_run_cell(scenario: str, variant: str, rank: int, size: int) -> Cell:
    """A plausible cell: naive is N+1 and slower, the others 1-3 statements."""
    naive = variant == "naive"
    queries = size + 1 if naive else 1 + rank % 3
    seconds = (0.0004 + 0.0002 * size) * (1.5 if naive else 1 + rank / 10)
    finding = FindingRecord("lazy_load", "Payment.user", size, SQL, "serialise.py:81", "fix")
    return Cell(
        scenario=scenario,
        variant=variant,
        size=size,
        backend="sqlite",
        queries=queries,
        rows=size if scenario.startswith("QueryHelper.") else 0,
        latency=Latency(seconds, seconds * 0.9, seconds * 1.2, seconds * 0.8, seconds, 0.0, 5),
        findings=(finding,) if naive and size > 1 else (),
        statements=(
            StatementGroup(SQL.replace("?", "users.id"), 1, seconds / 3),
            StatementGroup(SQL, max(queries - 1, 1), seconds / 2),
        ),
    )


def small_run_cells() -> list[Cell]:
    """One cell per scenario x variant x size of the small dataset's sweep."""
    return [
        small_run_cell(scenario.name, variant, rank, size)
        for scenario in payments_registry()
        for size in scenario.sizes_in([1, 10, 100, 1000])
        for rank, variant in enumerate(scenario.variants)
    ]


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_small_run_report_is_under_2_mb_and_10_seconds(
    tmp_path: Path,
    make_environment: Callable[..., Any],
    write_results: Callable[..., Path],
) -> None:
    cells = small_run_cells()
    assert len(cells) == 254  # the small dataset's run: 19 scenarios, their variants and sizes
    path = write_results(Results(environment=make_environment(), cells=tuple(cells)))
    out = tmp_path / "report.html"
    cpu_before = _children_cpu_seconds()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "querybench", "report", str(path), "-o", str(out)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    cpu = _children_cpu_seconds() - cpu_before
    size = out.stat().st_size
    assert size < MAX_BYTES, f"report is {size / 1e6:.2f} MB"
    # CPU time, not wall time: the work is single-threaded, so on an idle machine the two
    # agree, and a machine shared with other jobs does not fail the budget by itself.
    assert cpu < MAX_SECONDS, f"report took {cpu:.1f} s of CPU ({elapsed:.1f} s wall)"
    # two charts per scenario, strategies for the 9 with loaders, rows for the 8 QueryHelper ones
    assert out.read_text(encoding="utf-8").count("<svg") == 19 * 2 + 9 + 8
