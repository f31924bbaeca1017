"""Seeded datasets: specs in ``specs/*.toml``, deterministic generation, bulk load, build cache.

``build_dataset(load_spec("tiny"))`` builds the tiny dataset into a cached SQLite file and
returns a ``BuiltDataset`` whose ``probes`` name the rows each size N can rely on.
"""

from __future__ import annotations

from querybench.datasets.build import BuiltDataset, build_dataset
from querybench.datasets.cache import CACHE_ENV, cache_root
from querybench.datasets.catalog import available_specs, load_spec, spec_paths
from querybench.datasets.digest import content_digest
from querybench.datasets.generate import BUILDER_VERSION
from querybench.datasets.ownership import drop_dataset
from querybench.datasets.probes import META_TABLE_NAME, Probes, read_probes
from querybench.datasets.spec import DatasetSpec, PaymentsPerUser, PlanSpec, StatusMix

__all__ = [
    "BUILDER_VERSION",
    "CACHE_ENV",
    "META_TABLE_NAME",
    "BuiltDataset",
    "DatasetSpec",
    "PaymentsPerUser",
    "PlanSpec",
    "Probes",
    "StatusMix",
    "available_specs",
    "build_dataset",
    "cache_root",
    "content_digest",
    "drop_dataset",
    "load_spec",
    "read_probes",
    "spec_paths",
]
