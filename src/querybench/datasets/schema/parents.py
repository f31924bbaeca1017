"""Which parent row each row points to through a foreign key, per the layout.

Planted children point to their reserved parent; the tail's rows to distinct parents; the other
rows to unreserved parents drawn with a log-normal weight each (the fan-out's skew), only to
earlier rows for a self-referential key (rows insert in order), and at most once each for a
unique (one-to-one) key. Parents are restricted to the class a relationship over the key names,
when its table holds several (inheritance).
"""

from __future__ import annotations

import bisect
import itertools
import random
from typing import TYPE_CHECKING

from querybench.datasets.schema.layout import Layout
from querybench.datasets.schema.mapping import ForeignKey, SchemaModel
from querybench.datasets.schema.spec import SchemaSpec
from querybench.errors import SpecError

if TYPE_CHECKING:
    from querybench.datasets.schema.generator import TableRows


def rng_for(spec: SchemaSpec, *parts: str) -> random.Random:
    """A generator of its own for one column or key: the seed and its name, nothing else."""
    return random.Random("/".join([str(spec.seed), *parts]))


def requirement(model: SchemaModel, key: ForeignKey, side: str) -> str | None:
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
    pool = candidates(layout, key, parent, requirement(model, key, "parent"))
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
