"""The payments workload's hand-written builder as a ``RowSource``, and ``build_dataset``.

``build_dataset(spec, url)`` is ``build_source(PaymentsSource(spec), url)`` with the stored
probes read back as the typed ``Probes`` record the payments scenarios use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection

from querybench.datasets.build import build_source
from querybench.datasets.cache import cache_key
from querybench.datasets.generate import generate
from querybench.datasets.probes import Probes
from querybench.datasets.source import ProbeDocument, SpecFields
from querybench.datasets.spec import DatasetSpec
from querybench.payments.models import Base, Payment, PricingPlan, User


@dataclass(frozen=True)
class PaymentsSource(SpecFields):
    """The payments tables filled by ``generate(spec)``; probes as ``Probes.to_json`` lays out."""

    spec: DatasetSpec

    @property
    def metadata(self) -> sa.MetaData:
        """The payments models' tables."""
        return Base.metadata

    def cache_key(self) -> str:
        """The spec digest, ``BUILDER_VERSION`` and Faker's version, hashed."""
        return cache_key(self.spec)

    def write(self, connection: Connection) -> ProbeDocument:
        """Insert plans, users and payments in chunks; the probes as a JSON document."""
        data = generate(self.spec)
        connection.execute(sa.insert(PricingPlan), data.plan_rows())
        for chunk in data.user_rows():
            connection.execute(sa.insert(User), chunk)
        for chunk in data.payment_rows():
            connection.execute(sa.insert(Payment), chunk)
        document: ProbeDocument = json.loads(data.probes.to_json())
        return document


@dataclass(frozen=True)
class BuiltDataset:
    """A payments dataset built into a database, and what the build found and took."""

    url: URL
    spec: DatasetSpec
    digest: str
    row_counts: dict[str, int]
    probes: Probes
    seconds: float
    from_cache: bool

    @property
    def name(self) -> str:
        """The spec's name."""
        return self.spec.name

    @property
    def rows(self) -> int:
        """Rows in all payments tables together."""
        return sum(self.row_counts.values())


def build_dataset(
    spec: DatasetSpec, url: str | URL | None = None, *, cache_dir: Path | None = None
) -> BuiltDataset:
    """Build the payments dataset ``spec`` into ``url`` (None: ``<cache>/work/<name>.sqlite``).

    See ``build_source`` for what is replaced, what is refused and the errors raised.
    """
    built = build_source(PaymentsSource(spec), url, cache_dir=cache_dir)
    return BuiltDataset(
        url=built.url,
        spec=spec,
        digest=built.digest,
        row_counts=built.row_counts,
        probes=Probes.from_json(json.dumps(dict(built.probes))),
        seconds=built.seconds,
        from_cache=built.from_cache,
    )
