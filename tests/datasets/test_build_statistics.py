"""A server build leaves the planner's statistics fresh: plans never wait on autovacuum."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from querybench.datasets import DatasetSpec, build_dataset


def test_a_postgres_build_has_analysed_every_table_it_made(
    scratch_database: Callable[[str], URL],
    make_engine: Callable[[URL | str], Engine],
    tiny_spec: DatasetSpec,
) -> None:
    url = scratch_database("postgres")
    build_dataset(tiny_spec, url)
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT relname, last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
                " FROM pg_stat_user_tables WHERE relname <> 'querybench_meta' ORDER BY relname"
            )
        ).all()
        planned = conn.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'payments'"))
        payments_estimate = planned.scalar_one()
    assert [tuple(row) for row in rows] == [
        ("payments", True),
        ("pricing_plans", True),
        ("users", True),
    ]
    assert payments_estimate == tiny_spec.payments  # the planner knows the real row count
