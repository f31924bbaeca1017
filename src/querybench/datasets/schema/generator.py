"""Generating every table's columns in memory, foreign keys first, per the layout.

Tables are generated in dependency order, so a child's key values are copied from its parent's
already generated columns. See ``layout`` for where reserved parents, planted children and the
tail go; ``links`` for many-to-many link tables.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from querybench.datasets.schema.checks import read_checks
from querybench.datasets.schema.layout import Layout, identity_quotas
from querybench.datasets.schema.links import link_pairs
from querybench.datasets.schema.mapping import ForeignKey, SchemaModel
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


def rng_for(spec: SchemaSpec, *parts: str) -> random.Random:
    """A generator of its own for one column or key: the seed and its name, nothing else."""
    return random.Random("/".join([str(spec.seed), *parts]))


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


def _requirement(model: SchemaModel, key: ForeignKey, side: str) -> str | None:
    """The identity rows on ``side`` ('parent' or 'child') of ``key`` must have, if any."""
    wanted: frozenset[str] | None = None
    for rel in model.relationships.values():
        if rel.foreign_key != key.name or rel.secondary is not None:
            continue
        own_side = "child" if rel.direction == "MANYTOONE" else "parent"
        needed = rel.parent_identities if side == own_side else rel.target_identities
        if needed is not None:
            wanted = needed if wanted is None else wanted & needed
    return min(wanted) if wanted else None


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
        if wanted := _requirement(model, model.foreign_keys[key_name], "parent"):
            forced.update(dict.fromkeys(block, wanted))
    for key_name, planted in plan.planted.items():
        if wanted := _requirement(model, model.foreign_keys[key_name], "child"):
            forced.update(dict.fromkeys(planted, wanted))
    for key in sorted(model.foreign_keys.values(), key=lambda key: key.name):
        if key.table == name and (wanted := _requirement(model, key, "child")):
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


def candidates(layout: Layout, key: ForeignKey, parent: TableRows, wanted: str | None) -> list[int]:
    """Rows of the parent that random and tail children may point to, ascending."""
    block = layout.tables[key.parent].blocks.get(key.name, range(0))
    identities = parent.identities
    return [
        i
        for i in range(parent.count)
        if i not in block and (wanted is None or identities is None or identities[i] == wanted)
    ]


def assign_parents(
    spec: SchemaSpec,
    layout: Layout,
    model: SchemaModel,
    key: ForeignKey,
    rows: TableRows,
    tables: dict[str, TableRows],
) -> list[int | None]:
    """The parent row of every row of ``rows`` through ``key``."""
    rng = rng_for(spec, "key", key.name)
    parent = tables[key.parent]
    pool = candidates(layout, key, parent, _requirement(model, key, "parent"))
    result: list[int | None] = [None] * rows.count
    planted = layout.tables[key.table].planted.get(key.name)
    done: set[int] = set()
    if planted is not None and key.name in layout.planted:
        block = layout.tables[key.parent].blocks[key.name]
        positions = iter(planted)
        for reserved, size in zip(block, layout.sizes, strict=True):
            for _ in range(size):
                position = next(positions)
                result[position] = reserved
                done.add(position)
    if key.unique:
        # One-to-one: each parent at most once; rows beyond the parents stay NULL.
        order = rng.sample(pool, min(len(pool), rows.count))
        if len(order) < rows.count and not key.nullable:
            raise SpecError(
                f"{spec.where}: {key.name} is unique and NOT NULL: {key.table} has {rows.count}"
                f" rows but {key.parent} only {len(pool)} to point to; raise counts.{key.parent}"
            )
        last = layout.tail(key.table)
        others = [i for i in range(rows.count) if i not in last]
        for position, chosen in zip([*last, *others], order, strict=False):
            result[position] = chosen
        return result
    tail = layout.tail(key.table)
    if key.self_referential:
        pool_before_tail = pool[: bisect.bisect_left(pool, tail.start)] if tail else pool
        distinct = rng.sample(pool_before_tail, min(len(tail), len(pool_before_tail)))
    else:
        distinct = rng.sample(pool, min(len(tail), len(pool)))
    for position, chosen in zip(tail, distinct, strict=False):
        result[position] = chosen
        done.add(position)
    rest = [i for i in range(rows.count) if i not in done]
    if not pool:
        if rest and not key.nullable:
            raise SpecError(
                f"{spec.where}: {key.name} is NOT NULL but {key.parent} has no rows to point to"
                f" beyond its probe parents; raise counts.{key.parent}"
            )
        return result
    fanout = spec.fanout(
        key.name,
        *sorted(name for name, rel in model.relationships.items() if rel.foreign_key == key.name),
    )
    skew = fanout.skew if fanout is not None else 1.0
    weights = [rng.lognormvariate(0.0, skew) for _ in pool]
    cumulative = list(itertools.accumulate(weights))
    if not key.self_referential:
        for position, chosen in zip(
            rest, rng.choices(pool, cum_weights=cumulative, k=len(rest)), strict=True
        ):
            result[position] = chosen
        return result
    if not key.nullable:
        raise SpecError(
            f"{spec.where}: {key.name} is self-referential and NOT NULL: no row could be the"
            " first; make it nullable"
        )
    # Earlier rows only, so that rows insert in order with their key already set.
    for position in rest:
        limit = bisect.bisect_left(pool, position)
        if limit == 0 or rng.random() < spec.null_ratio:
            continue
        drawn = rng.random() * cumulative[limit - 1]
        result[position] = pool[min(bisect.bisect_right(cumulative, drawn), limit - 1)]
    return result


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
    for key_name in rows.parents:
        for index, name in enumerate(model.foreign_keys[key_name].columns):
            from_keys[name] = (model.foreign_keys[key_name], index)
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
