"""Seeded generation of a dataset's rows, probes first, the rest random per the spec.

Layout, with K = len(sizes) and M = max(sizes):

- users 1 .. U-K are the random users; U-K+1 .. U are the probe users (one per size,
  ascending), active, each with exactly N COMPLETED payments and nothing else;
- the M newest payments are REFUNDED, one each for M distinct random users drawn by the rng,
  timestamped after the end of the random period so nothing else is as new;
- the first M active random users each get at least one payment;
- every other payment goes to a random user in proportion to a log-normal weight, with a
  status drawn from the status mix; a fraction of the users the probes need nothing from has
  no payments at all.

Faker (seeded) only supplies pools of first and last names; every other value comes from one
``random.Random(seed)``, so the same spec gives the same rows in the same order.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from faker import Faker

from querybench.datasets.probes import Probes
from querybench.datasets.spec import DatasetSpec
from querybench.payments.models import PaymentStatus

# Bump when the same spec would generate different rows, or the meta layout or schema changes.
BUILDER_VERSION = "2"

# Timestamps are naive UTC with whole seconds: MariaDB's DATETIME keeps no fraction.
EPOCH = datetime(2023, 1, 1)
# Random payments fall within two years of EPOCH; users sign up in the first 80% of it.
PERIOD_SECONDS = 2 * 365 * 24 * 3600
SIGNUP_SECONDS = PERIOD_SECONDS * 4 // 5
NAME_POOL = 256
# Payment amounts run from 1.00 to 500.00.
MIN_CENTS, MAX_CENTS = 100, 50_000
CHUNK_ROWS = 10_000
STRIPE_ID = "pi_{:08x}{:016x}"

_NOT_LETTERS = re.compile(r"[^a-z]")
_STATUSES = tuple(PaymentStatus)


@dataclass(frozen=True)
class GeneratedUsers:
    """User columns, index i holding user id i + 1."""

    names: list[str]
    emails: list[str]
    active: list[bool]
    plan_ids: list[int | None]
    signup_offsets: list[int]


@dataclass(frozen=True)
class GeneratedPayments:
    """Payment columns in id order (index i holds payment id i + 1), oldest first."""

    user_ids: list[int]
    statuses: list[PaymentStatus]
    offsets: list[int]
    cents: list[int]
    stripe_bits: list[int]

    def stripe_payment_id(self, index: int) -> str:
        """The Stripe id of payment ``index + 1``.

        The id comes first, so ids are unique and time-ordered as Stripe's are (which also keeps
        the unique index cheap to fill); 64 random bits follow.
        """
        return STRIPE_ID.format(index + 1, self.stripe_bits[index])


@dataclass(frozen=True)
class GeneratedDataset:
    """Every row of a dataset, ready to stream into ``insert()`` in chunks."""

    spec: DatasetSpec
    users: GeneratedUsers
    payments: GeneratedPayments
    probes: Probes

    def plan_rows(self) -> list[dict[str, Any]]:
        """The pricing plans, ids from 1 in spec order."""
        return [
            {
                "id": plan_id,
                "name": plan.name,
                "price": plan.price,
                "currency": plan.currency,
                "interval": plan.interval,
            }
            for plan_id, plan in enumerate(self.spec.plans, start=1)
        ]

    def user_rows(self) -> Iterator[list[dict[str, Any]]]:
        """The users in chunks of ``CHUNK_ROWS``."""
        users = self.users
        for start in range(0, len(users.names), CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, len(users.names))
            columns = zip(
                range(start + 1, stop + 1),
                users.emails[start:stop],
                users.names[start:stop],
                users.active[start:stop],
                _timestamps(users.signup_offsets[start:stop]),
                users.plan_ids[start:stop],
                strict=True,
            )
            yield [
                {
                    "id": user_id,
                    "email": email,
                    "full_name": name,
                    "is_active": active,
                    "created_at": created_at,
                    "plan_id": plan_id,
                }
                for user_id, email, name, active, created_at, plan_id in columns
            ]

    def payment_rows(self) -> Iterator[list[dict[str, Any]]]:
        """The payments in chunks of ``CHUNK_ROWS``."""
        # Columns mapped in C and zipped: a million rows built value by value cost seconds.
        currencies = [plan.currency for plan in self.spec.plans]
        # Indexed by user id; users without a plan pay in the first plan's currency.
        currency_of_user = [""] + [
            currencies[plan_id - 1] if plan_id is not None else currencies[0]
            for plan_id in self.users.plan_ids
        ]
        # Indexed by cents: one shared Decimal per possible amount.
        amounts = [Decimal(cents).scaleb(-2) for cents in range(MAX_CENTS + 1)]
        payments = self.payments
        for start in range(0, len(payments.user_ids), CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, len(payments.user_ids))
            ids = range(start + 1, stop + 1)
            user_ids = payments.user_ids[start:stop]
            columns = zip(
                ids,
                user_ids,
                map(amounts.__getitem__, payments.cents[start:stop]),
                map(currency_of_user.__getitem__, user_ids),
                payments.statuses[start:stop],
                map(STRIPE_ID.format, ids, payments.stripe_bits[start:stop]),
                _timestamps(payments.offsets[start:stop]),
                strict=True,
            )
            yield [
                {
                    "id": payment_id,
                    "user_id": user_id,
                    "amount": amount,
                    "currency": currency,
                    "status": status,
                    "stripe_payment_id": stripe_id,
                    "created_at": created_at,
                }
                for payment_id, user_id, amount, currency, status, stripe_id, created_at in columns
            ]


def _timestamps(offsets: list[int]) -> Iterator[datetime]:
    """Naive UTC datetimes, whole seconds after ``EPOCH``."""
    return map(EPOCH.__add__, map(timedelta, itertools.repeat(0), offsets))


def generate(spec: DatasetSpec) -> GeneratedDataset:
    """Generate every row of ``spec``, deterministically."""
    rng = random.Random(spec.seed)
    users = _users(spec, rng)
    payments, recent_owners = _payments(spec, users, rng)
    probes = _probes(spec, users, payments, recent_owners)
    return GeneratedDataset(spec=spec, users=users, payments=payments, probes=probes)


def _users(spec: DatasetSpec, rng: random.Random) -> GeneratedUsers:
    fake = Faker("en_US")
    fake.seed_instance(spec.seed)
    first_names = [fake.first_name() for _ in range(NAME_POOL)]
    last_names = [fake.last_name() for _ in range(NAME_POOL)]
    count, randoms = spec.users, spec.users - spec.probe_users
    firsts = rng.choices(first_names, k=count)
    lasts = rng.choices(last_names, k=count)
    names = [f"{first} {last}" for first, last in zip(firsts, lasts, strict=True)]
    # The index keeps emails unique however often a name repeats.
    emails = [
        f"{_local(first)}.{_local(last)}{index}@example.com"
        for index, (first, last) in enumerate(zip(firsts, lasts, strict=True), start=1)
    ]
    chosen = set(rng.sample(range(randoms), spec.active_users))
    active = [index in chosen or index >= randoms for index in range(count)]
    plan_choices: list[int | None] = [*range(1, len(spec.plans) + 1), None]
    no_plan = max(0.0, 1.0 - sum(plan.share for plan in spec.plans))
    plan_ids = rng.choices(plan_choices, weights=[p.share for p in spec.plans] + [no_plan], k=count)
    signup_offsets = sorted(rng.randrange(SIGNUP_SECONDS) for _ in range(count))
    return GeneratedUsers(names, emails, active, plan_ids, signup_offsets)


def _local(name: str) -> str:
    return _NOT_LETTERS.sub("", name.lower()) or "user"


def _payments(
    spec: DatasetSpec, users: GeneratedUsers, rng: random.Random
) -> tuple[GeneratedPayments, list[int]]:
    m, randoms = spec.max_size, spec.users - spec.probe_users
    owners: list[int] = []
    statuses: list[PaymentStatus] = []
    for position, size in enumerate(spec.sizes):
        owners += [randoms + 1 + position] * size
        statuses += [PaymentStatus.COMPLETED] * size
    # recent_owners[j] owns the j-th newest payment.
    recent_owners = [index + 1 for index in rng.sample(range(randoms), m)]
    first_active = [index + 1 for index in range(randoms) if users.active[index]][:m]
    needing_one = sorted(set(first_active) - set(recent_owners))
    spared = set(first_active) | set(recent_owners)
    optional = [user for user in range(1, randoms + 1) if user not in spared]
    without = set(
        rng.sample(optional, round(spec.payments_per_user.without_payments * len(optional)))
    )
    eligible = [user for user in range(1, randoms + 1) if user not in without]
    rest = spec.payments - len(owners) - m - len(needing_one)
    skew = spec.payments_per_user.skew
    weights = [rng.lognormvariate(0.0, skew) for _ in eligible]
    random_owners = needing_one + rng.choices(
        eligible, cum_weights=list(itertools.accumulate(weights)), k=rest
    )
    status_weights = list(spec.status_mix.weights().values())
    owners += random_owners
    statuses += rng.choices(_STATUSES, weights=status_weights, k=len(random_owners))
    # A payment falls between its user's signup and the end of the period.
    signups = list(map([0, *users.signup_offsets].__getitem__, owners))
    offsets = [start + int(rng.random() * (PERIOD_SECONDS - start)) for start in signups]
    # Ids follow time, as they would in production; ties keep generation order.
    order = sorted(range(len(owners)), key=offsets.__getitem__)
    total = len(order) + m
    ordered = GeneratedPayments(
        user_ids=list(map(owners.__getitem__, order)) + recent_owners[::-1],
        statuses=list(map(statuses.__getitem__, order)) + [PaymentStatus.REFUNDED] * m,
        offsets=list(map(offsets.__getitem__, order)) + [PERIOD_SECONDS + j for j in range(m)],
        cents=[MIN_CENTS + int(rng.random() * (MAX_CENTS - MIN_CENTS + 1)) for _ in range(total)],
        stripe_bits=[rng.getrandbits(64) for _ in range(total)],
    )
    return ordered, recent_owners


def _probes(
    spec: DatasetSpec, users: GeneratedUsers, payments: GeneratedPayments, recent_owners: list[int]
) -> Probes:
    m, randoms = spec.max_size, spec.users - spec.probe_users
    total = len(payments.user_ids)
    probe_users = {size: randoms + 1 + position for position, size in enumerate(spec.sizes)}
    # The newest payment has the highest id.
    recent_ids = tuple(range(total, total - m, -1))
    return Probes(
        sizes=spec.sizes,
        user_with_payments=probe_users,
        email_of_user_with_payments={n: users.emails[uid - 1] for n, uid in probe_users.items()},
        user_payments_status=PaymentStatus.COMPLETED,
        recent_status=PaymentStatus.REFUNDED,
        recent_payment_ids=recent_ids,
        recent_user_ids=tuple(recent_owners),
        recent_stripe_payment_ids=tuple(payments.stripe_payment_id(pid - 1) for pid in recent_ids),
        active_user_ids=tuple(index + 1 for index in range(randoms) if users.active[index])[:m],
    )
