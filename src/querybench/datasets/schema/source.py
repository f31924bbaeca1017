"""``SchemaSource``: the schema-driven generator as a ``RowSource``, and its bulk load.

``schema_source(models, spec)`` checks the spec against the mapping (one ``SpecError`` line for
an unknown table, column, relationship or Faker provider) and returns a source that
``build_source`` builds. Rows are generated in memory, column by column, then inserted with
executemany Core inserts in chunks, parents before children; keys closing a cycle between
tables are inserted NULL and set afterwards by one executemany UPDATE.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faker
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from querybench.datasets.schema.generator import Generated, generate_rows
from querybench.datasets.schema.layout import plan_layout, table_counts
from querybench.datasets.schema.mapping import SchemaModel, read_mapping
from querybench.datasets.schema.probes import probe_document
from querybench.datasets.schema.spec import FakerOverride, SchemaSpec
from querybench.datasets.schema.values import check_provider
from querybench.datasets.source import CHUNK_ROWS, ProbeDocument, SpecFields
from querybench.errors import SpecError

#: Bump when the same spec and schema would generate other rows.
GENERATOR_VERSION = "2"


@dataclass(frozen=True)
class SchemaSource(SpecFields):
    """Rows for every table of a mapping, generated from its schema and a ``SchemaSpec``."""

    models: Any
    spec: SchemaSpec
    model: SchemaModel = field(compare=False, repr=False)

    @property
    def metadata(self) -> sa.MetaData:
        """The mapping's tables."""
        return self.model.metadata

    def cache_key(self) -> str:
        """The spec, the schema's DDL, the generator's code and Faker's version, hashed."""
        parts = [self.spec.canonical(), f"generator {GENERATOR_VERSION}", f"faker {faker.VERSION}"]
        # The generator's own code too: an edit that changes rows must not be served stale.
        parts += [path.read_text() for path in sorted(Path(__file__).parent.glob("*.py"))]
        for table in self.model.tables:
            try:
                parts.append(str(CreateTable(table).compile(dialect=sqlite.dialect())))
            except sa.exc.CompileError:  # a type SQLite cannot spell: its repr still names it
                parts.append(repr(table))
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    def generate(self) -> tuple[Generated, dict[str, Any]]:
        """Every row, in memory, and the probe document."""
        counts = table_counts(self.model, self.spec)
        layout = plan_layout(self.model, self.spec, counts)
        generated = generate_rows(self.model, self.spec, layout)
        return generated, probe_document(self.model, layout, generated)

    def write(self, connection: Connection) -> ProbeDocument:
        """Generate and bulk-insert every table; the probes."""
        generated, probes = self.generate()
        self.insert(connection, generated)
        return probes

    def insert(self, connection: Connection, generated: Generated) -> None:
        """Bulk-insert generated rows, parents first; then close the keys of table cycles."""
        for table in self.model.tables:
            rows = generated.tables[table.name]
            keys = [column.key for column in table.columns]
            columns = [rows.columns[key] for key in keys]
            insert = sa.insert(table)
            for start in range(0, rows.count, CHUNK_ROWS):
                stop = min(start + CHUNK_ROWS, rows.count)
                chunk = zip(*(values[start:stop] for values in columns), strict=True)
                connection.execute(insert, [dict(zip(keys, row, strict=True)) for row in chunk])
        for key in generated.deferred:
            _set_deferred(connection, generated, key.table, key.name, key.columns, key.referred)


def _set_deferred(
    connection: Connection,
    generated: Generated,
    table_name: str,
    key_name: str,
    columns: tuple[str, ...],
    referred: tuple[str, ...],
) -> None:
    rows = generated.tables[table_name]
    constraint = next(
        c for c in rows.table.foreign_key_constraints if tuple(c.name for c in c.columns) == columns
    )
    parent = generated.tables[constraint.referred_table.name]
    primary = list(rows.table.primary_key.columns)
    update = (
        sa.update(rows.table)
        .where(*(column == sa.bindparam(f"_pk_{column.key}") for column in primary))
        .values({name: sa.bindparam(f"_fk_{name}") for name in columns})
    )
    parents = rows.parents[key_name]
    params = []
    for index, chosen in enumerate(parents):
        if chosen is None:
            continue
        param = {f"_pk_{c.key}": rows.columns[c.key][index] for c in primary}
        for name, ref in zip(columns, referred, strict=True):
            param[f"_fk_{name}"] = parent.columns[parent.table.c[ref].key][chosen]
        params.append(param)
    for start in range(0, len(params), CHUNK_ROWS):
        connection.execute(update, params[start : start + CHUNK_ROWS])


def schema_source(models: Any, spec: SchemaSpec) -> SchemaSource:
    """A row source generating ``spec`` for ``models`` (a declarative Base or a MetaData).

    Raises one ``SpecError`` line naming the spec and key when the spec names a table, column,
    relationship or Faker provider the mapping or Faker does not have.
    """
    model = read_mapping(models)
    validate(spec, model)
    return SchemaSource(models=models, spec=spec, model=model)


def validate(spec: SchemaSpec, model: SchemaModel) -> None:
    """Check every name the spec uses against the mapping."""
    tables = {table.name: table for table in model.tables}
    known = ", ".join(sorted(tables))
    if not spec.sizes or any(size < 1 for size in spec.sizes):
        raise SpecError(f"{spec.where}: sizes: expected positive integers, got {list(spec.sizes)}")
    for name in spec.counts:
        if name not in tables:
            raise SpecError(f"{spec.where}: counts.{name}: no table {name!r} (tables: {known})")
        if name in model.joined_parents:
            raise SpecError(
                f"{spec.where}: counts.{name}: a joined-inheritance table holds its share of"
                f" {model.joined_parents[name]}'s rows; size that table instead"
            )
    for name, columns in spec.overrides.items():
        if name not in tables:
            raise SpecError(f"{spec.where}: overrides.{name}: no table {name!r} (tables: {known})")
        for column in columns:
            if column not in tables[name].c:
                have = ", ".join(c.name for c in tables[name].columns)
                raise SpecError(
                    f"{spec.where}: overrides.{name}.{column}: table {name} has no column"
                    f" {column!r} (columns: {have})"
                )
            override = spec.override(name, column)
            if isinstance(override, FakerOverride):
                check_provider(override.provider, f"{spec.where}: overrides.{name}.{column}")
    names = set(model.relationships) | set(model.foreign_keys) | set(model.links)
    for name in spec.fanouts:
        if name not in names:
            shown = ", ".join(sorted(names)) or "none"
            raise SpecError(
                f"{spec.where}: fanouts.{name}: no relationship, foreign key or link table"
                f" {name!r} (known: {shown})"
            )
