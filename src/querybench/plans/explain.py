"""Plans for recorded statements: one per fingerprint, from the backend they ran on.

Plans are asked for after the statements ran, on a connection of their own, never inside a
timed round. ``analyse`` (PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)``, MariaDB's ``ANALYZE``)
runs the statement for real, so it is done only in a database the harness built, inside a
transaction that is rolled back.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine

from querybench.plans.parse import parse_mysql, parse_postgres, parse_sqlite
from querybench.plans.predicates import aliases
from querybench.plans.schema import require_owned
from querybench.plans.shape import Plan
from querybench.recorder.statement import Statement

_EXPLAINS = itertools.count()
"""Numbers the SQLite EXPLAIN texts (see ``explain_sql``)."""

EXPLAINED_KINDS = ("select", "update", "delete")
"""Statements that have a plan worth reading; INSERT ... VALUES has none."""


def explainable(statement: Statement) -> bool:
    """Whether a plan can be asked for: one parameter set, a statement that reads a table."""
    return statement.kind in EXPLAINED_KINDS and not statement.executemany


def explain_sql(conn: Connection, sql: str, params: Any, *, analyse: bool = False) -> Plan:
    """The parsed plan of one statement on ``conn``'s backend.

    With ``analyse`` the statement runs, inside a transaction this function rolls back; the
    caller must have checked that the database is ours (:func:`explain` does).
    """
    dialect = conn.dialect.name
    names = aliases(sql)
    transaction = conn.begin() if not conn.in_transaction() else conn.begin_nested()
    try:
        if dialect == "sqlite":
            # EXPLAIN reads no table, so SQLite never checks the schema cookie for it: on a
            # pooled connection that has run nothing since another one made or dropped an
            # index, it plans with the schema from before; a statement that reads the schema
            # table reloads it. And sqlite3 caches prepared statements by their text, a cached
            # EXPLAIN keeping the plan it was prepared with: each text is made new.
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
            marked = f"EXPLAIN QUERY PLAN /* querybench plan {next(_EXPLAINS)} */ {sql}"
            rows = conn.exec_driver_sql(marked, params).all()
            return parse_sqlite([tuple(row) for row in rows], names)
        if dialect == "postgresql":
            options = "ANALYZE, BUFFERS, FORMAT JSON" if analyse else "FORMAT JSON"
            document = conn.exec_driver_sql(f"EXPLAIN ({options}) {sql}", params).scalar_one()
            return parse_postgres(document, names)
        if dialect in ("mysql", "mariadb"):
            verb = "ANALYZE FORMAT=JSON" if analyse else "EXPLAIN FORMAT=JSON"
            text = conn.exec_driver_sql(f"{verb} {sql}", params).scalar_one()
            return parse_mysql(json.loads(text), names)
        raise ValueError(f"no plan reader for the {dialect} dialect")
    finally:
        transaction.rollback()


def explain_statements(
    engine: Engine, statements: Iterable[Statement], *, analyse: bool = False
) -> dict[str, Plan]:
    """Fingerprint -> plan of the first explainable statement of each fingerprint.

    A statement whose plan cannot be had (its table is gone, the backend refuses EXPLAIN for
    it) is left out rather than failing the caller: plans are extra information.
    """
    plans: dict[str, Plan] = {}
    with engine.connect() as conn:
        if analyse:
            require_owned(conn, "run EXPLAIN ANALYZE")
        for statement in statements:
            fingerprint = statement.fingerprint
            if fingerprint in plans or not explainable(statement):
                continue
            try:
                plans[fingerprint] = explain_sql(
                    conn, statement.sql, statement.params, analyse=analyse
                )
            except (exc.DBAPIError, ValueError):
                if conn.in_transaction():
                    conn.rollback()
    return plans


def explain(recorder: Any, bind: Engine, *, analyse: bool = False) -> dict[str, Plan]:
    """The plans of a recorder's statements (a ``count_queries`` block or a cell), by
    fingerprint; ``analyse`` only in a database the harness built (else ``OwnershipError``)."""
    statements: list[Statement] = list(recorder.statements)
    return explain_statements(bind, statements, analyse=analyse)


def first_statements(statements: Iterable[Statement]) -> Mapping[str, Statement]:
    """Fingerprint -> the first statement that had it, in order of appearance."""
    first: dict[str, Statement] = {}
    for statement in statements:
        first.setdefault(statement.fingerprint, statement)
    return first
