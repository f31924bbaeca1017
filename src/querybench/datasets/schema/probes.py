"""The probe document of a generated dataset, read from the rows as generated.

Layout (JSON; keys are primary keys: a value, or a list for a composite key)::

    {"sizes": [1, 10, 100],
     "foreign_keys": {"payments.user_id": {
         "parent": {"10": 7},        # parent 7 has exactly 10 children through the key
         "rows": [k1, k2, ...],      # the first N rows have N distinct parents (any N <= len)
         "parents": [p1, p2, ...]}}, # ... those parents, each with at least one child
     "relationships": {
         "User.payments": {"kind": "collection", "direction": "ONETOMANY",
                           "foreign_key": "payments.user_id", "parent": {...}, "parents": [...]},
         "Payment.user": {"kind": "scalar", "direction": "MANYTOONE",
                          "foreign_key": "payments.user_id", "rows": [...]}},
     "notes": ["..."]}

For a relationship of kind ``collection`` and size N, ``parent[N]`` is the row of the
relationship's class with exactly N related rows, and ``parents[:N]`` N rows with at least one
each; for kind ``scalar``, ``rows[:N]`` are N rows of its class whose N related rows are
distinct. A size missing from ``parent`` (or longer than a list) could not be planted; the
notes say why.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from querybench.datasets.schema.generator import Generated
from querybench.datasets.schema.layout import Layout
from querybench.datasets.schema.mapping import SchemaModel


def probe_document(model: SchemaModel, layout: Layout, generated: Generated) -> dict[str, Any]:
    """Every key's and relationship's probes, checked against the generated rows."""
    keys: dict[str, dict[str, Any]] = {}
    m = max(layout.sizes)
    for name, key in sorted(model.foreign_keys.items()):
        rows = generated.tables[key.table]
        parents = rows.parents.get(name)
        if parents is None:
            continue
        parent_rows = generated.tables[key.parent]
        probe: dict[str, Any] = {}
        counted = Counter(parents)
        block = layout.tables[key.parent].blocks.get(name) if name in layout.planted else None
        if block is not None:
            probe["parent"] = {
                str(size): parent_rows.key_of(reserved)
                for reserved, size in zip(block, layout.sizes, strict=True)
                if counted[reserved] == size
            }
        if key.table in model.links:
            # Parents with at least one pair, outside the block, in the order first paired.
            reserved = set(block or ())
            distinct = list(
                dict.fromkeys(p for p in parents if p is not None and p not in reserved)
            )
            probe["parents"] = [parent_rows.key_of(p) for p in distinct[:m]]
        else:
            tail_rows, tail_parents = [], []
            seen: set[int] = set()
            for position in layout.tail(key.table):
                parent = parents[position] if position < len(parents) else None
                if parent is None or parent in seen:
                    break
                seen.add(parent)
                tail_rows.append(rows.key_of(position))
                tail_parents.append(parent_rows.key_of(parent))
            probe["rows"] = tail_rows
            probe["parents"] = tail_parents
        keys[name] = probe
    relationships: dict[str, dict[str, Any]] = {}
    for name, rel in sorted(model.relationships.items()):
        if rel.foreign_key not in keys:
            continue
        probe = keys[rel.foreign_key]
        entry: dict[str, Any] = {"direction": rel.direction, "foreign_key": rel.foreign_key}
        if rel.secondary is not None or (rel.collection and rel.direction == "ONETOMANY"):
            entry |= {"kind": "collection", "parent": probe.get("parent", {})}
            entry["parents"] = probe.get("parents", [])
        elif rel.direction == "MANYTOONE":
            entry |= {"kind": "scalar", "rows": probe.get("rows", [])}
        else:
            # One-to-one from the parent: the tail's parents each have exactly one child.
            entry |= {"kind": "scalar", "rows": probe.get("parents", [])}
        relationships[name] = entry
    notes = sorted(set(model.notes + layout.notes + generated.notes))
    return {
        "sizes": list(layout.sizes),
        "foreign_keys": keys,
        "relationships": relationships,
        "notes": notes,
    }
