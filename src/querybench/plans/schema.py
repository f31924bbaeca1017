"""Schema variants of the payments dataset, applied after the build in a database we own.

- ``indexed``: today's models (:mod:`querybench.payments.models`), composite indexes included.
- ``phase3``: the seed's Phase 3.2 schema: the same tables and foreign keys, without the
  composite indexes Phase 4 ("optimise composite indexes") adds. ``payments.user_id`` is then
  indexed by nothing on SQLite and PostgreSQL; MariaDB cannot keep a foreign key without an
  index, and creates one on the column itself, as it would have for the Phase 3.2 table: that
  index (named ``user_id``, as InnoDB names it) is created here before the composite goes.

The build (:func:`querybench.datasets.build_dataset`) always makes the indexed schema, and its
SQLite cache holds only that; :func:`apply_schema` changes the working copy (a fresh copy of the
cache on every SQLite build, a fresh build on servers), so the cache needs no schema key. The
variant is written to ``querybench_meta`` (``schema``). Planner statistics are refreshed
(``ANALYZE``) on both variants so that they are compared under the same conditions.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from querybench.datasets.build import analyse_tables
from querybench.datasets.probes import META_TABLE_NAME, OWNER_MARK, read_meta, write_meta
from querybench.errors import OwnershipError, QuerybenchError
from querybench.payments.models import Base

SCHEMAS = ("indexed", "phase3")
MARIADB_FK_INDEX = "user_id"
"""The index InnoDB gives ``payments.user_id`` when no other index serves its foreign key."""


def composite_indexes() -> list[sa.Index]:
    """The payments models' indexes of more than one column: what Phase 4 adds."""
    return [
        index
        for table in Base.metadata.sorted_tables
        for index in sorted(table.indexes, key=lambda index: str(index.name))
        if len(index.columns) > 1
    ]


def require_owned(conn: Connection, doing: str) -> None:
    """Raise ``OwnershipError`` (one line) unless querybench built the dataset in this database."""
    meta = read_meta(conn) or {}
    if meta.get("owner") != OWNER_MARK or meta.get("state") != "complete":
        where = conn.engine.url.render_as_string(hide_password=True)
        raise OwnershipError(
            f"{where}: refusing to {doing}: no complete querybench dataset here (no"
            f" {META_TABLE_NAME} mark); only databases the harness built are changed"
        )


def apply_schema(engine: Engine, schema: str) -> None:
    """Turn the dataset in ``engine``'s database into ``schema``; refuses a database not ours."""
    if schema not in SCHEMAS:
        raise QuerybenchError(f"unknown schema {schema!r}; choose one of {', '.join(SCHEMAS)}")
    with engine.begin() as conn:
        require_owned(conn, f"apply the {schema} schema")
        present = _index_names(conn)
        if schema == "phase3":
            if conn.dialect.name in ("mysql", "mariadb") and MARIADB_FK_INDEX not in present:
                # DDL text: an Index on the models' column would join the models' metadata.
                conn.exec_driver_sql(f"CREATE INDEX {MARIADB_FK_INDEX} ON payments (user_id)")
            for index in composite_indexes():
                if index.name in present:
                    index.drop(conn)
        else:
            for index in composite_indexes():
                if index.name not in present:
                    index.create(conn)
            if MARIADB_FK_INDEX in present:
                conn.exec_driver_sql(f"DROP INDEX {MARIADB_FK_INDEX} ON payments")
        write_meta(conn, {"schema": schema})
    analyse(engine)


def _index_names(conn: Connection) -> set[str]:
    inspector = sa.inspect(conn)
    return {
        str(index["name"])
        for table in Base.metadata.sorted_tables
        for index in inspector.get_indexes(table.name)
    }


def analyse(engine: Engine) -> None:
    """Refresh the planner's statistics on the payments tables (servers only)."""
    analyse_tables(engine, [table.name for table in Base.metadata.sorted_tables])


def schema_of(conn: Connection) -> str:
    """The schema variant recorded in ``querybench_meta`` (``indexed`` when none was applied)."""
    return (read_meta(conn) or {}).get("schema", "indexed")
