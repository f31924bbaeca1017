"""What a dataset is: the frozen spec read from ``specs/<name>.toml``, and its probe arithmetic.

The probes (see ``generate``) reserve rows the scenarios rely on; ``probe_shortfalls`` states, for
a spec, every way its counts cannot hold them, so a spec is refused when it is read rather than
half-way through a build.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from querybench.payments.models import PaymentStatus


@dataclass(frozen=True)
class PlanSpec:
    """A pricing plan the dataset creates, and the share of users on it."""

    name: str
    price: Decimal
    currency: str
    interval: str
    share: float


@dataclass(frozen=True)
class StatusMix:
    """Fractions of the random payments in each status; they sum to 1."""

    pending: float
    completed: float
    failed: float
    refunded: float

    def weights(self) -> dict[PaymentStatus, float]:
        """The fractions keyed by status, in the enum's order."""
        return {status: float(getattr(self, status.value)) for status in PaymentStatus}


@dataclass(frozen=True)
class PaymentsPerUser:
    """How the random payments spread over the users.

    Each user who has payments draws a weight from a log-normal distribution with sigma
    ``skew`` and receives payments in proportion to it: ``skew = 0`` gives every user the same
    expected count, ``skew = 1.5`` gives a few users most of the payments. A fraction
    ``without_payments`` of the users the probes do not need has none at all.
    """

    skew: float
    without_payments: float


@dataclass(frozen=True)
class DatasetSpec:
    """A seeded dataset: how many rows of what, and the sizes N its probes guarantee."""

    name: str
    seed: int
    users: int
    payments: int
    active_ratio: float
    sizes: tuple[int, ...]
    payments_per_user: PaymentsPerUser
    status_mix: StatusMix
    plans: tuple[PlanSpec, ...]
    # Where it was read from; not part of its identity: the same spec anywhere builds the same rows.
    path: Path | None = field(default=None, compare=False)

    @property
    def max_size(self) -> int:
        """The largest N the probes guarantee."""
        return max(self.sizes)

    @property
    def probe_users(self) -> int:
        """Users reserved for ``user_with_payments``: one per size, at the end of the id range."""
        return len(self.sizes)

    @property
    def active_users(self) -> int:
        """Active users among the non-probe users (the probe users are active too)."""
        return round(self.active_ratio * (self.users - self.probe_users))

    def canonical(self) -> str:
        """The spec as canonical JSON: what its digest covers, independent of file layout."""
        document = {
            "name": self.name,
            "seed": self.seed,
            "users": self.users,
            "payments": self.payments,
            "active_ratio": self.active_ratio,
            "sizes": list(self.sizes),
            "payments_per_user": {
                "skew": self.payments_per_user.skew,
                "without_payments": self.payments_per_user.without_payments,
            },
            "status_mix": {status.value: w for status, w in self.status_mix.weights().items()},
            "plans": [
                {
                    "name": plan.name,
                    "price": str(plan.price),
                    "currency": plan.currency,
                    "interval": plan.interval,
                    "share": plan.share,
                }
                for plan in self.plans
            ],
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"))

    @property
    def digest(self) -> str:
        """sha256 of the canonical spec: what the build cache and ``querybench_meta`` key on."""
        return hashlib.sha256(self.canonical().encode()).hexdigest()


def probe_shortfalls(spec: DatasetSpec) -> list[str]:
    """Every way the spec's counts cannot hold its probes, as message fragments (empty when fine).

    The probes need, with M = max(sizes) and K = len(sizes): K probe users; M distinct other
    users owning the M newest payments; M active other users (the first M active users by id
    each get a payment); and payments for all of it: sum(sizes) for the probe users, M newest,
    and at most M more so that each of the first M active users has one.
    """
    m, k = spec.max_size, spec.probe_users
    problems: list[str] = []
    if spec.users - k < m:
        problems.append(
            f"size {m} needs users >= {m + k} ({m} owners of the newest payments"
            f" + {k} probe users), got {spec.users}"
        )
    elif spec.active_users < m:
        problems.append(
            f"size {m} needs {m} active users, got {spec.active_users}"
            f" (active_ratio {spec.active_ratio} of {spec.users - k} non-probe users)"
        )
    needed = sum(spec.sizes) + 2 * m
    if spec.payments < needed:
        problems.append(
            f"sizes need payments >= {needed} (sum(sizes) {sum(spec.sizes)} for the probe users"
            f" + 2 x {m} for the newest and the active users), got {spec.payments}"
        )
    return problems
