"""Plan parsing on real plans, captured from the servers here (tests/plans/data/*.json).

The files hold the plans SQLite 3, PostgreSQL 15 and MariaDB gave for payments statements on
the small dataset, on the indexed and the Phase 3.2 schema (captured with EXPLAIN QUERY PLAN,
EXPLAIN (FORMAT JSON) and EXPLAIN FORMAT=JSON); the live tests in test_plans_live.py ask the
running servers again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from querybench.plans.parse import parse_mysql, parse_postgres, parse_sqlite
from querybench.plans.predicates import advised_columns, aliases, table_uses

DATA = Path(__file__).parent / "data"
PARSERS = {"sqlite": parse_sqlite, "postgresql": parse_postgres, "mysql": parse_mysql}

Row = tuple[str, str, str, str, int, int]
# backend, schema, method[variant] -> (table, access, index) per scan, sorts, temporary
EXPECTED: dict[tuple[str, str, str], tuple[tuple[tuple[str, str, str], ...], int, int]] = {
    ("sqlite", "indexed", "get_user_payments_by_status[eager]"): (
        (("payments", "index", "ix_payments_user_id_status"), ("users", "pk", "")), 0, 0),
    ("sqlite", "phase3", "get_user_payments_by_status[eager]"): (
        (("payments", "full", ""), ("users", "pk", "")), 0, 0),
    ("sqlite", "phase3", "get_payments_by_status[naive]"): (
        (("payments", "full", "ix_payments_created_at"),), 0, 0),
    ("sqlite", "indexed", "get_user_payments_with_user[subquery]"): (
        (("payments", "index-only", "ix_payments_user_id_status"), ("users", "pk", "")), 0, 1),
    ("sqlite", "indexed", "get_active_users_with_payments[joined]"): (
        (("users", "index", "ix_users_is_active"),
         ("payments", "index", "ix_payments_user_id_status")), 1, 0),
    ("postgresql", "indexed", "get_user_payments_by_status[eager]"): (
        (("payments", "index", "ix_payments_user_id_status"), ("users", "pk", "users_pkey")),
        1, 1),
    ("postgresql", "phase3", "get_user_payments_by_status[eager]"): (
        (("payments", "full", ""), ("users", "pk", "users_pkey")), 1, 1),
    ("postgresql", "indexed", "get_payments_by_status[naive]"): (
        (("payments", "full", "ix_payments_created_at"),), 1, 0),
    ("postgresql", "indexed", "get_active_users_with_payments[joined]"): (
        (("payments", "full", ""), ("users", "full", "users_pkey")), 1, 0),
    ("mysql", "indexed", "get_user_payments_by_status[eager]"): (
        (("payments", "index", "ix_payments_user_id_status"), ("users", "pk", "PRIMARY")), 0, 0),
    ("mysql", "phase3", "get_user_payments_by_status[eager]"): (
        (("payments", "index", "user_id"), ("users", "pk", "PRIMARY")), 0, 0),
    ("mysql", "phase3", "get_payments_by_status[naive]"): (
        (("payments", "full", "ix_payments_created_at"),), 0, 0),
    ("mysql", "indexed", "get_user_payments_with_user[subquery]"): (
        (("payments", "index-only", "ix_payments_user_id_status"), ("users", "pk", "PRIMARY")),
        0, 0),
    ("mysql", "indexed", "get_active_users_with_payments[joined]"): (
        (("users", "pk", "PRIMARY"), ("payments", "index", "ix_payments_user_id_status")), 1, 1),
}  # fmt: skip


def _captured(backend: str) -> dict[tuple[str, str], dict[str, Any]]:
    entries = json.loads((DATA / f"{backend}.json").read_text(encoding="utf-8"))
    return {(e["schema"], f"{e['scenario'].split('.')[1]}[{e['variant']}]"): e for e in entries}


@pytest.mark.parametrize(("backend", "schema", "cell"), sorted(EXPECTED))
def test_captured_plan_parses_to_its_scans_sorts_and_temporary_tables(
    backend: str, schema: str, cell: str
) -> None:
    entry = _captured(backend)[(schema, cell)]
    plan = PARSERS[backend](entry["plan"], aliases(entry["sql"]))
    scans, sorts, temporary = EXPECTED[(backend, schema, cell)]
    assert tuple((s.table, s.access, s.index) for s in plan.scans) == scans
    assert (plan.sorts, plan.temporary) == (sorts, temporary)
    assert plan.backend == backend
    assert not plan.analysed


def test_postgres_estimates_and_sort_input_come_from_the_plan() -> None:
    entry = _captured("postgresql")[("phase3", "get_user_payments_by_status[eager]")]
    plan = parse_postgres(entry["plan"], aliases(entry["sql"]))
    node = entry["plan"][0]["Plan"]
    while node.get("Node Type") not in ("Sort", "Incremental Sort"):
        node = node["Plans"][0]
    assert plan.sorted_rows == float(node["Plans"][0]["Plan Rows"])
    assert plan.scans[0].rows is not None
    assert plan.scans[0].rows > 0
    assert "user_id" in plan.scans[0].condition


def test_mariadb_scan_names_the_key_parts_it_searches_on() -> None:
    entry = _captured("mysql")[("indexed", "get_user_payments_by_status[eager]")]
    plan = parse_mysql(entry["plan"], aliases(entry["sql"]))
    assert plan.scans[0].index_columns == ("user_id", "status")
    assert plan.scans[0].alias == "payments"


def test_sqlite_names_aliases_as_their_tables() -> None:
    rows = [(3, 0, 0, "SEARCH users_1 USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN")]
    plan = parse_sqlite(rows, {"users_1": "users"})
    assert [(s.table, s.alias, s.access) for s in plan.scans] == [("users", "users_1", "pk")]


@pytest.mark.parametrize(
    ("detail", "access"),
    [
        ("SCAN payments", "full"),
        ("SCAN payments USING INDEX ix_payments_created_at", "full"),
        ("SEARCH payments USING INDEX ix_p (user_id=?)", "index"),
        ("SEARCH payments USING COVERING INDEX ix_p (user_id=?)", "index-only"),
        ("SEARCH payments USING INTEGER PRIMARY KEY (rowid=?)", "pk"),
        ("SEARCH payments USING AUTOMATIC COVERING INDEX (user_id=?)", "full"),
    ],
)
def test_sqlite_access_kinds(detail: str, access: str) -> None:
    assert parse_sqlite([(2, 0, 0, detail)]).scans[0].access == access


def test_sqlite_subquery_scans_are_not_table_scans() -> None:
    rows = [(2, 0, 0, "CO-ROUTINE anon_1"), (5, 2, 0, "SCAN users"), (9, 0, 0, "SCAN anon_1")]
    rows += [(20, 0, 0, "USE TEMP B-TREE FOR ORDER BY"), (21, 0, 0, "USE TEMP B-TREE FOR DISTINCT")]
    plan = parse_sqlite(rows)
    assert [s.table for s in plan.scans] == ["users"]
    assert (plan.sorts, plan.temporary) == (1, 1)


def test_mysql_shape_flags_filesort_on_an_ordering_operation() -> None:
    document = {
        "query_block": {
            "select_id": 1,
            "ordering_operation": {
                "using_temporary_table": True,
                "using_filesort": True,
                "table": {
                    "table_name": "p",
                    "access_type": "ALL",
                    "rows_examined_per_scan": 1000,
                },
            },
        }
    }
    plan = parse_mysql(document, {"p": "payments"})
    assert [(s.table, s.access, s.rows) for s in plan.scans] == [("payments", "full", 1000.0)]
    assert (plan.sorts, plan.temporary) == (1, 1)


@pytest.mark.parametrize(
    ("sql", "table", "columns"),
    [
        (
            "SELECT payments.id FROM payments WHERE payments.user_id = ? AND payments.status = ?"
            " ORDER BY payments.id",
            "payments",
            ("user_id", "status"),
        ),
        (
            "SELECT payments.id FROM payments WHERE payments.status = %(status_1)s"
            " ORDER BY payments.created_at DESC, payments.id DESC LIMIT %(param_1)s",
            "payments",
            ("status", "created_at"),
        ),
        (
            "SELECT p.id FROM payments p WHERE p.created_at >= ? AND p.status = ? ORDER BY p.id",
            "payments",
            ("status", "created_at"),
        ),
        (
            "SELECT users.id FROM users LEFT OUTER JOIN payments AS payments_1"
            " ON users.id = payments_1.user_id WHERE users.id = ?",
            "payments",
            ("user_id",),
        ),
        ("SELECT payments.id FROM payments WHERE ? = payments.user_id", "payments", ("user_id",)),
    ],
)
def test_advice_puts_equality_columns_first_then_range_or_sort(
    sql: str, table: str, columns: tuple[str, ...]
) -> None:
    assert advised_columns(table_uses(sql)[table], ("id",)) == columns
