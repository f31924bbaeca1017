"""``count_queries``: record every statement a block of code sends to the database."""

from __future__ import annotations

import threading
from collections import Counter
from contextvars import Token
from types import TracebackType
from typing import Any, cast

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from querybench.recorder import detection
from querybench.recorder.allow import (
    Allowance,
    allow,
    mark_allowed,
    recording_started,
    recording_stopped,
)
from querybench.recorder.binds import Bind, resolve_bind, session_connections
from querybench.recorder.callsite import callsite_of, find_caller
from querybench.recorder.fingerprint import fingerprint, transaction_action
from querybench.recorder.rows import ROW_CALLER, ROW_SQL, Row, to_statement
from querybench.recorder.statement import Statement, TransactionAction, TransactionEvent
from querybench.recorder.taps import LOCAL_RECORDERS, CursorTap, SessionTap, Tap, join, leave
from querybench.recorder.usage import CartesianLoad, EagerLoadUsage, UsageLog
from querybench.recorder.usage_tap import UsageTap

DEFAULT_MAX_STORED = 100_000
"""Statements kept one by one; past this they are only counted per SQL text."""


class QueryRecorder:
    """The statements emitted on a bind while the recorder runs (use it as a context manager).

    ``count`` counts statements that reached a DBAPI cursor, an executemany counting once (its
    ``batch_size`` says how many parameter sets it carried). Transaction control (BEGIN,
    COMMIT, ROLLBACK, SAVEPOINT, RELEASE) is listed in ``transactions`` and is neither counted
    nor in ``statements`` unless ``include_transaction_control`` is set. With ``local`` the
    recorder only sees statements run in the thread or asyncio task that started it (and tasks
    that task starts, which inherit its context). At most ``max_stored`` statements are kept one
    by one; later ones are still counted, and fingerprinted in aggregate by
    :meth:`fingerprint_counts`, but not stored.

    Each statement's call site is the first frame outside SQLAlchemy and this recorder package
    (the rest of querybench counts as user code: its payments repositories are what the
    benchmarks profile), and its origin says why it ran (see :class:`Origin`).

    With ``track_usage`` the recorder also notes which eagerly loaded relationships were read
    afterwards (see :mod:`querybench.recorder.usage`; ORM results are then buffered).

    A statement's ``rows`` is what the driver reports. sqlite3 reports none for a SELECT; with
    ``count_rows`` the recorder counts the rows fetched from it instead, at the cost of a
    Python call per row (off by default to keep recording cheap).
    """

    def __init__(
        self,
        bind: Bind | None = None,
        *,
        local: bool = False,
        include_transaction_control: bool = False,
        max_stored: int = DEFAULT_MAX_STORED,
        track_usage: bool = False,
        count_rows: bool = False,
    ):
        if max_stored < 0:
            raise ValueError(f"max_stored must be 0 or more, got {max_stored}")
        self.bind = bind
        self.local = local
        self.include_transaction_control = include_transaction_control
        self.max_stored = max_stored
        self.count_rows = count_rows
        self.stored: list[Row] = []  # the hot path's raw rows; see :attr:`statements`
        self._overflow: Counter[str] = Counter()
        self._overflow_count = 0
        self._transactions: list[tuple[str | None, str | None, Any, int]] = []
        self._built: list[Statement] = []
        self._lock = threading.Lock()
        self._taps: list[Tap] = []
        self._watched: set[int] = set()
        self._token: Token[tuple[object, ...]] | None = None
        self._started = False
        self._allowances: list[Allowance] = []
        self.usage: UsageLog | None = UsageLog() if track_usage else None

    # -- the hot path (called by taps) ------------------------------------------------------

    def add(self, row: Row, transaction: bool) -> None:
        """Take one statement from a tap (which appends most to :attr:`stored` itself)."""
        if transaction:
            code, offset, _ = row[ROW_CALLER]
            self._transactions.append((None, row[ROW_SQL], code, offset))
            if not self.include_transaction_control:
                return
        if len(self.stored) < self.max_stored:
            self.stored.append(row)
        else:
            with self._lock:
                self._overflow[row[ROW_SQL]] += 1
                self._overflow_count += 1

    def add_transaction(self, action: str, code: Any, offset: int) -> None:
        """Take a BEGIN, COMMIT or ROLLBACK from a tap."""
        self._transactions.append((action, None, code, offset))

    def watch_connection(self, connection: Connection, *, begun: bool = False) -> None:
        """Record on ``connection`` too: a connection of the watched Session.

        ``begun`` says the Session has just begun it; its BEGIN ran before this recorder could
        listen on the connection, so it is reported here.
        """
        with self._lock:
            if id(connection) in self._watched or not self._started:
                return
            self._watched.add(id(connection))
            self._taps.append(join(CursorTap, connection, self))
        if begun:
            code, offset, _ = find_caller(1)
            self.add_transaction("begin", code, offset)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> QueryRecorder:
        """Attach to the bind; statements are recorded from now until :meth:`stop`."""
        if self._started or self.stored or self._transactions:
            raise RuntimeError("a QueryRecorder records one block; create a new one")
        target, session = resolve_bind(self.bind)
        self._started = True
        try:
            if self.local:
                self._token = LOCAL_RECORDERS.set((*LOCAL_RECORDERS.get(), self))
            for allowance in recording_started(self):
                self.add_allowance(allowance)
            if self.usage is not None:
                self._taps.append(join(UsageTap, Session, self))
            if target is not None:
                self._taps.append(join(CursorTap, target, self))
            if session is not None:
                self._taps.append(join(SessionTap, session, self))
                for connection in session_connections(session):
                    self.watch_connection(connection)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Detach every listener this recorder added, in reverse order, whatever happens."""
        with self._lock:
            taps, self._taps = self._taps, []
            self._started = False
        recording_stopped(self)
        error: BaseException | None = None
        for tap in reversed(taps):
            try:
                leave(tap, self)
            except BaseException as exc:  # leave the other taps all the same
                error = error or exc
        if self._token is not None:
            try:
                LOCAL_RECORDERS.reset(self._token)
            except ValueError:  # stopped from another context: drop just this recorder
                LOCAL_RECORDERS.set(tuple(r for r in LOCAL_RECORDERS.get() if r is not self))
            self._token = None
        if error is not None:
            raise error

    def __enter__(self) -> QueryRecorder:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- results -----------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Statements recorded (stored or not), transaction control excluded unless asked for."""
        return len(self.stored) + self._overflow_count

    @property
    def dropped(self) -> int:
        """Statements counted but not stored because ``max_stored`` was reached."""
        return self._overflow_count

    @property
    def statements(self) -> tuple[Statement, ...]:
        """The stored statements, in the order they reached the cursor."""
        rows, built = self.stored, self._built
        if len(built) < len(rows):
            built.extend(to_statement(row) for row in rows[len(built) :])
        return tuple(built)

    @property
    def transactions(self) -> tuple[TransactionEvent, ...]:
        """Transaction control seen while recording: BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ..."""
        return tuple(
            TransactionEvent(
                cast(TransactionAction, action or transaction_action(sql or "")),
                sql,
                None if code is None else callsite_of(code, offset),
            )
            for action, sql, code, offset in list(self._transactions)
        )

    def attached_listeners(self) -> tuple[tuple[Any, str, Any], ...]:
        """``(target, event name, listener)`` of every SQLAlchemy listener serving this recorder
        now; empty once it has stopped. For checking with ``sqlalchemy.event.contains``."""
        with self._lock:
            return tuple(listener for tap in self._taps for listener in tap.listeners())

    def fingerprint_counts(self) -> Counter[str]:
        """How many statements had each fingerprint, the unstored ones included."""
        counts: Counter[str] = Counter(fingerprint(row[ROW_SQL]) for row in self.stored)
        for sql, number in list(self._overflow.items()):
            counts[fingerprint(sql)] += number
        return counts

    def n_plus_one(
        self, *, min_repeats: int = detection.DEFAULT_MIN_REPEATS
    ) -> tuple[detection.Finding, ...]:
        """N+1 patterns among the stored statements (see :func:`detection.find_n_plus_one`),
        those an allowance covers marked allowed."""
        findings = detection.find_n_plus_one(self.statements, min_repeats=min_repeats)
        return mark_allowed(findings, self._allowances)

    def allow(self, target: str, *, reason: str) -> None:
        """Mark this recorder's findings on ``target`` as allowed; see :func:`querybench.allow`."""
        self.add_allowance(allow(target, reason).allowance)

    def add_allowance(self, allowance: Allowance) -> None:
        """Take an allowance (from an ``allow`` block entered while this recorder runs)."""
        if allowance not in self._allowances:
            self._allowances.append(allowance)

    @property
    def allowances(self) -> tuple[Allowance, ...]:
        """The allowances this recorder applies to its findings."""
        return tuple(self._allowances)

    def eager_load_usage(self) -> tuple[EagerLoadUsage, ...]:
        """Each eager load seen, with how many of the objects it filled were read afterwards."""
        return self._usage().eager_loads()

    def unused_eager_loads(self) -> tuple[EagerLoadUsage, ...]:
        """Eager loads whose relationship no object read afterwards."""
        return tuple(usage for usage in self._usage().eager_loads() if usage.unused)

    def cartesian_loads(self) -> tuple[CartesianLoad, ...]:
        """Statements that joined two or more collections side by side (rows multiply)."""
        return self._usage().cartesian_loads()

    def _usage(self) -> UsageLog:
        if self.usage is None:
            raise RuntimeError(
                "eager load usage is tracked only on request: count_queries(bind, track_usage=True)"
            )
        return self.usage

    def duplicates(self, *, min_repeats: int = 2) -> tuple[detection.Duplicate, ...]:
        """Statements run more than once with the same SQL and the same parameters."""
        return detection.find_duplicates(self.statements, min_repeats=min_repeats)

    def __repr__(self) -> str:
        return f"<QueryRecorder {self.count} statements>"


def count_queries(
    bind: Bind | None = None,
    *,
    local: bool = False,
    include_transaction_control: bool = False,
    max_stored: int = DEFAULT_MAX_STORED,
    track_usage: bool = False,
    count_rows: bool = False,
) -> QueryRecorder:
    """Record every statement emitted on ``bind`` (None: every engine) inside a ``with`` block.

    ``bind`` is an Engine, Connection or Session, sync or async. The recorder is yielded by the
    ``with`` statement; its listeners are removed when the block ends, on error too. With
    ``track_usage`` it also reports unused eager loads and joined collections that multiply
    rows (:meth:`QueryRecorder.unused_eager_loads`, :meth:`QueryRecorder.cartesian_loads`)::

        with count_queries(engine) as queries:
            run_the_code()
        assert queries.count == 2, queries.statements
    """
    return QueryRecorder(
        bind,
        local=local,
        include_transaction_control=include_transaction_control,
        max_stored=max_stored,
        track_usage=track_usage,
        count_rows=count_rows,
    )
