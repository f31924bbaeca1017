"""Ownership: a build replaces only tables querybench created and marked, on every backend."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from querybench.datasets import DatasetSpec, build_dataset, drop_dataset, read_probes
from querybench.datasets.probes import meta_table
from querybench.errors import BackendError, OwnershipError

foreign = sa.MetaData()
foreign_users = sa.Table(
    "users",
    foreign,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(100)),
)
foreign_meta = sa.Table(
    "querybench_meta",
    foreign,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("note", sa.String(100)),
)
orders = sa.Table(
    "orders",
    foreign,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("total", sa.Integer),
)
SOMEONE_ELSES = [{"id": 1, "email": "ceo@example.com"}, {"id": 2, "email": "cfo@example.com"}]
ORDERS = [{"id": 7, "total": 700}, {"id": 8, "total": 800}]


def refusal(url: URL, tables: str) -> str:
    return (
        f"{url.render_as_string(hide_password=True)}: refusing to build: table(s) {tables} exist"
        " but were not created by querybench (no querybench_meta mark); nothing was changed."
        " Build into an empty database or schema, or drop those tables yourself"
    )


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_a_foreign_users_table_stops_the_build_and_nothing_changes(
    empty_database: URL, make_engine: Callable[[URL | str], Engine], tiny_spec: DatasetSpec
) -> None:
    engine = make_engine(empty_database)
    foreign_users.create(engine)
    with engine.begin() as conn:
        conn.execute(foreign_users.insert(), SOMEONE_ELSES)
    with pytest.raises(OwnershipError) as caught:
        build_dataset(tiny_spec, empty_database)
    assert str(caught.value) == refusal(empty_database, "users")
    assert table_names(engine) == {"users"}
    with engine.connect() as conn:
        rows = conn.execute(foreign_users.select().order_by(foreign_users.c.id)).mappings().all()
    assert [dict(row) for row in rows] == SOMEONE_ELSES


def test_a_foreign_meta_table_stops_the_build(
    empty_database: URL, make_engine: Callable[[URL | str], Engine], tiny_spec: DatasetSpec
) -> None:
    engine = make_engine(empty_database)
    foreign.create_all(engine, tables=[foreign_users, foreign_meta])
    with pytest.raises(OwnershipError) as caught:
        build_dataset(tiny_spec, empty_database)
    assert str(caught.value) == refusal(empty_database, "querybench_meta, users")
    assert table_names(engine) == {"users", "querybench_meta"}


def test_a_meta_table_without_our_mark_does_not_make_tables_ours(
    empty_database: URL, make_engine: Callable[[URL | str], Engine], tiny_spec: DatasetSpec
) -> None:
    engine = make_engine(empty_database)
    foreign_users.create(engine)
    meta_table.create(engine)
    with engine.begin() as conn:
        conn.execute(meta_table.insert(), [{"name": "owner", "value": "someone else"}])
    with pytest.raises(OwnershipError) as caught:
        build_dataset(tiny_spec, empty_database)
    assert str(caught.value) == refusal(empty_database, "querybench_meta, users")


def test_a_rebuild_replaces_our_tables_and_keeps_everyone_else_s(
    empty_database: URL, make_engine: Callable[[URL | str], Engine], tiny_spec: DatasetSpec
) -> None:
    engine = make_engine(empty_database)
    orders.create(engine)
    with engine.begin() as conn:
        conn.execute(orders.insert(), ORDERS)
    first = build_dataset(tiny_spec, empty_database)
    second = build_dataset(dataclasses.replace(tiny_spec, seed=7), empty_database)
    assert first.digest != second.digest
    assert not second.from_cache  # a file with other tables is built in place, never replaced
    assert read_probes(engine) == second.probes
    with engine.connect() as conn:
        kept = conn.execute(orders.select().order_by(orders.c.id)).mappings().all()
    assert [dict(row) for row in kept] == ORDERS
    assert drop_dataset(engine) == ["pricing_plans", "users", "payments", "querybench_meta"]
    assert table_names(engine) == {"orders"}


def test_a_build_that_died_half_way_is_ours_to_replace(
    empty_database: URL, make_engine: Callable[[URL | str], Engine], tiny_spec: DatasetSpec
) -> None:
    built = build_dataset(tiny_spec, empty_database)
    engine = make_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(
            meta_table.update().where(meta_table.c.name == "state").values(value="building")
        )
    with pytest.raises(BackendError) as caught:
        read_probes(engine)
    shown = empty_database.render_as_string(hide_password=True)
    assert (
        str(caught.value) == f"{shown}: the querybench dataset here is incomplete; build it again"
    )
    engine.dispose()  # a SQLite rebuild replaces the file: pooled connections see the old one
    assert build_dataset(tiny_spec, empty_database).digest == built.digest
    assert read_probes(engine) == built.probes


def test_the_refusal_hides_the_password(
    scratch_database: Callable[[str], URL],
    make_engine: Callable[[URL | str], Engine],
    tiny_spec: DatasetSpec,
) -> None:
    url = scratch_database("postgres").set(password="s3cret-pw")  # trust auth ignores it
    foreign_users.create(make_engine(url))
    with pytest.raises(OwnershipError) as caught:
        build_dataset(tiny_spec, url)
    assert "s3cret-pw" not in str(caught.value)
    assert str(caught.value).startswith("postgresql+psycopg://postgres:***@127.0.0.1:5432/")
