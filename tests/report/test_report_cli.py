"""``querybench report`` and the report ``querybench run`` writes, through ``main([...])``."""

from __future__ import annotations

import dataclasses
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from querybench.cli import main
from querybench.datasets import CACHE_ENV
from querybench.runner.results import Results

WriteResults = Callable[..., Path]


def test_report_writes_html_beside_the_results(
    sample_results: Results, write_results: WriteResults, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_results(sample_results)
    assert main(["report", str(path)]) == 0
    html = path.with_name("report.html")
    assert capsys.readouterr().out == f"wrote {html}\n"
    assert "<svg" in html.read_text(encoding="utf-8")


def test_report_writes_html_and_markdown_where_asked_with_a_baseline(
    sample_results: Results, write_results: WriteResults, tmp_path: Path
) -> None:
    path = write_results(sample_results)
    baseline = write_results(sample_results, "baseline.json")
    out, markdown = tmp_path / "site" / "index.html", tmp_path / "summary.md"
    args = ["report", str(path), "--baseline", str(baseline), "-o", str(out)]
    assert main([*args, "--markdown", str(markdown)]) == 0
    assert 'id="baseline"' in out.read_text(encoding="utf-8")
    assert "**0 regressions**, 39 cells unchanged." in markdown.read_text(encoding="utf-8")


def test_report_reads_pytest_benchmark_json(tmp_path: Path) -> None:
    bench = {
        "machine_info": {"python_version": "3.11.7"},
        "commit_info": {"id": "abc"},
        "datetime": "2026-11-25T12:00:00",
        "benchmarks": [
            {
                "fullname": f"bench/test_x.py::test[{variant}]",
                "extra_info": {
                    "scenario": "S.m",
                    "variant": variant,
                    "size": 10,
                    "backend": "sqlite",
                    "queries": queries,
                    "rows": 0,
                },
                "stats": {
                    "median": 0.002,
                    "q1": 0.0018,
                    "iqr": 0.0004,
                    "min": 0.0015,
                    "mean": 0.002,
                    "stddev": 0.0002,
                    "rounds": 10,
                },
            }
            for variant, queries in (("naive", 11), ("eager", 1))
        ],
    }
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(bench), encoding="utf-8")
    assert main(["report", str(path), "-o", str(tmp_path / "bench.html")]) == 0
    html = (tmp_path / "bench.html").read_text(encoding="utf-8")
    assert "11.0x" in html  # naive 11 statements, eager 1


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_corrupt_results_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"schema": 1, "environment": ', encoding="utf-8")
    assert main(["report", str(path)]) == 2
    assert _one_error_line(capsys).startswith(f"querybench: error: {path}: not JSON (")
    assert not (tmp_path / "report.html").exists()


def test_wrong_schema_results_exit_2_with_one_line(
    sample_results: Results, write_results: WriteResults, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_results(sample_results)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["cells"][0]["queries"] = "eleven"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["report", str(path)]) == 2
    assert _one_error_line(capsys) == (
        f"querybench: error: {path}.cells[0].queries: expected int, got str"
    )


def test_unusable_baseline_exits_2_with_one_line(
    sample_results: Results, write_results: WriteResults, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_results(sample_results)
    baseline = path.with_name("base.json")
    baseline.write_text('{"schema": 7}', encoding="utf-8")
    assert main(["report", str(path), "--baseline", str(baseline)]) == 2
    assert _one_error_line(capsys) == (
        f"querybench: error: {baseline}: unsupported results schema 7; this querybench reads 1..1"
    )


def test_unwritable_output_exits_2_with_one_line(
    sample_results: Results, write_results: WriteResults, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_results(sample_results)
    # A folder that cannot exist: its parent is a regular file (fails even as root).
    target = path / "report.html"
    assert main(["report", str(path), "-o", str(target)]) == 2
    line = _one_error_line(capsys)
    assert line.startswith(f"querybench: error: cannot write report to {target}: ")


def test_report_help_names_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("RESULTS", "--baseline BASE", "-o, --output HTML", "--markdown MD"):
        assert option in out


def test_run_writes_report_html_beside_results_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    out = tmp_path / "out"
    args = ["run", "--dataset", "tiny", "-k", "PaymentRepository.get_payment_with_user"]
    assert main([*args, "--rounds", "1", "--min-time", "0", "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "PaymentRepository.get_payment_with_user" in html
    assert "PARTIAL RUN" not in html
    assert html.count("<svg") == 4  # statements, latency, strategies, rows fetched


def test_interrupted_run_still_writes_a_partial_report(
    sample_results: Results, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from querybench.runner import job

    def interrupted_run(registry: Any, options: Any, state: Any, **_: Any) -> None:
        kept = dataclasses.replace(sample_results, cells=sample_results.cells[:5], partial=True)
        state.results = kept
        raise job.Interrupted(signal.SIGTERM)

    monkeypatch.setattr(job, "run_job", interrupted_run)
    out = tmp_path / "out"
    assert main(["run", "--dataset", "tiny", "--out", str(out)]) == 143
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "PARTIAL RUN" in html
    assert "The run was interrupted" in html
