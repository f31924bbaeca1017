"""End to end: measure the tiny dataset, make a baseline, add a lazy load, and check again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from querybench.cli import main
from querybench.datasets import CACHE_ENV
from querybench.payments import repositories
from querybench.runner.job import RunOptions, RunState, run_job
from querybench.runner.timing import TimingPolicy
from querybench.scenarios.builtin import payments_registry

SCENARIO = "PaymentRepository.get_payments_by_status"


def measure(out: Path) -> Path:
    """Run the scenario's naive and eager variants on tiny (SQLite) into ``out``."""
    options = RunOptions(
        dataset="tiny",
        pattern=SCENARIO,
        variants=("naive", "eager"),
        out=out,
        policy=TimingPolicy(min_time=0.0, min_rounds=3),
    )
    run_job(payments_registry(), options, RunState())
    return out / "results.json"


def test_a_lazy_load_added_to_eager_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    base = tmp_path / "baseline.json"
    assert main(["baseline", str(measure(tmp_path / "before")), "-o", str(base)]) == 0
    assert main(["check", str(base), "--baseline", str(base)]) == 0

    # Someone drops the eager option of this one method: Payment.user is lazy-loaded again.
    original = repositories.loader_options

    def without_eager(name: str, strategy: str, *relationships: Any) -> Sequence[Any]:
        lazy = name == SCENARIO and strategy == "eager"
        return original(name, "naive" if lazy else strategy, *relationships)

    monkeypatch.setattr(repositories, "loader_options", without_eager)
    after = measure(tmp_path / "after")
    capsys.readouterr()
    assert main(["check", str(after), "--baseline", str(base)]) == 1
    lines = capsys.readouterr().out.splitlines()
    accept = f"Fix the code, or accept with: querybench baseline {after} -o {base}"
    for size, old, new in [(10, 1, 11), (100, 1, 101)]:
        assert (
            f"REGRESSION {SCENARIO}[eager] @ N={size} on sqlite: queries {old} -> {new} "
            f"(+{new - old}). {accept}" in lines
        )
    assert any(
        line.startswith(f"REGRESSION {SCENARIO}[eager] on sqlite: growth constant -> linear")
        for line in lines
    )
    assert not any("[naive]" in line for line in lines if line.startswith("REGRESSION"))
