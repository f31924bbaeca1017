"""What a report reads: a querybench results file, or the JSON pytest-benchmark writes for bench/.

A pytest-benchmark file is recognised by its ``benchmarks`` list. Each benchmark becomes a
cell: the scenario, variant, size, backend, statement count and rows come from its
``extra_info`` (bench/ puts them there), the latency from its ``stats``. Optional
``extra_info`` keys (``findings``, ``statements``, ``status``, ``error``) are read in the results
file's own shape. Either way, anything malformed is one ``ResultsError`` line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from querybench.errors import ResultsError
from querybench.runner.results import SCHEMA, Results, results_from_json

REQUIRED_EXTRA_INFO = ("scenario", "variant", "size", "backend", "queries", "rows")
OPTIONAL_EXTRA_INFO = ("findings", "statements", "status", "error", "suite")
REQUIRED_STATS = ("median", "q1", "iqr", "min", "mean", "stddev", "rounds")


def load_results(path: Path) -> Results:
    """Read ``path`` as querybench results or pytest-benchmark JSON; errors are one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(f"{path}: cannot read ({error.__class__.__name__}: {error})") from None
    try:
        data = json.loads(text)
    except ValueError as error:  # not JSON, or an integer of more than 4300 digits
        raise ResultsError(f"{path}: not JSON ({error})") from None
    except RecursionError:
        raise ResultsError(f"{path}: not a results file (nested too deeply to read)") from None
    if isinstance(data, dict) and "schema" not in data and "benchmarks" in data:
        return results_from_benchmark_json(data, str(path))
    return results_from_json(text, str(path))


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ResultsError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _cell(benchmark: object, where: str) -> dict[str, Any]:
    """One benchmark as a results-file cell (the results reader checks the types afterwards)."""
    entry = _mapping(benchmark, where)
    name = " ".join(str(entry.get("fullname") or entry.get("name") or where).split())
    name = name if len(name) <= 80 else f"{name[:77]}..."
    extra = _mapping(entry.get("extra_info", {}), f"{where}.extra_info")
    missing = [key for key in REQUIRED_EXTRA_INFO if key not in extra]
    if missing:
        raise ResultsError(
            f"{where} ({name}): extra_info lacks {', '.join(missing)}; bench/ must record "
            f"{', '.join(REQUIRED_EXTRA_INFO)}"
        )
    stats = _mapping(entry.get("stats"), f"{where}.stats")
    missing = [key for key in REQUIRED_STATS if key not in stats]
    if missing:
        raise ResultsError(f"{where} ({name}): stats lacks {', '.join(missing)}")
    for key in REQUIRED_STATS:
        value = stats[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
            shown = repr(value) if len(repr(value)) <= 60 else f"{repr(value)[:57]}..."
            raise ResultsError(f"{where}.stats.{key}: expected a finite number, got {shown}")
    cell = {key: extra[key] for key in (*REQUIRED_EXTRA_INFO, *OPTIONAL_EXTRA_INFO) if key in extra}
    cell["latency"] = {
        "median": stats["median"],
        "q1": stats["q1"],
        "q3": stats["q1"] + stats["iqr"],
        "minimum": stats["min"],
        "mean": stats["mean"],
        "stdev": stats["stddev"],
        "rounds": stats["rounds"],
    }
    return cell


def _finite(value: float) -> bool:
    """Whether a JSON number is finite as a float (an integer of 400 digits is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _environment(
    data: Mapping[str, Any], cells: list[dict[str, Any]], where: str
) -> dict[str, Any]:
    """The environment block, from pytest-benchmark's machine and commit info."""
    machine = _mapping(data.get("machine_info", {}), f"{where}.machine_info")
    commit = _mapping(data.get("commit_info", {}), f"{where}.commit_info")
    cpu = machine.get("cpu", {})
    cpu_name = str(cpu.get("brand_raw", "")) if isinstance(cpu, Mapping) else ""
    if isinstance(cpu, Mapping) and cpu.get("count"):
        cpu_name = f"{cpu_name} ({cpu['count']} cores)"
    commit_id = str(commit.get("id") or "")[:12]
    first = _mapping(data["benchmarks"][0].get("extra_info", {}), where) if cells else {}
    return {
        "python": str(machine.get("python_version", "")),
        "sqlalchemy": str(first.get("sqlalchemy", machine.get("sqlalchemy", ""))),
        "querybench": str(first.get("querybench", machine.get("querybench", ""))),
        "machine": " ".join(
            str(machine[key]) for key in ("system", "release", "machine") if machine.get(key)
        ),
        "cpu": cpu_name or str(machine.get("processor", "")),
        "git_commit": f"{commit_id}+dirty" if commit_id and commit.get("dirty") else commit_id,
        "started_at": str(data.get("datetime", "")),
        "dataset": str(first.get("dataset", "")),
        "dataset_digest": str(first.get("dataset_digest", "")),
        "backends": [
            {
                "label": label,
                "name": label,
                "driver": "",
                "server_version": "",
                "url": "",
                "rtt_ms": 0.0,
            }
            for label in dict.fromkeys(str(cell["backend"]) for cell in cells)
        ],
    }


def results_from_benchmark_json(data: Mapping[str, Any], where: str) -> Results:
    """Convert a pytest-benchmark JSON document (already parsed) into Results."""
    benchmarks = data["benchmarks"]
    if not isinstance(benchmarks, list):
        raise ResultsError(f"{where}.benchmarks: expected a list, got {type(benchmarks).__name__}")
    cells = [_cell(item, f"{where}.benchmarks[{i}]") for i, item in enumerate(benchmarks)]
    document = {
        "schema": SCHEMA,
        "environment": _environment(data, cells, where),
        "cells": cells,
        "partial": False,
    }
    # The results reader checks every field's type and names the field when one is wrong.
    return results_from_json(json.dumps(document), f"{where} (pytest-benchmark)")
