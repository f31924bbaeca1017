"""Checks the reliability tests share: the one error line, every byte a run wrote."""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from querybench.runner.results import BackendInfo, Cell, Environment, Results
from querybench.runner.timing import Latency

PASSWORD = "S3cretPw"
"""A password no output may contain. PostgreSQL here trusts local TCP, so it still connects."""

QUICK = ("--dataset", "tiny", "--rounds", "1", "--min-time", "0")
"""Run options that measure as little as a real run can."""


def missing_driver() -> str:
    """A dialect+driver whose DBAPI module is not installed here (checked, not assumed)."""
    for driver, module in (
        ("mysql+mysqldb", "MySQLdb"),
        ("postgresql+asyncpg", "asyncpg"),
        ("postgresql+pg8000", "pg8000"),
        ("mssql+pymssql", "pymssql"),
    ):
        if importlib.util.find_spec(module) is None:
            return driver
    raise AssertionError("every candidate driver is installed; add one that is not")


Querybench = Callable[..., subprocess.CompletedProcess[str]]
"""The ``querybench`` fixture: ``querybench(*args, env={...}, timeout=60)``."""


def assert_one_error_line(err: str, *fragments: str) -> str:
    """``err`` is exactly one ``querybench: error:`` line, no traceback, holding each fragment."""
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    (line,) = lines
    assert line.startswith("querybench: error: "), line
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in line
    return line


def all_output(out: str, err: str, folders: Sequence[Path]) -> dict[str, bytes]:
    """stdout, stderr and every file under ``folders``, by name, as bytes."""
    found = {"stdout": out.encode(), "stderr": err.encode()}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[str(path)] = path.read_bytes()
    return found


def sample_results(cells: int = 2, *, partial: bool = False) -> Results:
    """Finished (or partial) results of ``cells`` ok cells of one scenario on SQLite."""
    environment = Environment(
        "3.11.2", "2.1.0", "0.1.0", "Linux", "cpu", "abc", "2025-01-01T00:00:00+00:00", "tiny", "d",
        (BackendInfo("sqlite", "sqlite", "pysqlite", "3.40", "sqlite:///bench.sqlite", 0.0),),
    )  # fmt: skip
    latency = Latency(0.001, 0.0009, 0.0011, 0.0008, 0.001, 0.0001, 5, (0.001, 0.0011))
    made = tuple(
        Cell("QueryHelper.count", variant, 10**index, "sqlite", 1, 1, latency)
        for index in range(cells)
        for variant in ("naive", "eager")
    )[:cells]
    return Results(environment, made, partial=partial)
