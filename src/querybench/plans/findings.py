"""Findings from plans: what a plan shows that an index, or another loader, would change.

Three rules, each with the table, the advised columns and the statement's call site:

- ``unindexed_foreign_key``: a lazy, selectin or subquery load filters a large table on a
  foreign key that no index starts with (neither SQLAlchemy nor PostgreSQL indexes one).
- ``full_scan``: a plan reads a large table whole while the statement filters, joins or sorts
  it on columns no index starts with. A full scan the planner chose although such an index
  exists (a column most rows match) is its informed choice, not a finding.
- ``joined_collection_limit``: ``ORDER BY ... LIMIT`` (or DISTINCT) around a joined eager load
  of a collection, where the plan reads the listed table whole and sorts or builds a
  temporary table to cut the page: selectinload keeps the page query plain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import RelationshipProperty

from querybench.plans.advice import alembic_line, model_index
from querybench.plans.inventory import TableInfo
from querybench.plans.predicates import (
    advised_columns,
    has_limit,
    left_joined_tables,
    table_uses,
)
from querybench.plans.shape import Plan, PlanFinding
from querybench.recorder.statement import Statement

_LOADS_ON_FOREIGN_KEY = ("lazy", "selectin", "subquery")


def plan_findings(
    statements: Sequence[Statement],
    plans: Mapping[str, Plan],
    tables: Mapping[str, TableInfo],
) -> tuple[PlanFinding, ...]:
    """Every finding of one cell (or recorder), at most one per kind, table and columns."""
    found: dict[tuple[str, str, tuple[str, ...]], PlanFinding] = {}
    advised: set[tuple[str, tuple[str, ...]]] = set()

    def keep(finding: PlanFinding) -> None:
        key = (finding.kind, finding.table, finding.columns)
        if key not in found and (finding.table, finding.columns) not in advised:
            found[key] = finding
            if finding.columns:
                advised.add((finding.table, finding.columns))

    first: dict[str, Statement] = {}
    for statement in statements:
        first.setdefault(statement.fingerprint, statement)
    for statement in first.values():
        for finding in _foreign_key(statement, tables):
            keep(finding)
    for fingerprint, statement in first.items():
        plan = plans.get(fingerprint)
        if plan is None:
            continue
        for finding in (*_joined_collection(statement, plan, tables), *_full_scans(
            statement, plan, tables
        )):  # fmt: skip
            keep(finding)
    return tuple(found.values())


def _finding(
    kind: str, statement: Statement, table: str, columns: tuple[str, ...], detail: str
) -> PlanFinding:
    return PlanFinding(
        kind=kind,
        table=table,
        columns=columns,
        callsite=str(statement.callsite or ""),
        fingerprint=statement.fingerprint,
        example_sql=statement.sql,
        detail=detail,
        model_index=model_index(table, columns) if columns else "",
        alembic=alembic_line(table, columns) if columns else "",
    )


def _relationship(origin: Any) -> RelationshipProperty[Any] | None:
    """The relationship an origin names (``User.payments``), found in its entity's registry."""
    if origin.entity is None or not origin.relationship:
        return None
    owner, _, key = origin.relationship.partition(".")
    for mapper in origin.entity.registry.mappers:
        if mapper.class_.__name__ == owner and key in mapper.relationships:
            prop: RelationshipProperty[Any] = mapper.relationships[key]
            return prop
    return None


def _foreign_key(statement: Statement, tables: Mapping[str, TableInfo]) -> list[PlanFinding]:
    origin = statement.origin
    if origin.kind not in ("lazy_load", "eager_load") or origin.detail not in _LOADS_ON_FOREIGN_KEY:
        return []
    prop = _relationship(origin)
    if prop is None:
        return []
    remote = [r for _l, r in prop.local_remote_pairs or () if r.foreign_keys]
    if not remote or getattr(remote[0], "table", None) is None:
        return []
    table = str(remote[0].table.name)
    columns = tuple(str(column.name) for column in remote)
    info = tables.get(table)
    if info is None or not info.large or info.covered(columns):
        return []
    detail = (
        f"{origin.detail} loads of {origin.relationship} filter {table}"
        f" on its foreign key {', '.join(columns)}, which no index starts with"
    )
    return [_finding("unindexed_foreign_key", statement, table, columns, detail)]


def _full_scans(
    statement: Statement, plan: Plan, tables: Mapping[str, TableInfo]
) -> list[PlanFinding]:
    uses = table_uses(statement.sql)
    findings = []
    for scan in plan.scans:
        info = tables.get(scan.table)
        use = uses.get(scan.table)
        if scan.access != "full" or info is None or use is None or not info.large:
            continue
        columns = advised_columns(use, info.primary_key)
        if not columns or info.covered(columns):
            continue
        how = f"in the order of {scan.index}" if scan.index else "row by row"
        detail = f"the plan reads all of {scan.table} {how} for a predicate on {', '.join(columns)}"
        findings.append(_finding("full_scan", statement, scan.table, columns, detail))
    return findings


def _joined_collection(
    statement: Statement, plan: Plan, tables: Mapping[str, TableInfo]
) -> list[PlanFinding]:
    entity = statement.origin.entity
    if statement.origin.kind != "query" or entity is None or not has_limit(statement.sql):
        return []
    if not (plan.sorts or plan.temporary):
        return []
    mapper: Any = entity.__mapper__
    listed = str(mapper.local_table.name)
    joined = set(left_joined_tables(statement.sql))
    collections = [
        prop
        for prop in mapper.relationships
        if prop.uselist and str(getattr(prop.target, "name", "")) in joined
    ]
    info = tables.get(listed)
    whole = any(scan.table == listed and scan.access == "full" for scan in plan.scans)
    if not collections or info is None or not info.large or not whole:
        return []
    use = table_uses(statement.sql).get(listed)
    columns = advised_columns(use, info.primary_key) if use is not None else ()
    if not columns or info.covered(columns):
        return []  # an index (or the primary key) gives the page in order: nothing is sorted whole
    loads = ", ".join(f"{entity.__name__}.{prop.key}" for prop in collections)
    detail = (
        f"ORDER BY ... LIMIT around a joined eager load of {loads}: the page of {listed} is cut"
        " only after the whole table is read and sorted (or put in a temporary table);"
        f" load {loads} with selectinload so the page query stays plain,"
        f" and index {listed}({', '.join(columns)}) for its order"
    )
    return [_finding("joined_collection_limit", statement, listed, columns, detail)]
