"""The ownership rule: a build drops or replaces only tables querybench created and marked.

A table counts as ours only when ``querybench_meta`` exists, carries the ``owner`` mark and
lists the table in ``owned_tables``. Any table a build would create (its source's tables) that
exists without that mark stops the build before anything is changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from querybench.datasets.probes import META_TABLE_NAME, OWNER_MARK, meta_table, read_meta
from querybench.errors import OwnershipError
from querybench.payments.models import Base

PAYMENTS_TABLES = tuple(table.name for table in Base.metadata.sorted_tables)


def owned_tables(conn: Connection, candidates: Iterable[str] = PAYMENTS_TABLES) -> list[str]:
    """Our tables present in the database, meta table last; raises if a candidate is foreign.

    ``candidates`` are the tables a build is about to create. Raises ``OwnershipError`` naming
    the database (password hidden) and the foreign tables when one of them exists without our
    mark, or when a ``querybench_meta`` table exists that we did not write. The tables returned
    are those the mark lists (in the order it lists them, dependencies first) that exist.
    """
    present = set(sa.inspect(conn).get_table_names())
    marked: list[str] = []
    foreign: list[str] = []
    if META_TABLE_NAME in present:
        listed = _marked_tables(read_meta(conn))
        if listed is None:
            foreign.append(META_TABLE_NAME)
        else:
            marked = listed
    foreign += [name for name in candidates if name in present and name not in marked]
    if foreign:
        where = conn.engine.url.render_as_string(hide_password=True)
        raise OwnershipError(
            f"{where}: refusing to build: table(s) {', '.join(foreign)} exist but were not"
            f" created by querybench (no {META_TABLE_NAME} mark); nothing was changed."
            " Build into an empty database or schema, or drop those tables yourself"
        )
    found = [name for name in marked if name in present and name != META_TABLE_NAME]
    return found + ([META_TABLE_NAME] if META_TABLE_NAME in present else [])


def _marked_tables(meta: dict[str, str] | None) -> list[str] | None:
    """The tables ``querybench_meta`` marks as ours, or None when it carries no valid mark."""
    if meta is None or meta.get("owner") != OWNER_MARK:
        return None
    try:
        names = json.loads(meta.get("owned_tables", ""))
    except ValueError:
        return None
    if not isinstance(names, list):
        return None
    return [name for name in names if isinstance(name, str)]


def drop_owned(conn: Connection, names: list[str]) -> None:
    """Drop the given tables, which ``owned_tables`` has just proven ours.

    They are reflected rather than taken from a mapping: a database may hold the dataset of
    another source than the one about to be built.
    """
    tables = [name for name in names if name != META_TABLE_NAME]
    if tables:
        reflected = sa.MetaData()
        reflected.reflect(conn, only=tables)
        if conn.dialect.name == "sqlite":
            # No ALTER to break a foreign-key cycle, and SQLite does not enforce foreign keys
            # unless asked to: dropping in reverse creation order needs no sort.
            for name in reversed(tables):
                reflected.tables[name].drop(conn)
        else:
            reflected.drop_all(conn, tables=[reflected.tables[name] for name in tables])
    if META_TABLE_NAME in names:
        meta_table.drop(conn)


def drop_dataset(
    bind: Engine | Connection, candidates: Iterable[str] = PAYMENTS_TABLES
) -> list[str]:
    """Drop the dataset querybench built into ``bind``'s database; returns the tables dropped.

    Foreign tables are never touched: if any of ``candidates`` (default: the payments tables)
    exists without our mark, raises ``OwnershipError`` and drops nothing.
    """
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return drop_dataset(conn, candidates)
    names = owned_tables(bind, candidates)
    drop_owned(bind, names)
    return names
