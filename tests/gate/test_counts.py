"""Exact counts, growth classes and failed cells against a baseline, through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from querybench.cli import main
from querybench.runner.results import Results
from tests.gate.edits import edit, save

SCENARIO = "PaymentRepository.get_payments_by_status"


def check(
    tmp_path: Path, baseline: Results, current: Results, *args: str
) -> tuple[Path, Path, int]:
    base = save(baseline, tmp_path / "base.json")
    results = save(current, tmp_path / "results.json")
    return results, base, main(["check", str(results), "--baseline", str(base), *args])


def test_unchanged_run_passes(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, status = check(tmp_path, real, real)
    out = capsys.readouterr().out
    assert status == 0
    assert f"querybench check: no regression in {tmp_path / 'results.json'}" in out
    assert f"({len(real.cells)} cells compared)" in out


def test_an_added_lazy_load_fails_naming_scenario_variant_size_and_both_counts(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    # The eager variant now lazy-loads Payment.user for each of the N payments: 1 + N.
    regressed = real
    for size in (1, 10, 100):
        regressed = edit(regressed, SCENARIO, "eager", size, queries=1 + size)
    results, base, status = check(tmp_path, real, regressed)
    out = capsys.readouterr().out
    assert status == 1
    accept = f"Fix the code, or accept with: querybench baseline {results} -o {base}"
    assert (
        f"REGRESSION {SCENARIO}[eager] @ N=100 on sqlite: queries 1 -> 101 (+100). {accept}"
        in out.splitlines()
    )
    assert f"REGRESSION {SCENARIO}[eager] @ N=10 on sqlite: queries 1 -> 11 (+10). {accept}" in out
    # N=1 went 1 -> 2 as well, and the growth class turned from constant to linear.
    assert f"{SCENARIO}[eager] @ N=1 on sqlite: queries 1 -> 2 (+1)" in out
    assert (
        f"REGRESSION {SCENARIO}[eager] on sqlite: growth constant -> linear (linear: 2 -> 101 "
        "statements from N=1 to N=100, log-log slope 0.85; statements grow with N, the mark of "
        f"an N+1). {accept}"
    ) in out
    assert out.startswith("querybench check: 4 regressions in ")


def test_growth_from_constant_to_linear_fails_whatever_the_sizes(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    # The run measured only N=10 and N=100, and each count stayed below some baseline count:
    # but 2 -> 11 over those sizes is linear where the baseline was constant at 1.
    current = Results(
        real.environment,
        tuple(
            c
            for c in edit(
                edit(real, SCENARIO, "eager", 10, queries=2), SCENARIO, "eager", 100, queries=11
            ).cells
            if c.size != 1
        ),
    )
    _, _, status = check(tmp_path, real, current)
    out = capsys.readouterr().out
    assert status == 1
    assert (
        f"REGRESSION {SCENARIO}[eager] on sqlite: growth constant -> linear (linear: 2 -> 11" in out
    )


def test_fewer_queries_pass_and_say_to_refresh_the_baseline(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    improved = edit(real, SCENARIO, "naive", 100, queries=2)
    results, base, status = check(tmp_path, real, improved)
    out = capsys.readouterr().out
    assert status == 0
    assert (
        f"improved  {SCENARIO}[naive] @ N=100 on sqlite: queries 101 -> 2 (-99). "
        f"Refresh the baseline: querybench baseline {results} -o {base}"
    ) in out.splitlines()


def test_a_cell_failed_in_the_run_is_a_regression_unless_the_baseline_lacks_it(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = edit(
        real,
        SCENARIO,
        "eager",
        10,
        status="failed",
        error="OperationalError: boom",
        latency=None,
        queries=0,
    )
    _, _, status = check(tmp_path, real, broken)
    out = capsys.readouterr().out
    assert status == 1
    assert (
        f"REGRESSION {SCENARIO}[eager] @ N=10 on sqlite: failed in this run "
        "(OperationalError: boom); the baseline had 1 queries. Fix the code"
    ) in out.splitlines()
    # Absent from the baseline too: reported, not a regression.
    without = Results(real.environment, tuple(c for c in real.cells if c.key != broken_key(real)))
    _, _, status = check(tmp_path, without, broken)
    out = capsys.readouterr().out
    assert status == 0
    assert (
        f"failed    {SCENARIO}[eager] @ N=10 on sqlite: fails, and not in the baseline either"
        in out
    )


def broken_key(results: Results) -> tuple[str, str, int, str]:
    return (SCENARIO, "eager", 10, "sqlite")


def test_cells_missing_from_the_run_are_notes(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    subset = Results(real.environment, tuple(c for c in real.cells if c.scenario == SCENARIO))
    _, _, status = check(tmp_path, real, subset)
    out = capsys.readouterr().out
    assert status == 0
    assert "in the baseline, not measured" in out
    assert f"({len(subset.cells)} cells compared)" in out
