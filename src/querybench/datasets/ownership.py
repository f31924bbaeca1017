"""The ownership rule: a build drops or replaces only tables querybench created and marked.

A table counts as ours only when ``querybench_meta`` exists, carries the ``owner`` mark and
lists the table in ``owned_tables``. Any payments table without that mark stops the build
before anything is changed.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from querybench.datasets.probes import META_TABLE_NAME, OWNER_MARK, meta_table, read_meta
from querybench.errors import OwnershipError
from querybench.payments.models import Base

PAYMENTS_TABLES = tuple(table.name for table in Base.metadata.sorted_tables)


def owned_tables(conn: Connection) -> list[str]:
    """Our tables present in the database, meta table last; raises if a payments table is foreign.

    Raises ``OwnershipError`` naming the database (password hidden) and the foreign tables when
    ``users``, ``payments`` or ``pricing_plans`` exist without our mark, or when a
    ``querybench_meta`` table exists that we did not write.
    """
    present = set(sa.inspect(conn).get_table_names())
    ours: set[str] = set()
    foreign: list[str] = []
    if META_TABLE_NAME in present:
        marked = _marked_tables(read_meta(conn))
        if marked is None:
            foreign.append(META_TABLE_NAME)
        else:
            ours = marked
    foreign += [name for name in PAYMENTS_TABLES if name in present and name not in ours]
    if foreign:
        where = conn.engine.url.render_as_string(hide_password=True)
        raise OwnershipError(
            f"{where}: refusing to build: table(s) {', '.join(foreign)} exist but were not"
            f" created by querybench (no {META_TABLE_NAME} mark); nothing was changed."
            " Build into an empty database or schema, or drop those tables yourself"
        )
    found = [name for name in PAYMENTS_TABLES if name in present]
    return found + ([META_TABLE_NAME] if META_TABLE_NAME in present else [])


def _marked_tables(meta: dict[str, str] | None) -> set[str] | None:
    """The tables ``querybench_meta`` marks as ours, or None when it carries no valid mark."""
    if meta is None or meta.get("owner") != OWNER_MARK:
        return None
    try:
        names = json.loads(meta.get("owned_tables", ""))
    except ValueError:
        return None
    return {name for name in names if isinstance(name, str)} if isinstance(names, list) else None


def drop_owned(conn: Connection, names: list[str]) -> None:
    """Drop the given tables, which ``owned_tables`` has just proven ours."""
    tables = [Base.metadata.tables[name] for name in names if name in Base.metadata.tables]
    Base.metadata.drop_all(conn, tables=tables)
    if META_TABLE_NAME in names:
        meta_table.drop(conn)


def drop_dataset(bind: Engine | Connection) -> list[str]:
    """Drop the dataset querybench built into ``bind``'s database; returns the tables dropped.

    Foreign tables are never touched: if any payments table is not ours, raises
    ``OwnershipError`` and drops nothing.
    """
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return drop_dataset(conn)
    names = owned_tables(bind)
    drop_owned(bind, names)
    return names
