"""Seeded datasets: row sources, a generic build layer, probes and the SQLite build cache.

The generic layer, for any schema:

- ``RowSource`` (protocol): ``name``, ``seed``, ``sizes``, ``metadata`` (the tables it fills),
  ``cache_key()`` and ``write(connection) -> probes`` (bulk Core inserts; the probes a JSON
  mapping). ``callable_source(metadata, fn, name=..., seed=..., sizes=...)`` wraps a user's
  own builder ``fn(connection, context) -> probes | None`` (``BuildContext``: seeded ``rng``
  and ``fake``, ``insert(table, rows)``).
- ``build_source(source, url=None, *, cache_dir=None) -> BuiltSource``: refuses (changing
  nothing) a database holding same-named tables querybench did not create, replaces its own
  earlier build, creates the tables, writes, digests the source's tables and stores probes,
  digest and counts in ``querybench_meta``. SQLite builds are cached by ``cache_key()``.
- ``read_source_probes(bind)``: the stored probes, for a scenario's ``prepare``.

The payments workload builds through it: ``build_dataset(load_spec("tiny"))`` is
``build_source(PaymentsSource(spec))`` with its probes read as the typed ``Probes`` record.
"""

from __future__ import annotations

from querybench.datasets.build import BuiltSource, build_source
from querybench.datasets.cache import CACHE_ENV, cache_root
from querybench.datasets.catalog import available_specs, load_spec, spec_paths
from querybench.datasets.digest import content_digest
from querybench.datasets.generate import BUILDER_VERSION
from querybench.datasets.ownership import drop_dataset
from querybench.datasets.payments_source import BuiltDataset, PaymentsSource, build_dataset
from querybench.datasets.probes import (
    META_TABLE_NAME,
    Probes,
    read_probes,
    read_source_probes,
)
from querybench.datasets.source import (
    BuildContext,
    BuilderFunction,
    CallableSource,
    ProbeDocument,
    RowSource,
    callable_source,
    insert_rows,
)
from querybench.datasets.spec import DatasetSpec, PaymentsPerUser, PlanSpec, StatusMix

__all__ = [
    "BUILDER_VERSION",
    "CACHE_ENV",
    "META_TABLE_NAME",
    "BuildContext",
    "BuilderFunction",
    "BuiltDataset",
    "BuiltSource",
    "CallableSource",
    "DatasetSpec",
    "PaymentsPerUser",
    "PaymentsSource",
    "PlanSpec",
    "ProbeDocument",
    "Probes",
    "RowSource",
    "StatusMix",
    "available_specs",
    "build_dataset",
    "build_source",
    "cache_root",
    "callable_source",
    "content_digest",
    "drop_dataset",
    "insert_rows",
    "load_spec",
    "read_probes",
    "read_source_probes",
    "spec_paths",
]
