"""QueryHelper: filters validated against the model, and each method's behaviour on real rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from querybench.payments.models import Base, Payment, PaymentStatus, User
from querybench.payments.query_helper import QueryHelper
from querybench.recorder import count_queries

users = QueryHelper(User)
payments = QueryHelper(Payment)


@pytest.fixture
def session(sqlite_url: URL) -> Iterator[Session]:
    engine = sa.create_engine(sqlite_url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        for index in range(5):
            session.add(
                User(
                    email=f"user{index}@example.test",
                    full_name=f"User {index}",
                    is_active=index % 2 == 0,
                    created_at=datetime(2024, 1, 1 + index),
                    payments=[
                        Payment(
                            amount=Decimal(f"{index}.{step}0"),
                            currency="USD",
                            status=PaymentStatus.COMPLETED if step else PaymentStatus.FAILED,
                            stripe_payment_id=f"pi_{index}_{step}",
                            created_at=datetime(2024, 2, 1 + step, index),
                        )
                        for step in range(3)
                    ],
                )
            )
        session.commit()
        yield session
    engine.dispose()


@pytest.mark.parametrize(
    "call",
    [
        lambda s: users.get_by_filter(s, {"emial": "x"}),
        lambda s: users.get_all_by_filter(s, {}, order_by="nope"),
        lambda s: users.count(s, {"password": "x"}),
        lambda s: payments.update_where(s, {"id": 1}, {"amount; DROP TABLE users": 1}),
        lambda s: payments.delete_where(s, {"1=1 OR id": 1}),
    ],
)
def test_unknown_column_is_a_value_error_naming_the_columns(session: Session, call: object) -> None:
    with count_queries(session) as recorder, pytest.raises(ValueError, match="has no column"):
        call(session)  # type: ignore[operator]
    assert recorder.count == 0


def test_message_lists_the_real_columns(session: Session) -> None:
    with pytest.raises(ValueError, match=r"User has no column 'emial'; columns are: created_at, "):
        users.get_by_filter(session, {"emial": "x"})


def test_reads(session: Session) -> None:
    assert users.get_by_id(session, 2) is not None
    assert users.get_by_id(session, 99) is None
    assert [u.id for u in users.get_all(session, skip=1, limit=2)] == [2, 3]
    assert [u.id for u in users.get_all_unpaginated(session, skip=1, limit=2)] == [2, 3]
    found = users.get_by_filter(session, {"is_active": True})
    assert found is not None
    assert found.id == 1
    active = users.get_all_by_filter(session, {"is_active": True}, order_by="created_at")
    assert [u.id for u in active] == [1, 3, 5]
    newest = payments.get_all_by_filter(
        session, {"status": PaymentStatus.COMPLETED}, order_by="created_at", descending=True
    )
    in_python = payments.get_all_by_filter_in_python(
        session, {"status": PaymentStatus.COMPLETED}, order_by="created_at", descending=True
    )
    assert [p.id for p in newest] == [p.id for p in in_python]
    assert len(newest) == 10
    assert payments.count(session) == payments.count_by_loading(session) == 15
    assert payments.count(session, {"user_id": [1, 2]}) == 6


def test_count_loads_one_row_and_naive_count_loads_them_all(session: Session) -> None:
    with count_queries(session, count_rows=True) as cheap:
        assert payments.count(session) == 15
    session.expunge_all()
    with count_queries(session, count_rows=True) as naive:
        assert payments.count_by_loading(session) == 15
    assert (cheap.count, naive.count) == (1, 1)
    assert (cheap.statements[0].rows, naive.statements[0].rows) == (1, 15)


def test_writes_agree_between_naive_and_set_based(session: Session) -> None:
    refund = {"status": PaymentStatus.REFUNDED}
    assert payments.update_by_loading(session, {"user_id": 1}, refund) == 3
    assert payments.update_where(session, {"user_id": 2}, refund) == 3
    assert payments.count(session, refund) == 6
    assert payments.delete_by_loading(session, {"user_id": 1}) == 3
    assert payments.delete_where(session, {"user_id": 2}) == 3
    assert payments.count(session) == 9
    rows = [
        {
            "user_id": 3,
            "amount": Decimal("1.00"),
            "currency": "EUR",
            "status": PaymentStatus.PENDING,
            "stripe_payment_id": f"pi_new_{index}",
            "created_at": datetime(2025, 1, 1),
        }
        for index in range(4)
    ]
    assert payments.create_one_by_one(session, rows[:2]) == 2
    assert payments.create_many(session, rows[2:]) == 2
    assert payments.count(session, {"currency": "EUR"}) == 4
    created = payments.create(session, {**rows[0], "stripe_payment_id": "pi_one"})
    assert created.id is not None
    payments.update(session, created, {"currency": "GBP"})
    assert payments.count(session, {"currency": "GBP"}) == 1
    payments.delete(session, created)
    assert payments.count(session, {"currency": "GBP"}) == 0
