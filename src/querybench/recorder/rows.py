"""The raw row the recorder's hot path stores per statement, and how it becomes a Statement.

The cursor event stores a plain tuple (see the ``ROW_*`` indexes): building records, call sites
and origins waits until someone reads the statements. SQLite's fetched rows, which sqlite3 does
not report, are counted here on request, through the cursor's ``row_factory``.
"""

from __future__ import annotations

import sqlite3
from functools import partial
from typing import Any

from querybench.recorder.callsite import callsite_of
from querybench.recorder.provenance import run_of
from querybench.recorder.statement import Statement
from querybench.recorder.tagging import origin_of

Row = tuple[Any, ...]
"""What the hot path stores per statement; see the ``ROW_*`` indexes."""

SqliteCursor = sqlite3.Cursor
RowCount = list[int]
"""A one-item list: the rows fetched so far from a SQLite SELECT (sqlite3 reports none)."""


def _count_row(count: RowCount, cursor: Any, row: Any) -> Any:
    count[0] += 1
    return row


def _count_row_then(count: RowCount, factory: Any, cursor: Any, row: Any) -> Any:
    count[0] += 1
    return factory(cursor, row)


def count_fetched_rows(cursor: sqlite3.Cursor) -> RowCount:
    """Count the rows SQLAlchemy fetches from ``cursor`` through its ``row_factory``.

    A ``partial`` over a one-item list costs no Python call to set up, only one per row; a
    row factory already on the cursor still runs after the count.
    """
    count = [0]
    factory = cursor.row_factory
    cursor.row_factory = (
        partial(_count_row, count) if factory is None else partial(_count_row_then, count, factory)
    )
    return count


(
    ROW_SQL,
    ROW_PARAMS,
    ROW_STARTED,
    ROW_ENDED,
    ROW_MANY,  # an executemany? (its parameter sets are ROW_PARAMS)
    ROW_ROWS,  # cursor.rowcount as read (-1 or None: unknown), or a RowCount (SQLite SELECT)
    ROW_CALLER,  # callsite.Caller: (code, offset, inside a flush), shared by a call site's rows
    ROW_TAG,  # the tag of a load for one object, taken on the spot; else None
    ROW_OPTIONS,  # the execution options: the ORM's loader state rides in them
    ROW_COMPILED,
    ROW_RUN,  # the ORM's run id counter as peeked (provenance.peek_run); None if unreadable
    ROW_ERROR,  # only in the row of a statement that failed: the exception's class name
) = range(12)


def _rows(rows: int | RowCount | None) -> int | None:
    if isinstance(rows, list):
        return rows[0]
    return None if rows is None or rows < 0 else rows


def to_statement(row: Row) -> Statement:
    """The :class:`Statement` record of a raw row: call site and origin are worked out here."""
    code, offset, flushing = row[ROW_CALLER]
    batch = len(row[ROW_PARAMS]) if row[ROW_MANY] else 0
    return Statement(
        sql=row[ROW_SQL],
        params=row[ROW_PARAMS],
        started_ns=row[ROW_STARTED],
        duration_ns=row[ROW_ENDED] - row[ROW_STARTED],
        batch_size=batch or 1,
        executemany=batch > 0,
        rows=_rows(row[ROW_ROWS]),
        callsite=None if code is None else callsite_of(code, offset),
        origin=origin_of(row[ROW_TAG], row[ROW_OPTIONS], flushing, row[ROW_COMPILED]),
        error=row[ROW_ERROR] if len(row) > ROW_ERROR else None,
        run=run_of(row[ROW_RUN]),
    )
