"""The probes at the sizes ``make bench`` runs: the small dataset on SQLite, N up to 1000."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from querybench.datasets import build_dataset, load_spec
from querybench.payments.models import Payment, PaymentStatus, User


@pytest.mark.slow
def test_small_holds_every_probe_up_to_1000(
    tmp_path: Path, make_engine: Callable[[URL | str], Engine]
) -> None:
    built = build_dataset(load_spec("small"), cache_dir=tmp_path)
    probes = built.probes
    assert built.row_counts == {"payments": 50_000, "pricing_plans": 5, "users": 5_000}
    assert probes.sizes == (1, 10, 100, 1000)
    with make_engine(built.url).connect() as conn:
        for size, user_id in probes.user_with_payments.items():
            statuses = conn.execute(sa.select(Payment.status).where(Payment.user_id == user_id))
            assert list(statuses.scalars()) == [PaymentStatus.COMPLETED] * size
        newest = conn.execute(
            sa.select(Payment.id, Payment.user_id, Payment.status)
            .order_by(Payment.created_at.desc(), Payment.id.desc())
            .limit(1000)
        ).all()
        assert [row.id for row in newest] == list(probes.recent_payment_ids)
        assert {row.status for row in newest} == {PaymentStatus.REFUNDED}
        assert len({row.user_id for row in newest}) == 1000
        first_active = conn.execute(
            sa.select(User.id).where(User.is_active).order_by(User.id).limit(1000)
        ).scalars()
        ids = list(first_active)
        assert ids == list(probes.active_user_ids)
        paying = sa.select(sa.func.count(sa.distinct(Payment.user_id))).where(
            Payment.user_id.in_(ids)
        )
        assert conn.execute(paying).scalar_one() == 1000
