"""``querybench check`` and ``querybench baseline`` through ``main([...])``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from querybench.cli import main
from querybench.runner.results import BackendInfo, Results, read_results
from tests.gate.edits import edit, save, slow_down

SCENARIO = "PaymentRepository.get_payments_by_status"


@pytest.fixture
def files(tmp_path: Path, real: Results) -> tuple[Path, Path]:
    """A results file and a baseline of the same real run."""
    return save(real, tmp_path / "results.json"), save(real, tmp_path / "base.json")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "{not json",
            "not JSON (Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1))",
        ),
        (
            '{"schema": 99, "cells": []}',
            "unsupported results schema 99; this querybench reads 1..1",
        ),
        ('{"schema": 1, "cells": []}', "missing field 'environment'"),
        ("[1, 2]", "expected a results object, got list"),
    ],
)
def test_a_corrupt_or_wrong_schema_baseline_is_exit_2_and_one_line(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], content: str, problem: str
) -> None:
    results, base = files
    base.write_text(content, encoding="utf-8")
    assert main(["check", str(results), "--baseline", str(base)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"querybench: error: {base}: {problem}\n"
    assert captured.out == ""


def test_a_missing_baseline_is_exit_2(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    results, base = files
    base.unlink()
    assert main(["check", str(results), "--baseline", str(base)]) == 2
    assert capsys.readouterr().err.startswith(
        f"querybench: error: {base}: cannot read (FileNotFoundError"
    )


def test_a_baseline_of_another_backend_is_exit_2(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    other = replace(real, cells=tuple(replace(c, backend="postgresql") for c in real.cells))
    results, base = save(real, tmp_path / "r.json"), save(other, tmp_path / "pg.json")
    assert main(["check", str(results), "--baseline", str(base)]) == 2
    assert capsys.readouterr().err == (
        f"querybench: error: {results}: no cell matches the baseline {base} (this run: sqlite; "
        "baseline: postgresql); compare with the baseline of the same backend\n"
    )


def test_an_empty_run_is_exit_2(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    results = save(replace(real, cells=()), tmp_path / "r.json")
    base = save(real, tmp_path / "base.json")
    assert main(["check", str(results), "--baseline", str(base)]) == 2
    assert capsys.readouterr().err == (
        f"querybench: error: {results}: no cells to check (the run measured nothing)\n"
    )


def test_a_bad_tolerance_is_exit_2(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    results, base = files
    assert main(["check", str(results), "--baseline", str(base), "--tolerance", "150%"]) == 2
    assert capsys.readouterr().err == (
        "querybench: error: --tolerance: expected a percentage between 0 and 100, got '150%'\n"
    )


def test_environment_differences_warn_one_line_each(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    env = real.environment
    older = replace(
        env,
        sqlalchemy="2.0.36",
        dataset_digest="0" * 64,
        backends=(BackendInfo("sqlite", "sqlite", "pysqlite", "3.31.0", "sqlite://", 0.0),),
    )
    assert older.backends[0].name == env.backends[0].name
    base = save(replace(real, environment=older), tmp_path / "base.json")
    results = save(real, tmp_path / "results.json")
    assert main(["check", str(results), "--baseline", str(base)]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "querybench: warning: the baseline was measured with SQLAlchemy 2.0.36, "
        f"this run with {env.sqlalchemy}",
        f"querybench: warning: dataset 'tiny' changed since the baseline (digest 000000000000 -> "
        f"{env.dataset_digest[:12]}); counts may move",
    ]


def test_json_format_lists_each_regression_with_its_figures(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    results = save(edit(real, SCENARIO, "eager", 100, queries=101), tmp_path / "results.json")
    base = save(real, tmp_path / "base.json")
    assert main(["check", str(results), "--baseline", str(base), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "regression"
    assert report["exit_code"] == 1
    queries = [r for r in report["regressions"] if r["kind"] == "queries"]
    assert queries == [
        {
            "kind": "queries",
            "scenario": SCENARIO,
            "variant": "eager",
            "size": 100,
            "backend": "sqlite",
            "summary": "queries 1 -> 101 (+100)",
            "hint": f"Fix the code, or accept with: querybench baseline {results} -o {base}",
            "old": 1,
            "new": 101,
            "where": f"{SCENARIO}[eager] @ N=100 on sqlite",
            "line": f"{SCENARIO}[eager] @ N=100 on sqlite: queries 1 -> 101 (+100). Fix the code, "
            f"or accept with: querybench baseline {results} -o {base}",
        }
    ]


def test_markdown_goes_to_stdout_and_is_appended_to_the_step_summary(
    tmp_path: Path,
    real: Results,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    results = save(edit(real, SCENARIO, "eager", 100, queries=101), tmp_path / "results.json")
    base = save(real, tmp_path / "base.json")
    assert main(["check", str(results), "--baseline", str(base), "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("## querybench check: ❌ 2 regressions\n")
    assert (
        f"| `{SCENARIO}[eager] @ N=100 on sqlite` | queries 1 -> 101 (+100) | Fix the code, or "
        f"accept with: querybench baseline {results} -o {base} |"
    ) in out.splitlines()
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("earlier step\n## querybench check: ❌ 2 regressions\n")
    # With text on stdout, the summary still gets markdown, appended after the earlier report.
    assert main(["check", str(base), "--baseline", str(base)]) == 0
    assert capsys.readouterr().out.startswith("querybench check: no regression in ")
    later = summary.read_text(encoding="utf-8").removeprefix(written)
    assert later.startswith("## querybench check: ✅ no regression\n")


def test_baseline_writes_a_trimmed_results_file_that_check_reads(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    results = save(real, tmp_path / "results.json")
    base = tmp_path / "baselines" / "sqlite.json"
    assert main(["baseline", str(results), "-o", str(base)]) == 0
    assert capsys.readouterr().out == f"wrote {base}: {len(real.cells)} cells on sqlite\n"
    written = read_results(base)
    assert written.environment == real.environment
    assert [c.key for c in written.cells] == [c.key for c in real.cells]
    assert all(c.statements == () and c.findings == () for c in written.cells)
    assert [c.latency for c in written.cells] == [c.latency for c in real.cells]
    assert any(c.latency and len(c.latency.samples) >= 5 for c in written.cells)
    # Samples are one line per cell, so the committed file stays short.
    text = base.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 40 * len(real.cells)
    assert [p.name for p in base.parent.iterdir()] == ["sqlite.json"]  # no temporary left
    assert main(["check", str(results), "--baseline", str(base)]) == 0


def test_baseline_refuses_a_partial_run_and_leaves_the_old_one(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    results = save(replace(real, partial=True), tmp_path / "results.json")
    base = tmp_path / "base.json"
    base.write_text("old", encoding="utf-8")
    assert main(["baseline", str(results), "-o", str(base)]) == 2
    assert capsys.readouterr().err == (
        f"querybench: error: {results}: an interrupted (partial) run; finish a run before "
        "making it a baseline\n"
    )
    assert base.read_text(encoding="utf-8") == "old"


def test_help_pins_the_interface(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    for option in (
        "--baseline BASE",
        "--tolerance PCT",
        "--absolute",
        "--config PATH",
        "--format [text|markdown|json]",
    ):
        assert option in out
    assert main(["baseline", "--help"]) == 0
    assert "-o, --output BASE" in capsys.readouterr().out


def test_baseline_of_several_runs_keeps_each_cell_from_its_fastest_run(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    # Run two had a burst of load on the eager cells of one scenario: the baseline ignores it.
    loaded = slow_down(real, SCENARIO, "eager", 3.0)
    faster_naive = slow_down(real, SCENARIO, "naive", 0.5)
    runs = [save(loaded, tmp_path / "1.json"), save(faster_naive, tmp_path / "2.json")]
    base = tmp_path / "base.json"
    assert main(["baseline", *map(str, runs), "-o", str(base)]) == 0
    assert capsys.readouterr().out == f"wrote {base}: {len(real.cells)} cells on sqlite\n"
    cells = {c.key: c for c in read_results(base).cells}
    originals = {c.key: c for c in real.cells}
    for size in (1, 10, 100):
        eager, naive = (SCENARIO, "eager", size, "sqlite"), (SCENARIO, "naive", size, "sqlite")
        assert cells[eager].latency == originals[eager].latency
        assert cells[naive].latency is not None
        assert originals[naive].latency is not None
        assert cells[naive].latency.minimum == originals[naive].latency.minimum * 0.5


def test_baseline_refuses_runs_that_disagree_on_a_count(
    tmp_path: Path, real: Results, capsys: pytest.CaptureFixture[str]
) -> None:
    other = edit(real, SCENARIO, "eager", 100, queries=101)
    runs = [save(real, tmp_path / "1.json"), save(other, tmp_path / "2.json")]
    assert main(["baseline", *map(str, runs), "-o", str(tmp_path / "base.json")]) == 2
    assert capsys.readouterr().err == (
        f"querybench: error: {SCENARIO}[eager] @ N=100 on sqlite: the runs disagree on the "
        "query count (1, 101); were they of one tree?\n"
    )
    assert not (tmp_path / "base.json").exists()
