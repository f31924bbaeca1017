"""``querybench run`` where cells fail: every cell failed is exit 1, some failed is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from querybench.cli import main
from querybench.datasets import CACHE_ENV

SUITE = """
from sqlalchemy import text

from querybench.scenarios.builtin import payments_suite
from querybench.scenarios.registry import Registry, Scenario, Variant


def broken(session, n):
    return session.execute(text("SELECT * FROM no_such_table")).all()


def fine(session, n):
    return session.execute(text("SELECT count(*) FROM users")).scalar()


def scenario(name, run):
    return Scenario(name, name, name, lambda s, n: n, {"only": Variant("only", run, "constant")})


registry = Registry()
registry.add(scenario("Demo.broken", broken))
if FINE:
    registry.add(scenario("Demo.fine", fine))
suite = payments_suite(registry)  # over the payments datasets
"""
QUICK = ["--dataset", "tiny", "--sizes", "1", "--rounds", "1", "--min-time", "0"]


@pytest.mark.parametrize(("fine", "status"), [(False, 1), (True, 0)])
def test_a_run_whose_every_cell_failed_is_exit_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fine: bool,
    status: int,
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    suite = tmp_path / "suite.py"
    suite.write_text(f"FINE = {fine}\n{SUITE}", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", f"{suite}:suite", *QUICK, "--out", str(out)]) == status
    captured = capsys.readouterr()
    assert (out / "results.json").exists()  # what was measured is kept either way
    first = "Demo.broken[only]: OperationalError: (sqlite3.OperationalError) no such table"
    if fine:
        assert "1 of 2 cells failed (named above)" in captured.out
        assert "every cell failed" not in captured.err
    else:
        assert f"querybench run: every cell failed (1); the first: {first}" in captured.err
