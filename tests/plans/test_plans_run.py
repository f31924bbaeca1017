"""Plans in a run: outside the timed rounds, kept in the results, shown by the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

import querybench.runner.run as run_module
from querybench.cli import main
from querybench.runner.backends import open_backend
from querybench.runner.results import read_results, results_from_json
from querybench.runner.run import PlanOptions, plan, run_cells
from querybench.runner.timing import TimingPolicy
from querybench.scenarios.builtin import payments_registry

QUICK = TimingPolicy(min_time=0.01, min_rounds=3, max_attempts=1)


def _timed_statements(
    monkeypatch: pytest.MonkeyPatch, url: Any, plans: PlanOptions | None
) -> tuple[list[str], list[str]]:
    """Statements sent inside timed rounds, and outside them, for one run of two cells."""
    inside: list[str] = []
    outside: list[str] = []
    timing = [False]
    real_measure = run_module.measure

    def measure(*args: Any, **kwargs: Any) -> Any:
        timing[0] = True
        try:
            return real_measure(*args, **kwargs)
        finally:
            timing[0] = False

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        (inside if timing[0] else outside).append(statement)

    monkeypatch.setattr(run_module, "measure", measure)
    backend = open_backend(url)
    engine = backend.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        cells = plan(payments_registry(), [backend], [10], pattern="get_user_payments_by_status")
        cells = [c for c in cells if c.variant in ("naive", "eager")]
        done = list(run_cells(cells, QUICK, plans=plans))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        backend.dispose()
    assert [cell.status for cell in done] == ["ok", "ok"]
    return inside, outside


def test_timed_rounds_issue_no_explain(
    monkeypatch: pytest.MonkeyPatch, tiny_sqlite_url: Any
) -> None:
    inside_with, outside_with = _timed_statements(monkeypatch, tiny_sqlite_url, PlanOptions())
    inside_without, _ = _timed_statements(monkeypatch, tiny_sqlite_url, None)
    assert not [s for s in inside_with if s.lstrip().upper().startswith(("EXPLAIN", "ANALYZE"))]
    assert any(s.startswith("EXPLAIN QUERY PLAN") for s in outside_with)
    # Same statements in the timed rounds with and without plans (round counts may differ).
    assert set(inside_with) == set(inside_without)


@pytest.fixture
def tiny_sqlite_url(tmp_path: Path) -> Any:
    """The tiny dataset in a SQLite file of the test's own."""
    from querybench.datasets import build_dataset, load_spec

    target = f"sqlite:///{tmp_path / 'tiny.sqlite'}"
    return build_dataset(load_spec("tiny"), target, cache_dir=tmp_path / "c").url


def test_run_with_plans_on_phase3_keeps_plans_and_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUERYBENCH_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    args = ["run", "--dataset", "tiny", "--sizes", "10", "-k", "get_user_payments_by_status"]
    args += ["--variants", "naive,eager", "--min-time", "0.01", "--rounds", "3"]
    assert main([*args, "--schema", "phase3", "--plans", "--prove-indexes", "--out", str(out)]) == 0
    results = read_results(out / "results.json")
    cell = results.cells[0]
    assert all(group.plan is not None for group in cell.statements)
    assert [(f.kind, f.columns) for f in cell.plan_findings] == [
        ("full_scan", ("user_id", "status"))
    ]
    (proof,) = cell.index_proofs
    assert proof.uses_index
    # The file reads back equal, and a file without the plan fields still reads.
    assert results_from_json(results.to_json(), "again") == results
    data = json.loads(results.to_json())
    for row in data["cells"]:
        del row["plan_findings"], row["index_proofs"]
        for group in row["statements"]:
            del group["plan"]
    assert results_from_json(json.dumps(data), "old").cells[0].plan_findings == ()
    capsys.readouterr()
    assert main(["plans", str(out / "results.json")]) == 0
    printed = capsys.readouterr().out
    assert 'model:   Index("ix_payments_user_id_status", "user_id", "status")' in printed
    assert (
        'alembic: op.create_index("ix_payments_user_id_status", "payments", ["user_id", "status"])'
        in printed
    )
    assert "index proofs" in printed
    # The run read payments by user and status only: its index on created_at went unread.
    assert "sqlite: unused_index on payments (created_at)" in printed
    assert 'alembic: op.drop_index("ix_payments_created_at", table_name="payments")' in printed


def test_schema_refuses_a_database_querybench_did_not_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlalchemy as sa

    from querybench.errors import OwnershipError
    from querybench.plans.schema import apply_schema

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'theirs.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE payments (id INTEGER PRIMARY KEY)")
    with pytest.raises(OwnershipError, match="refusing to apply the phase3 schema"):
        apply_schema(engine, "phase3")
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == ["payments"]
    engine.dispose()
