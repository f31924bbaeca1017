"""Reading what a report is made from: results files and bench/'s pytest-benchmark JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from querybench.errors import ResultsError
from querybench.report.sources import load_results
from querybench.runner.results import Results


def benchmark(name: str, variant: str, size: int, queries: int, **extra: Any) -> dict[str, Any]:
    """One benchmark entry as pytest-benchmark writes it (stats in seconds)."""
    return {
        "group": None,
        "name": f"test_{name}[{variant}-{size}]",
        "fullname": f"bench/test_payments.py::test_{name}[{variant}-{size}]",
        "params": {"variant": variant, "size": size},
        "extra_info": {
            "scenario": name,
            "variant": variant,
            "size": size,
            "backend": "sqlite",
            "queries": queries,
            "rows": 0,
            **extra,
        },
        "options": {"min_rounds": 5},
        "stats": {
            "min": 0.0008,
            "max": 0.002,
            "mean": 0.0011,
            "stddev": 0.0002,
            "rounds": 12,
            "median": 0.001,
            "iqr": 0.0003,
            "q1": 0.0009,
            "q3": 0.0012,
            "iqr_outliers": 0,
            "stddev_outliers": 1,
            "outliers": "1;0",
            "ld15iqr": 0.0008,
            "hd15iqr": 0.0015,
            "ops": 909.1,
            "total": 0.0132,
            "iterations": 1,
        },
    }


def bench_document(*benchmarks: dict[str, Any]) -> dict[str, Any]:
    """A pytest-benchmark JSON document around ``benchmarks``."""
    return {
        "machine_info": {
            "node": "ci",
            "processor": "x86_64",
            "machine": "x86_64",
            "python_implementation": "CPython",
            "python_version": "3.11.7",
            "release": "6.1.0",
            "system": "Linux",
            "cpu": {"brand_raw": "Test CPU", "count": 2},
        },
        "commit_info": {"id": "0123456789abcdef0123", "dirty": True, "branch": "main"},
        "benchmarks": list(benchmarks),
        "datetime": "2026-11-25T12:00:00.000000+00:00",
        "version": "5.1.0",
    }


def write(tmp_path: Path, data: object, name: str = "bench.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_pytest_benchmark_json_becomes_cells_with_counts_and_latency(tmp_path: Path) -> None:
    scenario = "PaymentRepository.get_payments_by_status"
    document = bench_document(
        benchmark(scenario, "naive", 10, 11, dataset="tiny", sqlalchemy="2.1.9"),
        benchmark(scenario, "eager", 10, 1),
    )
    results = load_results(write(tmp_path, document))
    naive, eager = results.cells
    assert (naive.key, naive.queries, naive.rows, naive.status) == (
        (scenario, "naive", 10, "sqlite"), 11, 0, "ok",
    )  # fmt: skip
    assert eager.queries == 1
    latency = naive.latency
    assert latency is not None
    assert (latency.median, latency.q1, latency.minimum, latency.mean) == (
        0.001, 0.0009, 0.0008, 0.0011,
    )  # fmt: skip
    assert latency.q3 == pytest.approx(0.0012)  # q1 + iqr
    assert (latency.stdev, latency.rounds) == (0.0002, 12)
    env = results.environment
    assert (env.python, env.machine, env.cpu, env.git_commit) == (
        "3.11.7", "Linux 6.1.0 x86_64", "Test CPU (2 cores)", "0123456789ab+dirty",
    )  # fmt: skip
    assert (env.dataset, env.sqlalchemy, env.started_at[:10]) == ("tiny", "2.1.9", "2026-11-25")
    assert [b.label for b in env.backends] == ["sqlite"]


def test_benchmark_findings_in_extra_info_are_read(tmp_path: Path) -> None:
    finding = {
        "kind": "lazy_load", "target": "Payment.user", "repeats": 10,
        "example_sql": "SELECT 1", "callsite": "a.py:1", "fix": "joinedload",
    }  # fmt: skip
    document = bench_document(benchmark("S.m", "naive", 10, 11, findings=[finding]))
    (cell,) = load_results(write(tmp_path, document)).cells
    assert cell.findings[0].target == "Payment.user"


def test_benchmark_without_the_query_count_is_one_line_naming_it(tmp_path: Path) -> None:
    entry = benchmark("S.m", "naive", 10, 11)
    del entry["extra_info"]["queries"]
    path = write(tmp_path, bench_document(entry))
    with pytest.raises(ResultsError) as raised:
        load_results(path)
    message = str(raised.value)
    assert message == (
        f"{path}.benchmarks[0] (bench/test_payments.py::test_S.m[naive-10]): extra_info lacks "
        "queries; bench/ must record scenario, variant, size, backend, queries, rows"
    )


def test_benchmark_with_a_wrong_type_names_the_field(tmp_path: Path) -> None:
    entry = benchmark("S.m", "naive", 10, 11)
    entry["extra_info"]["size"] = "ten"
    with pytest.raises(ResultsError, match=r"cells\[0\]\.size: expected int, got str"):
        load_results(write(tmp_path, bench_document(entry)))


def test_results_json_is_read_as_results(
    sample_results: Results, write_results: Any, tmp_path: Path
) -> None:
    assert load_results(write_results(sample_results)) == sample_results


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not JSON"),
        ('{"schema": 99, "cells": []}', "unsupported results schema 99"),
        ('{"benchmarks": {}}', "benchmarks: expected a list, got dict"),
        ("[1, 2]", "expected a results object, got list"),
    ],
)
def test_unusable_files_are_one_line_errors(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ResultsError, match=expected) as raised:
        load_results(path)
    assert "\n" not in str(raised.value)


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match=r"missing\.json: cannot read \(FileNotFoundError"):
        load_results(tmp_path / "missing.json")
