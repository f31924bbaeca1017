"""QueryHelper's single-row lookups: what the naive forms cost beyond the statement count."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.payments.models import Payment
from querybench.recorder import QueryRecorder, count_queries
from querybench.scenarios.builtin import payments_registry
from querybench.scenarios.inputs import RECENT_STATUS

REGISTRY = payments_registry()


def record(engine: Engine, name: str, variant: str) -> QueryRecorder:
    scenario = REGISTRY.get(name)
    with Session(engine) as session:
        inputs = scenario.prepare(session, 1)
        with count_queries(session, count_rows=True) as recorder:
            scenario.variants[variant].run(session, inputs)
        session.rollback()
    return recorder


def test_lookups_are_single_row_scenarios() -> None:
    for name in ("QueryHelper.get_by_id", "QueryHelper.get_by_filter"):
        assert REGISTRY.get(name).sizes_in([1, 10, 100]) == [1]


def test_naive_get_by_id_selects_again_what_session_get_answers_from_the_identity_map(
    tiny_engine: Engine,
) -> None:
    naive = record(tiny_engine, "QueryHelper.get_by_id", "naive")
    eager = record(tiny_engine, "QueryHelper.get_by_id", "eager")
    assert len({statement.fingerprint for statement in naive.statements}) == 1
    assert (naive.count, eager.count) == (2, 1)


def test_naive_get_by_filter_fetches_every_match_where_limit_1_fetches_one(
    tiny_engine: Engine,
) -> None:
    with tiny_engine.connect() as conn:
        matches = conn.scalar(
            sa.select(sa.func.count()).select_from(Payment).where(Payment.status == RECENT_STATUS)
        )
    assert matches is not None
    assert matches > 100  # the recent probe alone holds 100
    naive = record(tiny_engine, "QueryHelper.get_by_filter", "naive")
    eager = record(tiny_engine, "QueryHelper.get_by_filter", "eager")
    assert [s.rows for s in naive.statements] == [matches]
    assert [s.rows for s in eager.statements] == [1]
    assert "LIMIT" in eager.statements[0].sql.upper()
    assert "LIMIT" not in naive.statements[0].sql.upper()
