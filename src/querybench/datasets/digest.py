"""The content digest: sha256 over every table of a dataset as read back from the database.

Rows are read in primary key order straight from the driver and serialised by column type, so
that each driver's own representation gives the same text: integers in decimal, decimals with
the column's scale (SQLite hands back floats, the servers Decimals), datetimes in ISO format
(SQLite hands back strings), booleans as true/false (or 1/0), strings as JSON strings, None as
null; dates and times in ISO format, floats by ``repr``, binaries in hex, UUIDs as 32 hex
digits, JSON re-encoded with sorted keys. The same rows give the same digest on SQLite,
PostgreSQL and MariaDB. Which tables: a ``MetaData``'s (the payments models' by default).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
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


def _dates(values: Sequence[Any]) -> Iterable[str]:
    if isinstance(values[0], str):
        values = list(map(date.fromisoformat, values))
    return map(date.isoformat, values)


def _times(values: Sequence[Any]) -> Iterable[str]:
    if isinstance(values[0], str):
        values = list(map(time.fromisoformat, values))
    return map(time.isoformat, values)


def _floats(values: Sequence[Any]) -> Iterable[str]:
    return map(repr, map(float, values))


def _binaries(values: Sequence[Any]) -> Iterable[str]:
    return (bytes(value).hex() for value in values)


def _uuids(values: Sequence[Any]) -> Iterable[str]:
    # SQLite and MariaDB keep 32 hex characters; PostgreSQL hands back uuid.UUID.
    return (value.hex if isinstance(value, uuid.UUID) else uuid.UUID(value).hex for value in values)


def _documents(values: Sequence[Any]) -> Iterable[str]:
    # PostgreSQL's driver decodes JSON; SQLite and MariaDB hand back the text.
    return (
        json.dumps(json.loads(value) if isinstance(value, str | bytes) else value, sort_keys=True)
        for value in values
    )


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
    if isinstance(kind, sa.Float):
        return _floats
    if isinstance(kind, sa.Numeric):
        return _decimals(kind.scale or 0)
    if isinstance(kind, sa.Integer):
        return _integers
    if isinstance(kind, sa.DateTime):
        return _datetimes
    if isinstance(kind, sa.Date):
        return _dates
    if isinstance(kind, sa.Time):
        return _times
    if isinstance(kind, sa.LargeBinary):
        return _binaries
    if isinstance(kind, sa.Uuid):
        return _uuids
    if isinstance(kind, sa.JSON):
        return _documents
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


def table_digests(
    conn: Connection, metadata: sa.MetaData | None = None
) -> tuple[str, dict[str, int]]:
    """The content digest and the row count of every table of ``metadata`` (default: payments)."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    tables = (metadata if metadata is not None else Base.metadata).tables.values()
    for table in sorted(tables, key=lambda table: table.name):
        columns = list(table.columns)
        formatters = [_formatter(column) for column in columns]
        digest.update(f"table {table.name} {[c.name for c in columns]}\n".encode())
        key = list(table.primary_key.columns)
        # Integers sort alike everywhere; text sorts by each server's collation, so a table
        # keyed otherwise (or not at all) is sorted here, on its canonical lines.
        ordered_by_server = bool(key) and all(isinstance(c.type, sa.Integer) for c in key)
        query = sa.select(*columns).order_by(*key) if ordered_by_server else sa.select(*columns)
        sql = str(query.compile(dialect=conn.dialect))
        count = 0
        unordered: list[str] = []
        for partition in _partitions(conn, sql):
            by_column = zip(*partition, strict=True)
            formatted = [
                _format_column(fmt, values)
                for fmt, values in zip(formatters, by_column, strict=True)
            ]
            lines = list(map("\t".join, zip(*formatted, strict=True)))
            count += len(lines)
            if ordered_by_server:
                digest.update(("\n".join(lines) + "\n").encode())
            else:
                unordered += lines
        if unordered:
            unordered.sort()
            digest.update(("\n".join(unordered) + "\n").encode())
        counts[table.name] = count
    return digest.hexdigest(), counts


def content_digest(bind: Engine | Connection, metadata: sa.MetaData | None = None) -> str:
    """sha256 of every table of ``metadata`` (default: payments) read in primary key order."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return table_digests(conn, metadata)[0]
    return table_digests(bind, metadata)[0]
