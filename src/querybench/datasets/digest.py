"""The content digest: sha256 over every payments table as read back from the database.

Rows are read in primary key order straight from the driver and serialised by column type, so
that each driver's own representation gives the same text: integers in decimal, decimals with
the column's scale (SQLite hands back floats, the servers Decimals), datetimes in ISO format
(SQLite hands back strings), booleans as true/false (or 1/0), strings as JSON strings, None as
null. The same rows give the same digest on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from querybench.payments.models import Base

_READ_ROWS = 20_000

# Formats a whole column of raw driver values at once: map() over C functions is what keeps
# a million rows to a couple of seconds.
ColumnFormatter = Callable[[Sequence[Any]], Iterable[str]]

_BOOLEANS = {True: "true", False: "false"}  # 1 and 0 (SQLite, MariaDB) hash as True and False


def _booleans(values: Sequence[Any]) -> Iterable[str]:
    return map(_BOOLEANS.__getitem__, values)


def _datetimes(values: Sequence[Any]) -> Iterable[str]:
    # SQLite hands back the text SQLAlchemy stored; the servers hand back datetimes.
    if isinstance(values[0], str):
        values = list(map(datetime.fromisoformat, values))
    return map(datetime.isoformat, values)


def _integers(values: Sequence[Any]) -> Iterable[str]:
    return map(str, values)


def _texts(values: Sequence[Any]) -> Iterable[str]:
    return map(encode_basestring_ascii, values)


def _decimals(scale: int) -> ColumnFormatter:
    pattern = f".{scale}f"

    def decimals(values: Sequence[Any]) -> Iterable[str]:
        # Exact for Decimals (the servers) and for the floats SQLite keeps: 2 places of at most
        # 10 digits are far inside a double's 15.
        return map(format, values, itertools.repeat(pattern))

    return decimals


def _formatter(column: sa.Column[Any]) -> ColumnFormatter:
    """The canonical formatter for one column's raw driver values."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return _booleans
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return _decimals(kind.scale or 0)
    if isinstance(kind, sa.Integer):
        return _integers
    if isinstance(kind, sa.DateTime):
        return _datetimes
    return _texts


def _format_column(formatter: ColumnFormatter, values: Sequence[Any]) -> Iterable[str]:
    if None not in values:
        return formatter(values)
    present = [value for value in values if value is not None]
    formatted = iter(formatter(present) if present else ())
    return ["null" if value is None else next(formatted) for value in values]


def _partitions(conn: Connection, sql: str) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of ``sql`` in lists of ``_READ_ROWS``, never all in memory at once."""
    result = conn.exec_driver_sql(sql, execution_options={"stream_results": True})
    try:
        if conn.dialect.supports_server_side_cursors:
            # A server-side cursor, whose first row SQLAlchemy has already fetched and buffered.
            yield from result.partitions(_READ_ROWS)
        else:
            # SQLite: rows straight from the DBAPI cursor; SQLAlchemy's Rows would cost a second.
            while rows := result.cursor.fetchmany(_READ_ROWS):
                yield rows
    finally:
        result.close()


def table_digests(conn: Connection) -> tuple[str, dict[str, int]]:
    """The content digest and the row count of every payments table."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    for table in sorted(Base.metadata.tables.values(), key=lambda table: table.name):
        columns = list(table.columns)
        formatters = [_formatter(column) for column in columns]
        digest.update(f"table {table.name} {[c.name for c in columns]}\n".encode())
        query = sa.select(*columns).order_by(*table.primary_key.columns)
        sql = str(query.compile(dialect=conn.dialect))
        count = 0
        for partition in _partitions(conn, sql):
            by_column = zip(*partition, strict=True)
            formatted = [
                _format_column(fmt, values)
                for fmt, values in zip(formatters, by_column, strict=True)
            ]
            lines = list(map("\t".join, zip(*formatted, strict=True)))
            count += len(lines)
            digest.update(("\n".join(lines) + "\n").encode())
        counts[table.name] = count
    return digest.hexdigest(), counts


def content_digest(bind: Engine | Connection) -> str:
    """sha256 of every payments table read back in primary key order, canonically serialised."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return table_digests(conn)[0]
    return table_digests(bind)[0]
