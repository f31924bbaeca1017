"""SQLite plans follow the schema as it is now, on a pooled connection too.

EXPLAIN reads no table, so SQLite does not check its schema cookie, and sqlite3 caches
prepared statements by their text: without care a pooled connection explains with the indexes
it saw last, and an index proof reads "full scan" with the index in place (or the reverse).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from querybench.plans.explain import explain_sql

SQL = "SELECT id FROM items WHERE owner = ? ORDER BY id"


def _access(engine: Engine) -> str:
    with engine.connect() as conn:
        (scan,) = explain_sql(conn, SQL, ("o7",)).scans
        return f"{scan.access} {scan.index}".strip()


def test_an_index_made_or_dropped_elsewhere_shows_in_the_next_plan(
    sqlite_url: URL, make_engine: Callable[[URL | str], Engine]
) -> None:
    engine = make_engine(sqlite_url)
    other = make_engine(sqlite_url)  # another process, as far as the pool knows
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE items (id INTEGER PRIMARY KEY, owner TEXT)")
        conn.execute(
            sa.text("INSERT INTO items (id, owner) VALUES (:id, :owner)"),
            [{"id": i, "owner": f"o{i % 50}"} for i in range(2000)],
        )
    assert _access(engine) == "full"
    with other.begin() as conn:
        conn.exec_driver_sql("CREATE INDEX ix_items_owner ON items (owner)")
    assert _access(engine) in ("index ix_items_owner", "index-only ix_items_owner")
    with other.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_items_owner")
    assert _access(engine) == "full"
