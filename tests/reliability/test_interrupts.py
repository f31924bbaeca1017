"""Nothing measured is lost: SIGINT and SIGTERM stop a run cleanly and keep every finished cell.

The subprocess tests signal a real ``python -m querybench run`` once results.json holds two
cells; the in-process ones place the stop exactly: inside a scenario, and inside a write.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from querybench.datasets import CACHE_ENV
from querybench.errors import Interrupted
from querybench.runner import job
from querybench.runner.job import RunOptions, RunState, run_job
from querybench.runner.results import Results, read_results
from querybench.runner.timing import TimingPolicy
from querybench.scenarios.registry import Registry, Scenario, Variant


def cells_in(path: Path) -> list[dict[str, Any]]:
    """The cells of a results file being written (atomically, so always whole), or none yet."""
    try:
        cells: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except FileNotFoundError:
        return []
    return cells


def left_over(out: Path) -> list[str]:
    """Temporary or probe files a run should never leave behind."""
    names = [path.name for path in out.iterdir()]
    return [name for name in names if name.endswith(".tmp") or name.startswith(".")]


@pytest.mark.parametrize(
    ("signal_number", "status"),
    [
        pytest.param(signal.SIGINT, 130, id="SIGINT"),
        pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
    ],
)
def test_a_signalled_run_keeps_every_finished_cell_and_says_partial(
    signal_number: int, status: int, tmp_path: Path, private_cache: Path
) -> None:
    out = tmp_path / "out"
    # Enough rounds that the whole tiny run takes far longer than the two cells we wait for.
    command = [sys.executable, "-m", "querybench", "run", "--dataset", "tiny",
               "--rounds", "3", "--min-time", "0.1", "--out", str(out)]  # fmt: skip
    env = {**os.environ, CACHE_ENV: str(private_cache)}
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        deadline = time.monotonic() + 30
        while len(seen := cells_in(out / "results.json")) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no two cells within 30 s"
            time.sleep(0.05)
        process.send_signal(signal_number)
        stdout, stderr = process.communicate(timeout=30)

    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    results = read_results(out / "results.json")
    assert results.partial
    assert len(results.cells) >= len(seen)
    kept = {cell.key for cell in results.cells}
    assert {(c["scenario"], c["variant"], c["size"], c["backend"]) for c in seen} <= kept
    assert all(cell.status == "ok" for cell in results.cells), "the stop failed a cell"
    assert f"interrupted: kept {len(results.cells)} finished cells (partial)" in stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "PARTIAL RUN" in html
    assert "The run was interrupted" in html
    assert len((out / "results.csv").read_text(encoding="utf-8").splitlines()) == (
        1 + len(results.cells)
    )
    assert left_over(out) == []


def counting_registry(stop_at: int | None = None) -> Registry:
    """One scenario at sizes 1, 10, 100 whose rounds return N; ``stop_at`` raises Interrupted."""

    def count(session: Any, size: int) -> int:
        if size == stop_at:
            raise Interrupted(signal.SIGINT)
        return size

    registry = Registry()
    registry.add(
        Scenario(
            name="Counting.count",
            description="returns N without a query",
            size_meaning="the number returned",
            prepare=lambda session, size: size,
            variants={
                "naive": Variant("naive", count, "constant"),
                "eager": Variant("eager", count, "constant"),
            },
        )
    )
    return registry


def quick_options(out: Path) -> RunOptions:
    return RunOptions(dataset="tiny", out=out, policy=TimingPolicy(min_time=0, min_rounds=1))


def test_a_stop_inside_a_scenario_stops_the_run_instead_of_failing_the_cell(
    tmp_path: Path,
) -> None:
    state = RunState()
    with pytest.raises(Interrupted) as caught:
        run_job(counting_registry(stop_at=10), quick_options(tmp_path / "out"), state)

    assert caught.value.exit_code == 130
    results = read_results(tmp_path / "out" / "results.json")
    assert results.partial
    assert [(cell.variant, cell.size, cell.status) for cell in results.cells] == [
        ("naive", 1, "ok"),
        ("eager", 1, "ok"),
    ]
    assert state.results == results
    assert left_over(tmp_path / "out") == []


def test_a_stop_during_a_write_still_leaves_every_finished_cell_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = job.write_results
    calls: list[int] = []

    def stopped_on_the_third_write(results: Results, folder: Path) -> list[Path]:
        calls.append(len(results.cells))
        if len(calls) == 3:  # as if the signal landed just before this write's rename
            raise Interrupted(signal.SIGTERM)
        return real_write(results, folder)

    monkeypatch.setattr(job, "write_results", stopped_on_the_third_write)
    with pytest.raises(Interrupted):
        run_job(counting_registry(), quick_options(tmp_path / "out"), RunState())

    assert calls == [1, 2, 3, 3]  # the interrupted write of 3 cells is made once more
    results = read_results(tmp_path / "out" / "results.json")
    assert (results.partial, len(results.cells)) == (True, 3)
    assert left_over(tmp_path / "out") == []


def test_after_a_stop_the_pool_log_is_quiet_until_the_block_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from querybench.runner.job import sigterm_as_interrupt

    pool = logging.getLogger("sqlalchemy.pool.impl.QueuePool")
    with caplog.at_level(logging.ERROR), sigterm_as_interrupt():
        pool.error("before the stop")
        try:
            signal.raise_signal(signal.SIGTERM)
        except Interrupted:
            # What SQLAlchemy logs when the stop landed inside a cursor call: not shown.
            pool.error("Error closing cursor")
    pool.error("after the block")
    assert [record.getMessage() for record in caplog.records] == [
        "before the stop",
        "after the block",
    ]
