"""What the database holds for the tables a statement reads: size class, keys and indexes."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from querybench.plans.shape import TableIndex

DEFAULT_THRESHOLD = 1000
"""Rows from which a full scan of a table is worth a finding."""


@dataclass(frozen=True)
class TableInfo:
    """One table: whether it holds at least ``threshold`` rows, its key, its indexes' columns."""

    name: str
    large: bool
    primary_key: tuple[str, ...]
    indexes: tuple[tuple[str, tuple[str, ...]], ...]
    # The non-unique indexes alone (``indexes`` also holds unique ones and unique constraints).
    secondary: tuple[tuple[str, tuple[str, ...]], ...] = ()
    foreign_keys: tuple[tuple[str, ...], ...] = ()

    def covered(self, columns: tuple[str, ...]) -> bool:
        """Whether an index (primary key and unique constraints included) starts with
        ``columns``: the planner had that index and chose not to use it, or used it."""
        keys = [self.primary_key, *(cols for _name, cols in self.indexes)]
        return any(key[: len(columns)] == columns for key in keys if key)

    def table_indexes(self) -> tuple[TableIndex, ...]:
        """The non-unique indexes, as the results keep them."""
        return tuple(
            TableIndex(
                self.name,
                index,
                columns,
                self.large,
                any(columns[: len(fk)] == fk for fk in self.foreign_keys if fk),
            )
            for index, columns in self.secondary
        )


def inventory(
    conn: Connection, tables: set[str], *, threshold: int = DEFAULT_THRESHOLD
) -> dict[str, TableInfo]:
    """:class:`TableInfo` of each of ``tables`` present in the database (others are left out).

    Size is counted up to ``threshold`` rows only, so a huge table costs no full count.
    """
    inspector = sa.inspect(conn)
    found: dict[str, TableInfo] = {}
    for name in sorted(tables):
        try:
            if not inspector.has_table(name):
                continue
            primary = tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ())
            listed = inspector.get_indexes(name)
            indexes = [
                (str(ix["name"]), tuple(str(c) for c in ix["column_names"] if c is not None))
                for ix in listed
            ]
            secondary = tuple(
                index for index, ix in zip(indexes, listed, strict=True) if not ix.get("unique")
            )
            foreign = tuple(
                tuple(str(c) for c in fk["constrained_columns"])
                for fk in inspector.get_foreign_keys(name)
            )
            indexes += [
                (str(uq["name"]), tuple(uq["column_names"]))
                for uq in inspector.get_unique_constraints(name)
            ]
            quoted = conn.dialect.identifier_preparer.quote(name)
            count = conn.exec_driver_sql(
                f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT {int(threshold)}) AS sample"
            ).scalar_one()
        except exc.DBAPIError:  # a view, a table we may not read: no advice on it
            continue
        found[name] = TableInfo(
            name, count >= threshold, primary, tuple(indexes), secondary, foreign
        )
    return found
