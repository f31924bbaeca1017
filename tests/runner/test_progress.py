"""The progress bar of ``querybench run`` redraws between cells, never from a thread of its own.

rich's default auto refresh is a thread that wakes 10 times a second and takes the GIL to redraw,
inside the very rounds being timed. Here stderr is made to look like a terminal, so the bar is
really on, and ``run_job`` is replaced by one that reports what ran while it did.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from querybench.cli_run import run_with_progress
from querybench.runner import job
from querybench.runner.job import RunOptions, RunState


class FakeTerminal(io.StringIO):
    """A stderr that says it is a terminal, so rich draws the live progress bar into it."""

    def isatty(self) -> bool:
        return True


def test_progress_bar_runs_no_refresh_thread_and_redraws_after_each_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("TTY_INTERACTIVE", raising=False)  # "0" would turn rich's terminal off
    threads_before = set(threading.enumerate())
    cells = [SimpleNamespace(label=f"Scenario.cell_{i}[naive] @ N=10") for i in range(3)]
    seen: dict[str, Any] = {"new threads": set(), "drawn after each cell": []}

    def fake_run_job(
        registry: object,
        options: RunOptions,
        state: RunState,
        on_start: Callable[[Sequence[Any]], None],
        on_cell: Callable[[Any, Any], None],
    ) -> None:
        on_start(cells)
        seen["drawn at start"] = terminal.getvalue()
        for plan in cells:
            # What a timed round would run beside: any thread started since the test began.
            seen["new threads"] |= set(threading.enumerate()) - threads_before
            before = len(terminal.getvalue())
            on_cell(plan, None)
            seen["drawn after each cell"].append(terminal.getvalue()[before:])

    monkeypatch.setattr(job, "run_job", fake_run_job)
    assert run_with_progress(RunOptions(dataset="tiny", out=tmp_path), RunState()) == 0
    assert seen["new threads"] == set()
    assert "0/3" in seen["drawn at start"]
    drawn = seen["drawn after each cell"]
    assert [f"{i + 1}/3" in text for i, text in enumerate(drawn)] == [True] * 3
    assert [cells[i].label in text for i, text in enumerate(drawn)] == [True] * 3


def test_progress_bar_is_off_when_stderr_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", captured)

    def fake_run_job(*args: object, on_start: Callable[..., None], **kwargs: Any) -> None:
        on_start([SimpleNamespace(label="Scenario.cell[naive] @ N=1")])

    monkeypatch.setattr(job, "run_job", fake_run_job)
    assert run_with_progress(RunOptions(dataset="tiny", out=tmp_path), RunState()) == 0
    assert captured.getvalue() == ""
