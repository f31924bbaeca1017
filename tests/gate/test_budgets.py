"""Budgets from ``[tool.querybench.budgets]``: per-scenario limits, validated in one line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from querybench.cli import main
from querybench.runner.results import Results
from tests.gate.edits import edit, save

SCENARIO = "PaymentRepository.get_payments_by_status"


def run_check(tmp_path: Path, current: Results, baseline: Results, *args: str) -> int:
    base = save(baseline, tmp_path / "base.json")
    results = save(current, tmp_path / "results.json")
    return main(["check", str(results), "--baseline", str(base), *args])


def write_config(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "budgets.toml"
    config.write_text(textwrap.dedent(text), encoding="utf-8")
    return config


def test_a_budget_broken_by_the_baseline_itself_fails(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path,
        f"""
        [tool.querybench.budgets."{SCENARIO}"]
        max_queries = 2
        growth = "constant"
        variant = "naive"
        """,
    )
    assert run_check(tmp_path, real, real, "--config", str(config)) == 1
    out = capsys.readouterr().out
    where = f'{config} [tool.querybench.budgets."{SCENARIO}"]'
    assert (
        f"REGRESSION {SCENARIO}[naive] @ N=100 on sqlite: queries 101 > budget 2 (+99). "
        f"Fix the code, or change the budget in {where}"
    ) in out.splitlines()
    assert f"REGRESSION {SCENARIO}[naive] @ N=10 on sqlite: queries 11 > budget 2 (+9)." in out
    assert (
        f"REGRESSION {SCENARIO}[naive] on sqlite: growth linear, budget constant (linear: " in out
    )
    assert "N=1 on sqlite: queries 2 > budget" not in out


def test_budgets_default_to_the_eager_variant_and_pass_when_kept(
    tmp_path: Path, real: Results, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.querybench.budgets."{SCENARIO}"]\nmax_queries = 1\ngrowth = "constant"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert run_check(tmp_path, real, real) == 0
    # The same budget read from ./pyproject.toml catches a lazy load in eager.
    assert run_check(tmp_path, edit(real, SCENARIO, "eager", 100, queries=101), real) == 1


def test_a_budget_for_a_scenario_not_in_the_run_warns(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, '[tool.querybench.budgets."Payment.typo"]\nmax_queries = 1\n')
    assert run_check(tmp_path, real, real, "--config", str(config)) == 0
    err = capsys.readouterr().err
    assert err == (
        f"querybench: warning: budget for Payment.typo[eager] ({config} "
        '[tool.querybench.budgets."Payment.typo"]): not measured in this run\n'
    )


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ("max_query = 1", "unknown key 'max_query'; expected max_queries, growth, variant"),
        ("max_queries = -1", "max_queries must be a whole number >= 0, got -1"),
        ("max_queries = '2'", "max_queries must be a whole number >= 0, got '2'"),
        (
            'growth = "quadratic"',
            "growth must be one of constant, linear, superlinear, got 'quadratic'",
        ),
        ("variant = 3\nmax_queries = 1", "variant must be a variant name, got 3"),
        ('variant = "naive"', "set max_queries, growth or both"),
    ],
)
def test_a_malformed_budget_is_exit_2_and_one_line(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str], table: str, problem: str
) -> None:
    config = write_config(tmp_path, f'[tool.querybench.budgets."{SCENARIO}"]\n{table}\n')
    assert run_check(tmp_path, real, real, "--config", str(config)) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f'querybench: error: {config}: [tool.querybench.budgets."{SCENARIO}"]: {problem}\n'
    )
    assert captured.out == ""


def test_a_config_that_is_not_toml_or_missing_is_exit_2(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, "[tool.querybench\n")
    assert run_check(tmp_path, real, real, "--config", str(config)) == 2
    assert capsys.readouterr().err.startswith(f"querybench: error: {config}: not valid TOML (")
    missing = tmp_path / "nope.toml"
    assert run_check(tmp_path, real, real, "--config", str(missing)) == 2
    assert (
        capsys.readouterr().err
        == f"querybench: error: {missing}: cannot read (No such file or directory)\n"
    )
