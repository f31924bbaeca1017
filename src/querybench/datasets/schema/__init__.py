"""The schema-driven generator: seeded, FK-consistent rows for any mapping, with probes.

``schema_source(Base, SchemaSpec(name="blog", seed=1, sizes=(1, 10, 100)))`` reads the mapping
(a declarative ``Base``: relationships, directions, ``secondary`` tables, self-references,
joined and single-table inheritance; or a bare ``MetaData``: tables and foreign keys) and
returns a ``RowSource`` for ``build_source``. Values follow each column's type, length,
nullability, uniqueness, enum and readable checks (``IN (...)`` and ranges; others are noted
and skipped); Faker supplies seeded pools. Probes: for every relationship and size N, a parent
with exactly N related rows (collections) or N rows with N distinct related rows (many-to-one),
as ``querybench.datasets.schema.probes`` lays out. ``read_schema_spec(path)`` reads the same
spec from TOML.
"""

from __future__ import annotations

from querybench.datasets.schema.mapping import SchemaModel, read_mapping
from querybench.datasets.schema.source import GENERATOR_VERSION, SchemaSource, schema_source
from querybench.datasets.schema.spec import (
    ChoicesOverride,
    ConstantOverride,
    FakerOverride,
    Fanout,
    FunctionOverride,
    SchemaSpec,
    choices,
    faker,
    read_schema_spec,
)

__all__ = [
    "GENERATOR_VERSION",
    "ChoicesOverride",
    "ConstantOverride",
    "FakerOverride",
    "Fanout",
    "FunctionOverride",
    "SchemaModel",
    "SchemaSource",
    "SchemaSpec",
    "choices",
    "faker",
    "read_mapping",
    "read_schema_spec",
    "schema_source",
]
