"""Fingerprints: one shape per statement whatever its literals, parameters, spacing or case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from querybench.recorder.fingerprint import (
    fingerprint,
    is_transaction_control,
    statement_kind,
    transaction_action,
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1", "SELECT ?"),
        ("select * from t where id = 42", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE id = -42", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE x = 1.5e3", "SELECT * FROM t WHERE x = ?"),
        ("SELECT * FROM t WHERE x = 0x1F", "SELECT * FROM t WHERE x = ?"),
        ("SELECT * FROM t WHERE name = 'bob'", "SELECT * FROM t WHERE name = ?"),
        ("SELECT * FROM t WHERE name = 'it''s'", "SELECT * FROM t WHERE name = ?"),
        ("SELECT * FROM t WHERE name = N'bob'", "SELECT * FROM t WHERE name = ?"),
        ("SELECT * FROM t WHERE name = E'bob'", "SELECT * FROM t WHERE name = ?"),
        ("SELECT * FROM t WHERE flag = true", "SELECT * FROM t WHERE flag = ?"),
        ("SELECT * FROM t WHERE flag IS NULL", "SELECT * FROM t WHERE flag IS NULL"),
        ("SELECT * FROM t WHERE body = $$x$$", "SELECT * FROM t WHERE body = ?"),
        ("SELECT * FROM t WHERE id = ?", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE id = %s", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE id = %(id_1)s", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE id = :id_1", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE id = :1", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE id = $1", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE id = %(id_1)s::INTEGER", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE n = %(n)s::VARCHAR(20)", "SELECT * FROM t WHERE n = ?"),
        ("SELECT * FROM t WHERE a = ANY (%(a)s::INTEGER[])", "SELECT * FROM t WHERE a = ANY (?)"),
        (
            "SELECT * FROM t WHERE id IN (%(p_1)s::INTEGER, %(p_2)s::INTEGER)",
            "SELECT * FROM t WHERE id IN (...)",
        ),
        ("SELECT x::TEXT FROM t", "SELECT x :: TEXT FROM t"),
        ("SELECT * FROM t WHERE id IN (1)", "SELECT * FROM t WHERE id IN (...)"),
        ("SELECT * FROM t WHERE id IN (1, 2, 3)", "SELECT * FROM t WHERE id IN (...)"),
        ("SELECT * FROM t WHERE id IN (?, ?, ?, ?)", "SELECT * FROM t WHERE id IN (...)"),
        ("SELECT * FROM t WHERE id IN (%s, %s)", "SELECT * FROM t WHERE id IN (...)"),
        ("SELECT * FROM t WHERE id NOT IN ($1, $2)", "SELECT * FROM t WHERE id NOT IN (...)"),
        (
            "SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))",
            "SELECT * FROM t WHERE (a, b) IN (...)",
        ),
        ("SELECT * FROM t WHERE id IN (__[POSTCOMPILE_id_1])", "SELECT * FROM t WHERE id IN (...)"),
        ("SELECT * FROM t WHERE id = __[POSTCOMPILE_id_1]", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE id IN (...)", "SELECT * FROM t WHERE id IN (...)"),
        (
            "SELECT * FROM t WHERE id IN (SELECT id FROM u)",
            "SELECT * FROM t WHERE id IN (SELECT id FROM u)",
        ),
        ("SELECT  *\n  FROM t\n\tWHERE id=1", "SELECT * FROM t WHERE id = ?"),
        ("SeLeCt * FrOm t WhErE id = 1", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t ORDER  BY\n id DESC", "SELECT * FROM t ORDER BY id DESC"),
        ("SELECT * FROM t LIMIT 10 OFFSET 20", "SELECT * FROM t LIMIT ? OFFSET ?"),
        ("SELECT count(*) FROM t", "SELECT count (*) FROM t"),
        ("SELECT t.body, body FROM t", "SELECT t.body, body FROM t"),
        ("UPDATE t SET name = 1, type = 2", "UPDATE t SET name = ?, type = ?"),
        ("SELECT COUNT (*) FROM t", "SELECT COUNT (*) FROM t"),
        (
            "select x from t where a like 1 and b not  like 2",
            "SELECT x FROM t WHERE a LIKE ? AND b NOT LIKE ?",
        ),
        ("SELECT t.name FROM t", "SELECT t.name FROM t"),
        ('SELECT "Mixed"."Case" FROM "Mixed"', 'SELECT "Mixed"."Case" FROM "Mixed"'),
        ("SELECT 1 -- a comment\nFROM t", "SELECT ? FROM t"),
        ("SELECT /* hint */ 1 FROM t", "SELECT ? FROM t"),
        ("SELECT 1;", "SELECT ?"),
        ("INSERT INTO t (a, b) VALUES (1, 'x')", "INSERT INTO t (a, b) VALUES (?, ?)"),
        (
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)",
            "INSERT INTO t (a, b) VALUES (?, ?)",
        ),
        ("INSERT INTO t (a) VALUES (?), (DEFAULT)", "INSERT INTO t (a) VALUES (?), (DEFAULT)"),
        ("UPDATE t SET a = 5 WHERE id = 7", "UPDATE t SET a = ? WHERE id = ?"),
        ("DELETE FROM t WHERE id = 3", "DELETE FROM t WHERE id = ?"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fingerprint(sql: str, expected: str) -> None:
    assert fingerprint(sql) == expected


def test_sqlalchemy_insertmanyvalues_batches_of_any_size_share_a_fingerprint() -> None:
    def batch(rows: int) -> str:
        values = ", ".join(f"(?, ?, {i})" for i in range(rows))
        return (
            "INSERT INTO t (a, b) SELECT p0, p1 FROM (VALUES "
            f"{values}) AS imp_sen(p0, p1, sen_counter) ORDER BY sen_counter RETURNING t.id"
        )

    assert fingerprint(batch(1)) == fingerprint(batch(3)) == fingerprint(batch(50))


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("SELECT 1", "select"),
        ("  (SELECT 1) UNION (SELECT 2)", "select"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "select"),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "insert"),
        ("WITH x AS (DELETE FROM t RETURNING id) SELECT * FROM x", "select"),
        ("insert into t values (1)", "insert"),
        ("REPLACE INTO t VALUES (1)", "insert"),
        ("UPDATE t SET a = 1", "update"),
        ("DELETE FROM t", "delete"),
        ("CREATE TABLE t (id INTEGER)", "ddl"),
        ("DROP TABLE t", "ddl"),
        ("ALTER TABLE t ADD COLUMN x INTEGER", "ddl"),
        ("TRUNCATE t", "ddl"),
        ("BEGIN", "transaction"),
        ("COMMIT", "transaction"),
        ("ROLLBACK", "transaction"),
        ("SAVEPOINT sa_savepoint_1", "transaction"),
        ("RELEASE SAVEPOINT sa_savepoint_1", "transaction"),
        ("ROLLBACK TO SAVEPOINT sa_savepoint_1", "transaction"),
        ('PRAGMA main.table_info("t")', "other"),
        ("SET search_path TO public", "other"),
        ("", "other"),
    ],
)
def test_statement_kind(sql: str, kind: str) -> None:
    assert statement_kind(sql) == kind


@pytest.mark.parametrize(
    ("sql", "action"),
    [
        ("BEGIN", "begin"),
        ("START TRANSACTION", "begin"),
        ("COMMIT", "commit"),
        ("ROLLBACK", "rollback"),
        ("SAVEPOINT sa_savepoint_1", "savepoint"),
        ("RELEASE SAVEPOINT sa_savepoint_1", "release_savepoint"),
        ("ROLLBACK TO SAVEPOINT sa_savepoint_1", "rollback_to_savepoint"),
    ],
)
def test_transaction_action(sql: str, action: str) -> None:
    assert is_transaction_control(sql)
    assert transaction_action(sql) == action


@pytest.mark.parametrize("sql", ["SELECT 1", "BEGINNING", "SET x = 1", "RELEASE_NOTES", ""])
def test_other_statements_are_not_transaction_control(sql: str) -> None:
    assert not is_transaction_control(sql)


# -- properties ----------------------------------------------------------------------------------

TEMPLATES = [
    "SELECT * FROM t WHERE id = {}",
    "SELECT a, b FROM t WHERE a = {} AND b <> {}",
    "UPDATE t SET name = {} WHERE id = {}",
    "INSERT INTO t (a, b) VALUES ({}, {})",
    "SELECT * FROM t WHERE id IN ({})",
    "SELECT * FROM t ORDER BY a LIMIT {} OFFSET {}",
    "DELETE FROM t WHERE created < {}",
]

integers = st.integers(min_value=-(10**12), max_value=10**12).map(str)
floats = st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: f"{f:.6f}")
# backslashes are left out: MySQL reads them as escapes, the SQL standard does not
strings = st.text(st.characters(blacklist_characters="\\\x00"), max_size=20).map(
    lambda text: "'" + text.replace("'", "''") + "'"
)
literals = st.one_of(integers, floats, strings, st.sampled_from(["?", "%s", ":p", "$1", "TRUE"]))


@given(st.sampled_from(TEMPLATES), st.lists(literals, min_size=2, max_size=2))
def test_fingerprints_ignore_the_literals(template: str, values: list[str]) -> None:
    slots = template.count("{}")
    filled = template.format(*(values * slots)[:slots])
    assert fingerprint(filled) == fingerprint(template.format(*(["0"] * slots)))


@given(st.lists(literals, min_size=1, max_size=30))
def test_in_lists_of_any_length_collapse(values: list[str]) -> None:
    sql = f"SELECT * FROM t WHERE id IN ({', '.join(values)})"
    assert fingerprint(sql) == "SELECT * FROM t WHERE id IN (...)"


@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_and_is_idempotent(text: str) -> None:
    once = fingerprint(text)
    assert fingerprint(once) == once
    assert statement_kind(text) in {
        "select", "insert", "update", "delete", "ddl", "transaction", "other"
    }  # fmt: skip


@given(st.sampled_from(TEMPLATES), st.lists(literals, min_size=2, max_size=2))
def test_fingerprints_of_sql_are_idempotent(template: str, values: list[str]) -> None:
    slots = template.count("{}")
    once = fingerprint(template.format(*(values * slots)[:slots]))
    assert fingerprint(once) == once
