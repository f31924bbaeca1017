"""Generating every table's columns in memory, foreign keys first, per the layout.

Tables are generated in dependency order, so a child's key values are copied from its parent's
already generated columns. See ``layout`` for where reserved parents, planted children and the
tail go; ``links`` for many-to-many link tables.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from querybench.datasets.schema.checks import read_checks
from querybench.datasets.schema.layout import Layout, identity_quotas
from querybench.datasets.schema.links import link_pairs
from querybench.datasets.schema.mapping import ForeignKey, SchemaModel
from querybench.datasets.schema.parents import assign_parents, requirement, rng_for
from querybench.datasets.schema.spec import SchemaSpec
from querybench.datasets.schema.values import Pools, column_values
from querybench.errors import SpecError


@dataclass
class TableRows:
    """One table's generated columns (by column key), row i at index i of each list."""

    table: sa.Table
    count: int
    columns: dict[str, list[Any]] = field(default_factory=dict)
    identities: list[str] | None = None
    # For each key: the parent row index of every row (None: NULL).
    parents: dict[str, list[int | None]] = field(default_factory=dict)

    def key_of(self, index: int) -> Any:
        """The primary key of row ``index`` as JSON: a value, or a list for a composite key."""
        values = [_json(self.columns[column.key][index]) for column in self.table.primary_key]
        return values[0] if len(values) == 1 else values


def _json(value: Any) -> Any:
    return value if isinstance(value, int | str | float) or value is None else str(value)


@dataclass
class Generated:
    """Every table's rows, in insertion order, and the notes gathered on the way."""

    tables: dict[str, TableRows]
    deferred: list[ForeignKey]
    notes: list[str]


def generate_rows(model: SchemaModel, spec: SchemaSpec, layout: Layout) -> Generated:
    """Generate every column of every table."""
    pools = Pools(spec.seed)
    tables: dict[str, TableRows] = {}
    notes: list[str] = []
    for table in model.tables:
        rows = TableRows(table, layout.tables[table.name].count)
        tables[table.name] = rows
        checks = read_checks(table)
        notes += checks.skipped
        _identities(model, spec, layout, rows, tables)
        keys = [
            key
            for key in model.foreign_keys.values()
            if key.table == table.name and key.name not in model.inheritance_keys
        ]
        if table.name in model.links:
            left, right = model.links[table.name]
            a, b = model.foreign_keys[left], model.foreign_keys[right]
            pairs = link_pairs(spec, layout, a, b, tables[a.parent], tables[b.parent], rows.count)
            rows.count = len(pairs)
            rows.parents[left] = [pair[0] for pair in pairs]
            rows.parents[right] = [pair[1] for pair in pairs]
        else:
            for key in sorted(keys, key=lambda key: key.name):
                if not key.deferred:
                    rows.parents[key.name] = assign_parents(spec, layout, model, key, rows, tables)
        _fill_columns(model, spec, rows, tables, checks.rules, pools)
    deferred = [key for key in model.foreign_keys.values() if key.deferred]
    for key in deferred:
        rows = tables[key.table]
        rows.parents[key.name] = assign_parents(spec, layout, model, key, rows, tables)
    return Generated(tables=tables, deferred=deferred, notes=notes)


def _identities(
    model: SchemaModel,
    spec: SchemaSpec,
    layout: Layout,
    rows: TableRows,
    tables: dict[str, TableRows],
) -> None:
    """Discriminator values: forced where probes need a class, the rest shuffled by quota."""
    name = rows.table.name
    if name in model.joined_parents:
        base = tables[_base(model, name)]
        own = model.hierarchies[base.table.name].joined[name]
        assert base.identities is not None
        positions = [i for i, identity in enumerate(base.identities) if identity in own]
        rows.count = len(positions)
        rows.identities = [base.identities[i] for i in positions]
        for column in rows.table.primary_key:
            referred = _inherited_column(model, name, column.name)
            rows.columns[column.key] = [base.columns[referred][i] for i in positions]
        return
    hierarchy = model.hierarchies.get(name)
    if hierarchy is None:
        return
    plan = layout.tables[name]
    forced: dict[int, str] = {}
    for key_name, block in plan.blocks.items():
        if wanted := requirement(model, model.foreign_keys[key_name], "parent"):
            forced.update(dict.fromkeys(block, wanted))
    for key_name, planted in plan.planted.items():
        if wanted := requirement(model, model.foreign_keys[key_name], "child"):
            forced.update(dict.fromkeys(planted, wanted))
    for key in sorted(model.foreign_keys.values(), key=lambda key: key.name):
        if key.table == name and (wanted := requirement(model, key, "child")):
            forced.update(dict.fromkeys(layout.tail(name), wanted))
            break
    quotas = identity_quotas(rows.count, hierarchy.identities)
    for identity in forced.values():
        quotas[identity] -= 1
    if any(quota < 0 for quota in quotas.values()):
        raise SpecError(
            f"{spec.where}: table {name} has {rows.count} rows, too few for the probes its"
            f" subclasses need; raise counts.{name}"
        )
    rest = list(itertools.chain.from_iterable([i] * q for i, q in sorted(quotas.items())))
    rng_for(spec, name, "identity").shuffle(rest)
    free = iter(rest)
    rows.identities = [forced[i] if i in forced else next(free) for i in range(rows.count)]


def _base(model: SchemaModel, table: str) -> str:
    while table in model.joined_parents:
        table = model.joined_parents[table]
    return table


def _inherited_column(model: SchemaModel, table: str, column: str) -> str:
    """The base table's column that a joined subclass's primary key column copies."""
    for key_name in model.inheritance_keys:
        key = model.foreign_keys[key_name]
        if key.table == table and column in key.columns:
            referred = key.referred[key.columns.index(column)]
            parent = key.parent
            # A deeper subclass refers to its direct parent, whose column copies the base's.
            return (
                _inherited_column(model, parent, referred)
                if parent != _base(model, table)
                else referred
            )
    raise SpecError(f"table {table}: primary key column {column} has no inheritance key")


def _fill_columns(
    model: SchemaModel,
    spec: SchemaSpec,
    rows: TableRows,
    tables: dict[str, TableRows],
    rules: dict[str, Any],
    pools: Pools,
) -> None:
    table = rows.table
    from_keys: dict[str, tuple[ForeignKey, int]] = {}
    # Keys set now, and keys closing a cycle (NULL until the UPDATE after every insert).
    keys = [model.foreign_keys[name] for name in rows.parents]
    keys += [k for k in model.foreign_keys.values() if k.table == table.name and k.deferred]
    for key in keys:
        for index, name in enumerate(key.columns):
            from_keys[name] = (key, index)
    hierarchy = model.hierarchies.get(table.name)
    unique_columns = _unique_columns(table, set(from_keys))
    primary = list(table.primary_key.columns)
    for column in table.columns:
        if column.key in rows.columns:
            continue
        if column.name in from_keys:
            key, index = from_keys[column.name]
            if key.deferred:
                rows.columns[column.key] = [None] * rows.count
                continue
            referred = tables[key.parent].columns[
                tables[key.parent].table.c[key.referred[index]].key
            ]
            parents = rows.parents[key.name]
            rows.columns[column.key] = [None if p is None else referred[p] for p in parents]
            continue
        if hierarchy is not None and column.name == hierarchy.discriminator:
            assert rows.identities is not None
            rows.columns[column.key] = list(rows.identities)
            continue
        if (
            len(primary) == 1
            and column is primary[0]
            and isinstance(column.type, sa.Integer)
            and spec.override(table.name, column.name) is None
        ):
            rows.columns[column.key] = list(range(1, rows.count + 1))
            continue
        values = column_values(
            column,
            rows.count,
            rng_for(spec, table.name, column.name),
            pools,
            override=spec.override(table.name, column.name),
            rule=rules.get(column.name),
            unique=column.name in unique_columns,
            null_ratio=spec.null_ratio,
        )
        if hierarchy is not None and rows.identities is not None and column.nullable:
            mapped_by = hierarchy.single_columns.get(column.name)
            if mapped_by is not None and set(mapped_by) != set(hierarchy.identities):
                values = [
                    value if identity in mapped_by else None
                    for value, identity in zip(values, rows.identities, strict=True)
                ]
        rows.columns[column.key] = values


def _unique_columns(table: sa.Table, key_columns: set[str]) -> set[str]:
    """Columns generated unique: one non-key member of every unique constraint covers it."""
    groups = [[c.name for c in table.primary_key.columns]]
    groups += [
        [c.name for c in constraint.columns]
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    ]
    groups += [[c.name for c in index.columns] for index in table.indexes if index.unique]
    groups += [[c.name] for c in table.columns if c.unique]
    chosen: set[str] = set()
    for group in groups:
        if not group or set(group) <= key_columns or chosen & set(group):
            continue
        chosen.add(next(name for name in group if name not in key_columns))
    return chosen
