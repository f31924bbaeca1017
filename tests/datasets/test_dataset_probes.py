"""The probe contract, checked against the database for every size on every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from querybench.datasets import BuiltDataset, read_probes
from querybench.errors import BackendError
from querybench.payments.models import Payment, PaymentStatus, User


@pytest.fixture
def conn(
    tiny_built: BuiltDataset, make_engine: Callable[[URL | str], Engine]
) -> Iterator[Connection]:
    """A connection to the tiny dataset, rolled back at the end."""
    with make_engine(tiny_built.url).connect() as connection:
        yield connection
        connection.rollback()


def test_the_probes_read_back_are_the_ones_the_build_reported(
    tiny_built: BuiltDataset, conn: Connection
) -> None:
    probes = read_probes(conn)
    assert probes == tiny_built.probes
    assert probes.sizes == (1, 10, 100)
    assert sorted(probes.user_with_payments) == [1, 10, 100]
    assert probes.user_payments_status is PaymentStatus.COMPLETED
    assert probes.recent_status is PaymentStatus.REFUNDED


def test_the_row_counts_are_the_spec_s(tiny_built: BuiltDataset, conn: Connection) -> None:
    counts = {
        table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in ("pricing_plans", "users", "payments")
    }
    assert counts == {"pricing_plans": 5, "users": 200, "payments": 1000}
    assert tiny_built.row_counts == counts


@pytest.mark.parametrize("size", [1, 10, 100])
def test_the_user_with_n_payments_has_exactly_n_all_completed(
    tiny_built: BuiltDataset, conn: Connection, size: int
) -> None:
    probes = tiny_built.probes
    user_id = probes.user_with_payments[size]
    statuses = conn.execute(sa.select(Payment.status).where(Payment.user_id == user_id)).scalars()
    assert list(statuses) == [PaymentStatus.COMPLETED] * size
    completed = (
        sa.select(sa.func.count())
        .select_from(Payment)
        .where(Payment.user_id == user_id, Payment.status == PaymentStatus.COMPLETED)
    )
    assert conn.execute(completed).scalar_one() == size
    email, active = conn.execute(
        sa.select(User.email, User.is_active).where(User.id == user_id)
    ).one()
    assert (email, active) == (probes.email_of_user_with_payments[size], True)
    by_email = sa.select(sa.func.count()).select_from(Payment).join(User).where(User.email == email)
    assert conn.execute(by_email).scalar_one() == size


def newest_payments(
    conn: Connection, limit: int, status: PaymentStatus | None = None
) -> list[sa.Row[tuple[int, int, PaymentStatus, str]]]:
    query = sa.select(Payment.id, Payment.user_id, Payment.status, Payment.stripe_payment_id)
    if status is not None:
        query = query.where(Payment.status == status)
    query = query.order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit)
    return list(conn.execute(query))


def test_the_newest_payments_are_refunded_and_of_distinct_non_probe_users(
    tiny_built: BuiltDataset, conn: Connection
) -> None:
    probes = tiny_built.probes
    newest = newest_payments(conn, probes.max_size)
    assert [row.id for row in newest] == list(probes.recent_payment_ids)
    assert [row.user_id for row in newest] == list(probes.recent_user_ids)
    assert [row.stripe_payment_id for row in newest] == list(probes.recent_stripe_payment_ids)
    assert {row.status for row in newest} == {PaymentStatus.REFUNDED}
    assert len({row.user_id for row in newest}) == probes.max_size
    assert not {row.user_id for row in newest} & set(probes.user_with_payments.values())


def test_the_newest_payments_are_strictly_newer_than_all_others(
    tiny_built: BuiltDataset, conn: Connection
) -> None:
    recent = list(tiny_built.probes.recent_payment_ids)
    oldest_recent = conn.execute(
        sa.select(sa.func.min(Payment.created_at)).where(Payment.id.in_(recent))
    ).scalar_one()
    newest_other = conn.execute(
        sa.select(sa.func.max(Payment.created_at)).where(Payment.id.not_in(recent))
    ).scalar_one()
    assert oldest_recent > newest_other


@pytest.mark.parametrize("size", [1, 10, 100])
def test_the_n_newest_and_the_n_newest_refunded_are_n_payments_of_n_users(
    tiny_built: BuiltDataset, conn: Connection, size: int
) -> None:
    expected = list(tiny_built.probes.recent_payment_ids[:size])
    for status in (None, PaymentStatus.REFUNDED):
        rows = newest_payments(conn, size, status)
        assert [row.id for row in rows] == expected
        assert len({row.user_id for row in rows}) == size


@pytest.mark.parametrize("size", [1, 10, 100])
def test_the_first_n_active_users_each_have_payments(
    tiny_built: BuiltDataset, conn: Connection, size: int
) -> None:
    first_active = sa.select(User.id).where(User.is_active).order_by(User.id).limit(size)
    ids = list(conn.execute(first_active).scalars())
    assert ids == list(tiny_built.probes.active_user_ids[:size])
    with_payments = sa.select(sa.func.count(sa.distinct(Payment.user_id))).where(
        Payment.user_id.in_(ids)
    )
    assert conn.execute(with_payments).scalar_one() == size


def test_the_random_part_has_users_without_payments_or_plan_and_every_status(
    conn: Connection,
) -> None:
    without_payments = sa.select(sa.func.count()).select_from(User).where(~User.payments.any())
    assert conn.execute(without_payments).scalar_one() > 0
    without_plan = sa.select(sa.func.count()).select_from(User).where(User.plan_id.is_(None))
    assert conn.execute(without_plan).scalar_one() > 0
    statuses = conn.execute(sa.select(Payment.status).distinct()).scalars()
    assert set(statuses) == set(PaymentStatus)
    inactive = sa.select(sa.func.count()).select_from(User).where(~User.is_active)
    assert conn.execute(inactive).scalar_one() > 0


def test_new_rows_get_ids_after_the_loaded_ones(tiny_built: BuiltDataset, conn: Connection) -> None:
    """Rows were loaded with explicit ids: PostgreSQL's sequences must have been moved on."""
    result = conn.execute(
        sa.insert(User).values(
            email="new@example.com",
            full_name="New User",
            is_active=True,
            created_at=sa.func.current_timestamp(),
        )
    )
    assert result.inserted_primary_key is not None
    assert result.inserted_primary_key[0] == tiny_built.spec.users + 1


def test_reading_probes_where_no_dataset_was_built_is_refused(
    empty_database: URL, make_engine: Callable[[URL | str], Engine]
) -> None:
    with pytest.raises(BackendError) as caught:
        read_probes(make_engine(empty_database))
    shown = empty_database.render_as_string(hide_password=True)
    assert str(caught.value) == (
        f"{shown}: no querybench dataset here (no querybench_meta table);"
        " build one with: querybench datasets NAME --db URL"
    )
