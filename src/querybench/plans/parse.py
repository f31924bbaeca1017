"""Each backend's plan output parsed into :class:`~querybench.plans.shape.Plan`.

- SQLite: the rows of ``EXPLAIN QUERY PLAN`` (id, parent, unused, detail).
- PostgreSQL: the document of ``EXPLAIN (FORMAT JSON)``, analysed or not.
- MariaDB and MySQL: the document of ``EXPLAIN FORMAT=JSON`` (or MariaDB's ``ANALYZE
  FORMAT=JSON``). MariaDB nests ``filesort`` and ``temporary_table`` objects around the
  tables; MySQL flags them (``using_filesort``) on an ``ordering_operation``: both are read.

Plans name tables by their alias; ``aliases`` (alias -> table, from the SQL) turns them back
into table names. Subqueries the plan shows as tables of their own (SQLite's ``anon_1``,
MariaDB's ``<derived2>``) are not scans of a table and are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from querybench.plans.shape import Plan, Scan

TEXT_LIMIT = 4000
"""Characters of the backend's own plan text kept with a parsed plan."""

_SQLITE_SCAN = re.compile(
    r"^(?P<verb>SCAN|SEARCH) (?P<alias>\S+)"
    r"(?: USING (?P<how>COVERING INDEX|INDEX|INTEGER PRIMARY KEY|PRIMARY KEY|AUTOMATIC"
    r" COVERING INDEX|AUTOMATIC PARTIAL COVERING INDEX)(?: (?P<index>[^\s(]+))?)?"
    r"(?: \((?P<cond>[^)]*)\))?"
)
_CONDITION_COLUMN = re.compile(r"(\w+)\s*(?:=|>|<|IN\b)")


def _table(alias: str, aliases: Mapping[str, str]) -> str:
    return aliases.get(alias, alias)


def parse_sqlite(rows: Sequence[Sequence[Any]], aliases: Mapping[str, str] | None = None) -> Plan:
    """Parse ``EXPLAIN QUERY PLAN`` rows (``(id, parent, notused, detail)``)."""
    aliases = aliases or {}
    subqueries: set[str] = set()
    scans: list[Scan] = []
    sorts = temporary = 0
    for row in rows:
        detail = str(row[-1])
        if detail.startswith(("CO-ROUTINE ", "MATERIALIZE ")):
            subqueries.add(detail.split()[1])
            temporary += detail.startswith("MATERIALIZE ")
            continue
        if detail.startswith("USE TEMP B-TREE"):
            # ORDER BY sorts; DISTINCT and GROUP BY build a temporary table to find duplicates.
            if "ORDER BY" in detail:
                sorts += 1
            else:
                temporary += 1
            continue
        match = _SQLITE_SCAN.match(detail)
        if match is None or match["alias"] in subqueries:
            continue
        scans.append(_sqlite_scan(match, aliases))
    text = "\n".join(str(row[-1]) for row in rows)
    return Plan("sqlite", tuple(scans), sorts=sorts, temporary=temporary, text=text[:TEXT_LIMIT])


def _sqlite_scan(match: re.Match[str], aliases: Mapping[str, str]) -> Scan:
    how = match["how"] or ""
    alias = match["alias"]
    columns = tuple(_CONDITION_COLUMN.findall(match["cond"] or ""))
    if "AUTOMATIC" in how or match["verb"] == "SCAN":
        # SCAN reads every row, of the table or (USING INDEX) of an index in its order; an
        # automatic index is built by reading the whole table, for this statement only.
        access = "full"
    elif "PRIMARY KEY" in how:
        access = "pk"
    else:
        access = "index-only" if how.startswith("COVERING") else "index"
    index = "" if "AUTOMATIC" in how else match["index"] or ""
    return Scan(
        _table(alias, aliases), access, alias=alias, index=index, index_columns=columns,
        condition=match["cond"] or "",
    )  # fmt: skip


# -- PostgreSQL ------------------------------------------------------------------------------

_PG_SCANS = {
    "Seq Scan": "full",
    "Index Scan": "index",
    "Index Only Scan": "index-only",
    "Bitmap Heap Scan": "index",
}


def parse_postgres(document: Any, aliases: Mapping[str, str] | None = None) -> Plan:
    """Parse the document ``EXPLAIN (FORMAT JSON)`` returns (a list of one ``{"Plan": ...}``)."""
    aliases = aliases or {}
    if isinstance(document, str):
        document = json.loads(document)
    root = document[0]["Plan"] if isinstance(document, list) else document["Plan"]
    scans: list[Scan] = []
    sorted_rows: list[float] = []
    temporary = 0
    analysed = "Actual Rows" in root
    for node in _pg_nodes(root):
        kind = node.get("Node Type", "")
        if kind in ("Sort", "Incremental Sort"):
            child = (node.get("Plans") or [node])[0]
            sorted_rows.append(float(child.get("Plan Rows", 0)))
        elif kind == "Materialize" or (kind == "Aggregate" and node.get("Strategy") == "Hashed"):
            temporary += 1
        elif kind in _PG_SCANS:
            scans.append(_pg_scan(node, kind, aliases))
    text = json.dumps(document, separators=(",", ":"))
    return Plan(
        "postgresql", tuple(scans), sorts=len(sorted_rows),
        sorted_rows=max(sorted_rows) if sorted_rows else None, temporary=temporary,
        analysed=analysed, text=text[:TEXT_LIMIT],
    )  # fmt: skip


def _pg_nodes(node: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _pg_nodes(child)


def _pg_scan(node: Mapping[str, Any], kind: str, aliases: Mapping[str, str]) -> Scan:
    index = str(node.get("Index Name", ""))
    if kind == "Bitmap Heap Scan":  # the index is named on the Bitmap Index Scan below
        index = next((str(n["Index Name"]) for n in _pg_nodes(node) if "Index Name" in n), "")
    access = _PG_SCANS[kind]
    if kind != "Bitmap Heap Scan" and "Index Cond" not in node:
        # An index scan with no condition reads the whole index in its order (for an ORDER
        # BY): a full scan, as SQLite's SCAN ... USING INDEX and MariaDB's "index" access.
        access = "full"
    elif access == "index" and index.endswith("_pkey"):
        access = "pk"
    actual = None
    if "Actual Rows" in node:
        actual = float(node["Actual Rows"]) * float(node.get("Actual Loops", 1))
    alias = str(node.get("Alias", node.get("Relation Name", "")))
    condition = " AND ".join(
        str(node[key]) for key in ("Index Cond", "Recheck Cond", "Filter") if key in node
    )
    return Scan(
        str(node.get("Relation Name") or _table(alias, aliases)), access, alias=alias,
        index=index, rows=float(node.get("Plan Rows", 0)), actual_rows=actual,
        condition=condition,
    )  # fmt: skip


# -- MariaDB and MySQL -----------------------------------------------------------------------

_MYSQL_INDEXED = {"const", "eq_ref", "ref", "ref_or_null", "range", "index_merge", "fulltext"}


def parse_mysql(document: Any, aliases: Mapping[str, str] | None = None) -> Plan:
    """Parse ``EXPLAIN FORMAT=JSON`` output of MariaDB or MySQL (text or parsed)."""
    aliases = aliases or {}
    if isinstance(document, str):
        document = json.loads(document)
    scans: list[Scan] = []
    counts = {"sorts": 0, "temporary": 0}
    analysed = False
    for key, value in _mysql_items(document):
        if key == "table" and isinstance(value, Mapping):
            analysed = analysed or "r_rows" in value
            scan = _mysql_scan(value, aliases)
            if scan is not None:
                scans.append(scan)
        elif key == "filesort" or (key == "using_filesort" and value is True):
            counts["sorts"] += 1
        elif key == "temporary_table" or (key == "using_temporary_table" and value is True):
            counts["temporary"] += 1
    text = json.dumps(document, separators=(",", ":"))
    return Plan(
        "mysql", tuple(scans), sorts=counts["sorts"], temporary=counts["temporary"],
        analysed=analysed, text=text[:TEXT_LIMIT],
    )  # fmt: skip


def _mysql_items(node: Any) -> Iterable[tuple[str, Any]]:
    """Every (key, value) pair of the document, depth first, in document order."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield key, value
            yield from _mysql_items(value)
    elif isinstance(node, list):
        for item in node:
            yield from _mysql_items(item)


def _mysql_scan(table: Mapping[str, Any], aliases: Mapping[str, str]) -> Scan | None:
    alias = str(table.get("table_name", ""))
    if alias.startswith("<"):  # <derived2>, <subquery3>, <union1,2>: not a table
        return None
    kind = str(table.get("access_type", ""))
    index = str(table.get("key", ""))
    covering = bool(table.get("using_index"))
    if index == "PRIMARY" and kind != "ALL":
        access = "pk"
    elif kind in _MYSQL_INDEXED:
        access = "index-only" if covering else "index"
    else:
        # ALL reads the table; "index" reads a whole index in its order (as SQLite's SCAN
        # ... USING INDEX): both are full scans, though a LIMIT may cut them short.
        access = "full"
    rows = table.get("rows", table.get("rows_examined_per_scan"))
    actual = table.get("r_rows")
    return Scan(
        _table(alias, aliases), access, alias=alias, index=index,
        index_columns=tuple(str(part) for part in table.get("used_key_parts", ())),
        rows=float(rows) if isinstance(rows, int | float) else None,
        actual_rows=float(actual) if isinstance(actual, int | float) else None,
        condition=str(table.get("attached_condition", "")),
    )  # fmt: skip
