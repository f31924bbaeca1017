"""Plans, findings, advice and proofs on the running servers (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, joinedload, selectinload

from querybench import count_queries
from querybench.payments.models import User
from querybench.plans.collect import collect_plans, plans
from querybench.plans.fix import prove_plan_fix
from querybench.plans.proof import prove_index
from querybench.plans.shape import PlanFinding
from querybench.runner.run import record
from querybench.runner.timing import TimingPolicy
from querybench.scenarios.builtin import payments_registry

QUICK = TimingPolicy(min_time=0.05, min_rounds=5, max_attempts=1)

# The unindexed cell each backend proves: on MariaDB payments.user_id keeps the index its
# foreign key needs, so the lookup by user is indexed there and the by-status listing is not.
PROVEN = {
    "sqlite": ("PaymentRepository.get_user_payments_by_status", "eager", 10),
    "postgresql": ("PaymentRepository.get_user_payments_by_status", "eager", 10),
    "mysql": ("PaymentRepository.get_payments_by_status", "eager", 100),
}
ADVICE = {
    "PaymentRepository.get_user_payments_by_status": (
        ("user_id", "status"),
        'Index("ix_payments_user_id_status", "user_id", "status")',
        'op.create_index("ix_payments_user_id_status", "payments", ["user_id", "status"])',
    ),
    "PaymentRepository.get_payments_by_status": (
        ("status", "created_at"),
        'Index("ix_payments_status_created_at", "status", "created_at")',
        'op.create_index("ix_payments_status_created_at", "payments", ["status", "created_at"])',
    ),
}


def _cell(engine: Engine, name: str, variant: str, size: int) -> Any:
    scenario = payments_registry().get(name)
    with Session(engine) as session:
        inputs = scenario.prepare(session, size)

    def body(session: Session) -> object:
        return scenario.variants[variant].run(session, inputs)

    return body


def _findings(engine: Engine, body: Any) -> tuple[PlanFinding, ...]:
    recorder, _ = record(engine, body)
    return collect_plans(engine, recorder.statements, analyse=True).findings


def test_unindexed_schema_finding_advice_and_proven_index(phase3: Engine) -> None:
    name, variant, size = PROVEN[phase3.dialect.name]
    body = _cell(phase3, name, variant, size)
    findings = [f for f in _findings(phase3, body) if f.kind == "full_scan"]
    columns, model, alembic = ADVICE[name]
    assert [(f.table, f.columns) for f in findings] == [("payments", columns)]
    (finding,) = findings
    assert finding.model_index == model
    assert finding.alembic == alembic
    assert finding.callsite.startswith("src/querybench/payments/repositories.py:")
    proof = prove_index(phase3, body, finding, policy=QUICK)
    assert proof.index not in proof.before.indexes
    assert proof.uses_index, proof.after.summary()
    assert proof.after.summary() != proof.before.summary()
    if phase3.dialect.name == "postgresql":
        hypothetical = proof.hypothetical
        assert hypothetical is not None, "hypopg missing: apt-get install postgresql-15-hypopg"
        assert any("btree_payments_user_id_status" in index for index in hypothetical.indexes)
    # Restored: the proof dropped the index it made.
    present = {ix["name"] for ix in sa.inspect(phase3).get_indexes("payments")}
    assert proof.index not in present
    print(f"\n{name}[{variant}] @ N={size}: {proof}")  # the ratio, reported, never asserted


def test_unindexed_foreign_key_under_selectin_loads(phase3: Engine) -> None:
    body = _cell(phase3, "UserRepository.get_user_with_payments", "selectin", 10)
    findings = [f for f in _findings(phase3, body) if f.kind == "unindexed_foreign_key"]
    if phase3.dialect.name == "mysql":  # InnoDB indexes every foreign key by itself
        assert findings == []
        return
    assert [(f.table, f.columns, f.model_index) for f in findings] == [
        ("payments", ("user_id",), 'Index("ix_payments_user_id", "user_id")')
    ]
    assert "selectin loads of User.payments" in findings[0].detail


def _listing(loader: Any) -> Any:
    def body(session: Session) -> object:
        stmt = sa.select(User).options(loader(User.payments)).order_by(User.full_name).limit(10)
        return [user.id for user in session.scalars(stmt).unique()]

    return body


def test_joined_collection_under_order_by_limit_is_the_trap(indexed: Engine) -> None:
    trap = [f for f in _findings(indexed, _listing(joinedload)) if f.kind != "full_scan"]
    assert [(f.kind, f.table, f.columns) for f in trap] == [
        ("joined_collection_limit", "users", ("full_name",))
    ]
    assert "selectinload" in trap[0].detail
    assert trap[0].callsite.startswith("tests/plans/test_plans_live.py:")
    plain = _findings(indexed, _listing(selectinload))
    assert [f.kind for f in plain] == ["full_scan"]  # the sort column alone, no trap


def test_plans_of_a_count_queries_block(indexed: Engine) -> None:
    with Session(indexed) as session, count_queries(session) as recorder:
        session.get(User, 1)
    report = plans(recorder, indexed)
    (plan,) = report.plans.values()
    assert [(scan.table, scan.access) for scan in plan.scans] == [("users", "pk")]
    assert report.findings == ()


def _every_payments_cell(engine: Engine) -> list[tuple[str, str, int, PlanFinding]]:
    found = []
    for scenario in payments_registry():
        if scenario.name.startswith("cache."):
            continue  # the cache scenarios' statements are the repositories' own
        for variant in scenario.variants:
            for size in scenario.sizes_in([1, 100, 1000]):
                body = _cell(engine, scenario.name, variant, size)
                found += [(scenario.name, variant, size, f) for f in _findings(engine, body)]
    return found


def test_indexed_payments_workload_has_no_plan_finding(indexed: Engine) -> None:
    found = _every_payments_cell(indexed)
    assert [(n, v, s, f.kind, f.table, f.columns) for n, v, s, f in found] == []


@pytest.mark.parametrize("analyse", [False, True])
def test_analysed_plans_count_actual_rows_and_change_nothing(
    indexed: Engine, analyse: bool
) -> None:
    body = _cell(indexed, "QueryHelper.delete", "eager", 10)
    recorder, _ = record(indexed, body)
    with indexed.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM payments")).scalar_one()
    report = collect_plans(indexed, recorder.statements, analyse=analyse)
    with indexed.connect() as conn:
        after = conn.execute(sa.text("SELECT count(*) FROM payments")).scalar_one()
    assert after == before  # the DELETE ran under ANALYZE and was rolled back
    (plan,) = [p for p in report.plans.values() if p.scans]
    assert plan.analysed is (analyse and indexed.dialect.name != "sqlite")


def _fn(engine: Engine, name: str, variant: str, size: int) -> Any:
    """A cell as a user's code path: a function of no argument that opens its own Session."""
    body = _cell(engine, name, variant, size)

    def fn() -> object:
        with Session(engine) as session:
            return body(session)

    return fn


def test_prove_plan_fix_measures_the_advised_index_in_a_database_querybench_built(
    phase3: Engine,
) -> None:
    name, variant, size = PROVEN[phase3.dialect.name]
    before = {ix["name"] for ix in sa.inspect(phase3).get_indexes("payments")}
    proof = prove_plan_fix(_fn(phase3, name, variant, size))
    columns, model, _alembic = ADVICE[name]
    assert [(f.kind, f.columns) for f in proof.findings if f.kind == "full_scan"] == [
        ("full_scan", columns)
    ]
    (measured,) = [p for p in proof.proofs if p.columns == columns]
    assert measured.uses_index, measured.after.summary()
    assert proof.hypothetical == ()
    assert f"full_scan on payments: {model}" in str(proof)
    assert f"proven: {measured.index} on " in str(proof)
    assert {ix["name"] for ix in sa.inspect(phase3).get_indexes("payments")} == before
    print(f"\nprove_plan_fix {name}[{variant}] @ N={size}: {proof}")  # the ratio, not asserted


def test_unused_indexes_of_a_run_are_named_with_their_drop_line(indexed: Engine) -> None:
    from querybench.plans.cells import with_plans
    from querybench.plans.unused import unused_indexes
    from querybench.runner.results import Cell
    from querybench.runner.run import _groups

    cells = []
    for variant in ("naive", "eager"):
        body = _cell(indexed, "PaymentRepository.get_user_payments_by_status", variant, 10)
        recorder, _ = record(indexed, body)
        groups, findings, indexes = with_plans(indexed, recorder, list(_groups(recorder)))
        assert findings == ()
        cell = Cell("by_status", variant, 10, "db", recorder.count, 0, None)
        cells.append(replace(cell, statements=tuple(groups), plan_indexes=indexes))
    (answer,) = unused_indexes(cells)
    assert answer.unknown == ""
    named = {finding.alembic for finding in answer.findings}
    # The listing reads ix_payments_user_id_status; nothing in these two cells reads the
    # other two indexes of payments, and users is read by primary key only.
    assert 'op.drop_index("ix_payments_created_at", table_name="payments")' in named
    assert 'op.drop_index("ix_payments_status_created_at", table_name="payments")' in named
    assert not any("ix_payments_user_id_status" in line for line in named)
    # Take one plan away: what the run read is no longer known, so nothing is named.
    first = cells[0]
    blind = replace(first.statements[0], plan=None)
    cells[0] = replace(first, statements=(blind, *first.statements[1:]))
    (answer,) = unused_indexes(cells)
    assert answer.findings == ()
    assert answer.unknown == "1 statements that could read an index had no plan"
