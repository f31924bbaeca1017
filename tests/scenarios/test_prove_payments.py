"""prove_fix on the payments scenarios: every naive variant with findings, at every size.

Cross-check: where loader options fix a naive variant, the proven count equals the ``eager``
variant's count (the method's chosen optimisation) and the results are equal. If they ever
differ, either the derivation or the hand-written eager variant is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench import prove_fix
from querybench.datasets import CACHE_ENV
from querybench.recorder import count_queries
from querybench.report.html import render_html
from querybench.runner.job import RunOptions, RunState, run_job
from querybench.runner.results import read_results
from querybench.runner.timing import TimingPolicy
from querybench.scenarios.builtin import payments_registry
from querybench.scenarios.registry import Scenario

REGISTRY = payments_registry()
SIZES = (1, 10, 100)
CASES = [(s.name, size) for s in REGISTRY for size in s.sizes_in(SIZES)]

# What the proofs find, pinned: the N+1s of the naive variants, and the option each gets.
PROVEN = {
    ("UserRepository.get_active_users_with_payments", 10): "selectinload(User.payments)",
    ("UserRepository.get_active_users_with_payments", 100): "selectinload(User.payments)",
    ("PaymentRepository.get_payments_by_status", 10): "joinedload(Payment.user)",
    ("PaymentRepository.get_payments_by_status", 100): "joinedload(Payment.user)",
    ("PaymentRepository.get_recent_payments_with_users", 10): "joinedload(Payment.user)",
    ("PaymentRepository.get_recent_payments_with_users", 100): "joinedload(Payment.user)",
    # The routes calling those methods: the same proof through the HTTP stack.
    ("routes.get_active_users_with_payments", 10): "selectinload(User.payments)",
    ("routes.get_active_users_with_payments", 100): "selectinload(User.payments)",
    ("routes.get_payments_by_status", 10): "joinedload(Payment.user)",
    ("routes.get_payments_by_status", 100): "joinedload(Payment.user)",
}
# Row-by-row INSERTs: a finding that no loader option fixes.
CODE_CHANGE = {("QueryHelper.create", 10), ("QueryHelper.create", 100)}


def call(engine: Engine, scenario: Scenario[object], variant: str, inputs: object) -> object:
    """Run one variant in a fresh Session, rolled back: what prove_fix calls twice."""
    with Session(engine) as session:
        session.connection()
        try:
            return scenario.variants[variant].run(session, inputs)
        finally:
            session.rollback()


def recorded(engine: Engine, fn: Callable[[], object]) -> tuple[int, object, int]:
    """Statements, result and findings of one call."""
    with count_queries(engine) as queries:
        result = fn()
    return queries.count, result, len(queries.n_plus_one())


@pytest.mark.parametrize(("name", "size"), CASES)
def test_proven_count_equals_the_eager_variants_count(
    tiny_engine: Engine, name: str, size: int
) -> None:
    scenario = REGISTRY.get(name)
    with Session(tiny_engine) as session:
        inputs = scenario.prepare(session, size)
    _, _, findings = recorded(tiny_engine, lambda: call(tiny_engine, scenario, "naive", inputs))
    proof = prove_fix(lambda: call(tiny_engine, scenario, "naive", inputs), tiny_engine)
    assert len(proof.findings) == findings
    if (name, size) in PROVEN:
        eager_count, eager_result, _ = recorded(
            tiny_engine, lambda: call(tiny_engine, scenario, "eager", inputs)
        )
        assert proof.proven, proof.reason
        assert proof.options == (PROVEN[name, size],)
        assert proof.before.count == size + 1
        assert proof.after.count == eager_count
        assert proof.before_result == proof.after_result == eager_result
    elif (name, size) in CODE_CHANGE:
        assert not proof.proven
        assert proof.options == ()
        assert f"{size} single-row writes at " in proof.reason
        assert "the code must change" in proof.reason
        assert proof.after.count == proof.before.count == size
    else:
        assert findings == 0
        assert (proof.options, proof.reason) == ((), "no N+1 finding to fix")
        assert proof.after.count == proof.before.count


def test_querybench_run_keeps_the_proof_beside_the_naive_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    options = RunOptions(
        dataset="tiny",
        pattern="PaymentRepository.get_payments_by_status",
        variants=("naive", "eager"),
        out=tmp_path / "out",
        policy=TimingPolicy(min_time=0.0, min_rounds=1),
    )
    run_job(payments_registry(), options, RunState())
    results = read_results(tmp_path / "out" / "results.json")
    cells = {(c.variant, c.size): c for c in results.cells}
    assert cells["naive", 1].proof is None  # no finding at N = 1
    assert cells["eager", 100].proof is None
    for size in (10, 100):
        proof = cells["naive", size].proof
        assert proof is not None
        assert (proof.proven, proof.options, proof.fixed, proof.reason) == (
            True,
            ("joinedload(Payment.user)",),
            1,
            "",
        )
        assert (proof.before_queries, proof.after_queries) == (size + 1, 1)
        assert proof.after_queries == cells["eager", size].queries
        assert proof.before_queries == cells["naive", size].queries
    assert (
        "<dt>proven</dt><dd>11 -&gt; 1 statements at N=10, 101 -&gt; 1 statements at N=100 "
        "with joinedload(Payment.user)</dd>" in render_html(results)
    )
