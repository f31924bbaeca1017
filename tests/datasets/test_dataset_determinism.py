"""Determinism: the same spec builds the same rows, byte for byte, on every backend."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import faker
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from querybench.datasets import (
    BuiltDataset,
    DatasetSpec,
    build_dataset,
    content_digest,
)
from querybench.payments.models import Base, Payment, PaymentStatus, PricingPlan, User


def test_tiny_builds_the_pinned_digest_on_every_backend(
    tiny_built: BuiltDataset, tiny_digest: str
) -> None:
    assert tiny_built.digest == tiny_digest, (
        f"tiny's content digest changed on {tiny_built.url.get_backend_name()}"
        f" (Faker {faker.VERSION}): if intended, bump BUILDER_VERSION and update"
        " TINY_DIGEST in tests/datasets/conftest.py"
    )


def test_the_digest_is_recomputed_from_the_rows_in_the_database(
    tiny_built: BuiltDataset, make_engine: Callable[[URL | str], Engine]
) -> None:
    assert content_digest(make_engine(tiny_built.url)) == tiny_built.digest


def test_two_builds_from_scratch_give_the_same_digest(
    tiny_spec: DatasetSpec, tmp_path: Path
) -> None:
    first = build_dataset(tiny_spec, cache_dir=tmp_path / "one")
    second = build_dataset(tiny_spec, cache_dir=tmp_path / "two")
    assert (first.from_cache, second.from_cache) == (False, False)
    assert first.digest == second.digest
    assert first.probes == second.probes


def test_another_seed_gives_another_digest(
    tiny_spec: DatasetSpec, tmp_path: Path, tiny_digest: str
) -> None:
    reseeded = dataclasses.replace(tiny_spec, seed=tiny_spec.seed + 1)
    built = build_dataset(reseeded, f"sqlite:///{tmp_path / 'reseeded.sqlite'}")
    assert built.digest != tiny_digest
    assert built.row_counts == {"payments": 1000, "pricing_plans": 5, "users": 200}


def test_one_changed_value_changes_the_digest(
    tiny_built: BuiltDataset, make_engine: Callable[[URL | str], Engine]
) -> None:
    with make_engine(tiny_built.url).connect() as conn:
        conn.execute(sa.update(Payment).where(Payment.id == 1).values(amount=Decimal("0.01")))
        assert content_digest(conn) != tiny_built.digest
        conn.rollback()
        assert content_digest(conn) == tiny_built.digest


def test_the_canonical_serialisation_is_exact_on_every_backend(
    empty_database: URL, make_engine: Callable[[URL | str], Engine]
) -> None:
    engine = make_engine(empty_database)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(PricingPlan),
            [
                {
                    "id": 1,
                    "name": "pro",
                    "price": Decimal("29"),
                    "currency": "USD",
                    "interval": "month",
                }
            ],
        )
        conn.execute(
            sa.insert(User),
            [
                {
                    "id": 1,
                    "email": "zoe@example.com",
                    "full_name": 'Zoë "Z" Tab\there',
                    "is_active": True,
                    "created_at": datetime(2024, 2, 3, 4, 5, 6),
                    "plan_id": 1,
                },
                {
                    "id": 2,
                    "email": "al@example.com",
                    "full_name": "Al",
                    "is_active": False,
                    "created_at": datetime(2024, 2, 3, 0, 0, 0),
                    "plan_id": None,
                },
            ],
        )
        conn.execute(
            sa.insert(Payment),
            [
                {
                    "id": 1,
                    "user_id": 1,
                    "amount": Decimal("12.30"),
                    "currency": "USD",
                    "status": PaymentStatus.REFUNDED,
                    "stripe_payment_id": "pi_1",
                    "created_at": datetime(2024, 12, 31, 23, 59, 59),
                }
            ],
        )
    expected = (
        "table payments ['id', 'user_id', 'amount', 'currency', 'status', 'stripe_payment_id',"
        " 'created_at']\n"
        '1\t1\t12.30\t"USD"\t"refunded"\t"pi_1"\t2024-12-31T23:59:59\n'
        "table pricing_plans ['id', 'name', 'price', 'currency', 'interval']\n"
        '1\t"pro"\t29.00\t"USD"\t"month"\n'
        "table users ['id', 'email', 'full_name', 'is_active', 'created_at', 'plan_id']\n"
        '1\t"zoe@example.com"\t"Zo\\u00eb \\"Z\\" Tab\\there"\ttrue\t2024-02-03T04:05:06\t1\n'
        '2\t"al@example.com"\t"Al"\tfalse\t2024-02-03T00:00:00\tnull\n'
    )
    assert content_digest(engine) == hashlib.sha256(expected.encode()).hexdigest()
    Base.metadata.drop_all(engine)
