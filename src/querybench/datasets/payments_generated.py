"""Payments' datasets built by the schema-driven generator, with the payments probes.

``GeneratedPaymentsSource(spec)`` takes a payments spec (``fixtures/*.toml``) and builds the same
counts and sizes from the payments models alone (``querybench.datasets.schema``): plans are the
spec's, statuses follow its mix, ``User.payments`` spreads with its skew. The payments
guarantees (see ``Probes``) are then set in the generated columns before the insert:

- the generator's reserved parents of ``User.payments`` (exactly N payments each) are the probe
  users: active, every payment COMPLETED;
- its tail of payments (the last M, owned by M distinct users who are not probe users) are the
  recent payments: REFUNDED, created after every other payment, the highest id the newest;
- users without a payment are inactive, so the first M active users by id (probe users among
  them, as they come first) each have one.

``build_generated_payments(spec, url)`` builds it as ``build_dataset`` builds the hand-written one.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection

from querybench.datasets.build import build_source
from querybench.datasets.payments_source import BuiltDataset
from querybench.datasets.probes import Probes
from querybench.datasets.schema import SchemaSource, SchemaSpec, schema_source
from querybench.datasets.schema.spec import (
    ChoicesOverride,
    Fanout,
    FunctionOverride,
    ValueFunction,
)
from querybench.datasets.schema.values import EPOCH, PERIOD_SECONDS
from querybench.datasets.source import ProbeDocument, SpecFields
from querybench.datasets.spec import DatasetSpec, PlanSpec
from querybench.payments.models import Base, PaymentStatus


def _plan_field(plans: tuple[PlanSpec, ...], name: str) -> ValueFunction:
    def value(index: int, _rng: random.Random) -> Any:
        return getattr(plans[index], name)

    return value


def _generator_spec(spec: DatasetSpec) -> SchemaSpec:
    plans = spec.plans
    plan_field: dict[str, Any] = {
        name: FunctionOverride(_plan_field(plans, name))
        for name in ("name", "price", "currency", "interval")
    }
    statuses = spec.status_mix.weights()
    currencies = [plan.currency for plan in plans]
    return SchemaSpec(
        name=f"{spec.name}-generated",
        seed=spec.seed,
        sizes=spec.sizes,
        counts={"pricing_plans": len(plans), "users": spec.users, "payments": spec.payments},
        overrides={
            "pricing_plans": plan_field,
            "users": {
                "is_active": ChoicesOverride(
                    (True, False), (spec.active_ratio, 1 - spec.active_ratio)
                )
            },
            "payments": {
                "status": ChoicesOverride(
                    tuple(status.value for status in statuses), tuple(statuses.values())
                ),
                "currency": ChoicesOverride(tuple(currencies), tuple(p.share for p in plans)),
            },
        },
        fanouts={"User.payments": Fanout(spec.payments / spec.users, spec.payments_per_user.skew)},
    )


@dataclass(frozen=True)
class GeneratedPaymentsSource(SpecFields):
    """A payments spec built by the schema-driven generator, with the payments probes."""

    spec: DatasetSpec
    source: SchemaSource = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", schema_source(Base, _generator_spec(self.spec)))

    @property
    def name(self) -> str:
        """The spec's name, ``-generated``: its default file is not the hand-written one's."""
        return self.source.name

    @property
    def metadata(self) -> sa.MetaData:
        """The payments models' tables."""
        return Base.metadata

    def cache_key(self) -> str:
        """The generator's key and the payments spec, hashed."""
        identity = f"payments-generated\n{self.source.cache_key()}\n{self.spec.digest}"
        return hashlib.sha256(identity.encode()).hexdigest()[:16]

    def _spread(
        self, users: dict[str, list[Any]], payments: dict[str, list[Any]], kept: set[int]
    ) -> None:
        """The spec's users without a plan and without payments, as the hand-written builder has.

        Payments of the users chosen to have none go to other random users: only the probes'
        counts are exact, and ``kept`` (probe users, owners of the recent payments) is spared.
        """
        rng = random.Random(f"{self.spec.seed}/payments-generated")
        no_plan = max(0.0, 1.0 - sum(plan.share for plan in self.spec.plans))
        users["plan_id"] = [None if rng.random() < no_plan else p for p in users["plan_id"]]
        optional = [uid for uid in users["id"] if uid not in kept]
        without = set(
            rng.sample(
                optional, round(self.spec.payments_per_user.without_payments * len(optional))
            )
        )
        others = [uid for uid in optional if uid not in without]
        payments["user_id"] = [
            rng.choice(others) if owner in without else owner for owner in payments["user_id"]
        ]

    def write(self, connection: Connection) -> ProbeDocument:
        """Generate, set the payments guarantees, insert; the probes as ``Probes.to_json``."""
        generated, document = self.source.generate()
        users = generated.tables["users"].columns
        payments = generated.tables["payments"].columns
        relationship = document["relationships"]["User.payments"]
        probe_users = {int(n): int(uid) for n, uid in relationship["parent"].items()}
        reserved = set(probe_users.values())
        m = max(self.spec.sizes)
        recent = [int(pid) for pid in document["relationships"]["Payment.user"]["rows"][:m]]
        if len(probe_users) != len(self.spec.sizes) or len(recent) < m:
            raise ValueError(f"{self.spec.name}: the generator could not plant every probe")
        # Ids are positions + 1: the generator numbers single integer keys from 1.
        for index, owner in enumerate(payments["user_id"]):
            if owner in reserved:
                payments["status"][index] = PaymentStatus.COMPLETED.value
        for j, payment_id in enumerate(recent):
            payments["status"][payment_id - 1] = PaymentStatus.REFUNDED.value
            # Newest last: the highest id is the newest, after every random payment.
            payments["created_at"][payment_id - 1] = EPOCH + timedelta(seconds=PERIOD_SECONDS + j)
        self._spread(users, payments, reserved | {payments["user_id"][p - 1] for p in recent})
        owning = set(payments["user_id"])
        users["is_active"] = [
            user_id in reserved or (active and user_id in owning)
            for user_id, active in zip(users["id"], users["is_active"], strict=True)
        ]
        self.source.insert(connection, generated)
        newest_first = recent[::-1]
        probes = Probes(
            sizes=self.spec.sizes,
            user_with_payments=probe_users,
            email_of_user_with_payments={n: users["email"][u - 1] for n, u in probe_users.items()},
            user_payments_status=PaymentStatus.COMPLETED,
            recent_status=PaymentStatus.REFUNDED,
            recent_payment_ids=tuple(newest_first),
            recent_user_ids=tuple(payments["user_id"][pid - 1] for pid in newest_first),
            recent_stripe_payment_ids=tuple(
                payments["stripe_payment_id"][pid - 1] for pid in newest_first
            ),
            active_user_ids=tuple(
                uid for uid, active in zip(users["id"], users["is_active"], strict=True) if active
            )[:m],
        )
        loaded: ProbeDocument = json.loads(probes.to_json())
        return loaded


def build_generated_payments(
    spec: DatasetSpec, url: str | URL | None = None, *, cache_dir: Path | None = None
) -> BuiltDataset:
    """Build ``spec`` with the generic generator (see ``build_dataset`` for the rules)."""
    built = build_source(GeneratedPaymentsSource(spec), url, cache_dir=cache_dir)
    return BuiltDataset(
        url=built.url,
        spec=spec,
        digest=built.digest,
        row_counts=built.row_counts,
        probes=Probes.from_json(json.dumps(dict(built.probes))),
        seconds=built.seconds,
        from_cache=built.from_cache,
    )
