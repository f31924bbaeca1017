"""Rows of a link table (a many-to-many ``secondary``, or an association object): pairs.

With keys ``a`` (to table A) and ``b`` (to table B): reserved A row ``block_a[i]`` is paired
with exactly ``sizes[i]`` distinct B rows, none reserved for ``b``; reserved B row
``block_b[i]`` with exactly ``sizes[i]`` distinct A rows, none reserved for ``a``. The other
pairs join unreserved rows on both sides, drawn at random (A weighted by a log-normal skew),
never twice the same pair.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from querybench.datasets.schema.layout import Layout
from querybench.datasets.schema.mapping import ForeignKey
from querybench.datasets.schema.spec import SchemaSpec

if TYPE_CHECKING:
    from querybench.datasets.schema.generator import TableRows


def link_pairs(
    spec: SchemaSpec,
    layout: Layout,
    a: ForeignKey,
    b: ForeignKey,
    left: TableRows,
    right: TableRows,
    count: int,
) -> list[tuple[int, int]]:
    """The (A row, B row) pairs of the link table, planted pairs first."""
    from querybench.datasets.schema.generator import rng_for

    rng = rng_for(spec, "link", a.table)
    block_a = (
        layout.tables[a.parent].blocks.get(a.name, range(0))
        if a.name in layout.planted
        else range(0)
    )
    block_b = (
        layout.tables[b.parent].blocks.get(b.name, range(0))
        if b.name in layout.planted
        else range(0)
    )
    free_a = [i for i in range(left.count) if i not in block_a]
    free_b = [i for i in range(right.count) if i not in block_b]
    pairs: list[tuple[int, int]] = []
    for reserved, size in zip(block_a, layout.sizes, strict=True):
        if size > len(free_b):
            layout.notes.append(
                f"{a.name}: size {size} not planted: {b.parent} has {len(free_b)} free rows"
            )
            continue
        pairs += [(reserved, other) for other in rng.sample(free_b, size)]
    for reserved, size in zip(block_b, layout.sizes, strict=True):
        if size > len(free_a):
            layout.notes.append(
                f"{b.name}: size {size} not planted: {a.parent} has {len(free_a)} free rows"
            )
            continue
        pairs += [(other, reserved) for other in rng.sample(free_a, size)]
    wanted = max(0, count - len(pairs))
    if not free_a or not free_b:
        return pairs
    wanted = min(wanted, len(free_a) * len(free_b) // 2)
    fanout = spec.fanout(a.table)
    weights = [rng.lognormvariate(0.0, fanout.skew if fanout else 1.0) for _ in free_a]
    cumulative = list(itertools.accumulate(weights))
    seen: set[tuple[int, int]] = set()
    # The tail probes: the first M free A rows each get a pair first, so that "N parents with
    # at least one related row" holds for every size.
    for index in free_a[: max(layout.sizes)]:
        if len(seen) < wanted:
            seen.add((index, rng.choice(free_b)))
    attempts = 0
    while len(seen) < wanted and attempts < 4 * wanted + 100:
        batch = wanted - len(seen)
        drawn_a = rng.choices(free_a, cum_weights=cumulative, k=batch)
        drawn_b = rng.choices(free_b, k=batch)
        seen.update(zip(drawn_a, drawn_b, strict=True))
        attempts += batch
    ordered = sorted(seen)
    return pairs + ordered
