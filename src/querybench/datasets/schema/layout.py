"""Where the probes go: row counts, reserved parents, planted children, per table.

With K sizes, M the largest and S their sum, every table's rows (positions 0 .. n-1, inserted in
that order) fall into regions::

    [a block of K reserved parents per planted incoming key][S planted children per planted
     outgoing key][random rows ...][the tail: the last M rows]

- Reserved parent ``block[f][i]`` of a key f gets exactly ``sizes[i]`` children through f: the
  i-th run of the child table's planted range for f. No other row points to it.
- The tail's rows get, for every outgoing key, distinct parents: the first N tail rows are N
  rows with N distinct parents (the many-to-one probe), those parents N parents with at least
  one child each.
- Self-referential keys point only to earlier rows, so rows insert in order with the key set.

A key is planted when its parent table keeps at least half its rows unreserved and its child
table has room for the planted children; otherwise the build's notes say why not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from querybench.datasets.schema.mapping import ForeignKey, SchemaModel
from querybench.datasets.schema.spec import SchemaSpec
from querybench.errors import SpecError

#: Rows of a many-to-many link table per left row, when neither counts nor a fan-out say.
DEFAULT_LINKS_PER_ROW = 3.0


@dataclass
class TableLayout:
    """Counts and regions of one table."""

    name: str
    count: int
    blocks: dict[str, range] = field(default_factory=dict)
    planted: dict[str, range] = field(default_factory=dict)
    used: int = 0

    @property
    def reserved(self) -> int:
        """Rows held by blocks of reserved parents."""
        return sum(len(block) for block in self.blocks.values())

    @property
    def tail(self) -> range:
        """The last rows (at most M) after every block and planted range."""
        return range(self.used, self.count)


@dataclass
class Layout:
    """Every table's layout, the keys planted and the notes on those that were not."""

    sizes: tuple[int, ...]
    tables: dict[str, TableLayout]
    planted: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def tail(self, table: str) -> range:
        """The tail of ``table``: at most M rows at its end, after its blocks and plantings."""
        plan = self.tables[table]
        start = max(plan.used, plan.count - max(self.sizes))
        return range(start, plan.count)


def _relationship_names(model: SchemaModel, key: ForeignKey) -> list[str]:
    return sorted(name for name, rel in model.relationships.items() if rel.foreign_key == key.name)


def table_counts(model: SchemaModel, spec: SchemaSpec) -> dict[str, int]:
    """Rows per table: ``counts``, else a fan-out over an outgoing key, else ``rows``.

    Joined subclass tables hold their identities' shares of their base's rows (equal shares).
    """
    counts: dict[str, int] = {}
    for table in model.tables:
        name = table.name
        if name in model.joined_parents:
            base = _base_of(model, name)
            hierarchy = model.hierarchies[base]
            quotas = identity_quotas(counts[base], hierarchy.identities)
            counts[name] = sum(quotas[identity] for identity in hierarchy.joined[name])
            continue
        if name in spec.counts:
            counts[name] = spec.counts[name]
            continue
        counts[name] = spec.rows
        outgoing = sorted(
            (k for k in model.foreign_keys.values() if k.table == name and not k.deferred),
            key=lambda k: k.name,
        )
        for key in outgoing:
            fanout = spec.fanout(*_relationship_names(model, key), key.name)
            if fanout is None and name in model.links and key.name == model.links[name][0]:
                fanout = spec.fanout(name)
                mean = fanout.mean if fanout is not None else DEFAULT_LINKS_PER_ROW
                counts[name] = round(counts[key.parent] * mean)
                break
            if fanout is not None and key.parent in counts:
                counts[name] = max(1, round(counts[key.parent] * fanout.mean))
                break
        for key in outgoing:
            # One-to-one: at most one row per parent (a primary key that is a foreign key).
            if key.unique and key.parent in counts:
                counts[name] = min(counts[name], counts[key.parent])
    return counts


def identity_quotas(count: int, identities: tuple[str, ...]) -> dict[str, int]:
    """Rows per identity of a hierarchy: equal shares, the remainder to the first ones."""
    share, extra = divmod(count, len(identities))
    return {identity: share + (1 if i < extra else 0) for i, identity in enumerate(identities)}


def _base_of(model: SchemaModel, table: str) -> str:
    while table in model.joined_parents:
        table = model.joined_parents[table]
    return table


def plan_layout(model: SchemaModel, spec: SchemaSpec, counts: dict[str, int]) -> Layout:
    """Decide which keys are planted and where their rows go."""
    sizes = spec.sizes
    k, s = len(sizes), sum(sizes)
    layout = Layout(sizes, {name: TableLayout(name, count) for name, count in counts.items()})
    # Blocks first (they take the first rows), then planted ranges, both in key-name order.
    candidates: list[ForeignKey] = []
    for key in sorted(model.foreign_keys.values(), key=lambda key: key.name):
        why = _unplantable(model, key)
        if why:
            layout.notes.append(f"{key.name}: no probe parents: {why}")
            continue
        parent = layout.tables[key.parent]
        if (parent.reserved + k) * 2 > parent.count:
            layout.notes.append(
                f"{key.name}: no probe parents: {key.parent} has {parent.count} rows, too few to"
                f" reserve {k} more (raise counts.{key.parent} to {2 * (parent.reserved + k)})"
            )
            continue
        parent.blocks[key.name] = range(parent.reserved, parent.reserved + k)
        candidates.append(key)
    for plan in layout.tables.values():
        plan.used = plan.reserved
    for key in candidates:
        child = layout.tables[key.table]
        if key.table in model.links:
            layout.planted.add(key.name)
            continue
        if child.used + s > child.count:
            raise SpecError(
                f"{spec.where}: table {key.table} has {child.count} rows, too few for the"
                f" probes of {key.name}: sizes {list(sizes)} need {s} planted children beyond"
                f" {child.used} rows already reserved; raise counts.{key.table} to at least"
                f" {child.used + s} or lower the sizes"
            )
        child.planted[key.name] = range(child.used, child.used + s)
        child.used += s
        layout.planted.add(key.name)
    return layout


def _unplantable(model: SchemaModel, key: ForeignKey) -> str:
    """Why a key cannot get reserved parents with exactly N children ('' when it can)."""
    if key.name in model.inheritance_keys:
        return "it expresses inheritance"
    if key.unique:
        return "it is unique (one-to-one): every parent has at most one child"
    if key.deferred:
        return "it closes a cycle between tables (set after insert)"
    if key.parent in model.links:
        return "its parent is a link table"
    return ""
