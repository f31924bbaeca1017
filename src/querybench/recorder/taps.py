"""Taps: the SQLAlchemy listeners, one set per watched target, shared by the recorders on it.

Every recorder watching an engine (or connection, or every engine) joins that target's tap;
the tap's listeners are attached when its first recorder joins and removed, in reverse order,
when its last one leaves. Sharing matters for two reasons. SQLAlchemy's listener lists are
plain deques that it iterates without a lock, so adding or removing a listener while another
thread dispatches an event on the same target can fail; with a shared tap that only happens
when a target goes from unwatched to watched and back. And the per-statement work (timing,
stack walk) is done once, however many recorders are nested.

The hot path is :meth:`CursorTap._after`: a clock read, a call-site probe (the tap first checks
the frame where the last statement's caller was: one frame object, usually one that exists
already), a tuple, and an append per recorder. Formatting, fingerprinting and origins happen
later, on demand. Counting the rows a SQLite SELECT fetches costs a Python call per row, so it is
done only for a recorder that asks (``count_rows``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar
from sys import _getframe, intern
from time import perf_counter_ns
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.orm import Session

from querybench.recorder.callsite import NOTHING_TO_CHECK, Probe, find_caller, find_path
from querybench.recorder.fingerprint import is_transaction_control
from querybench.recorder.provenance import RunCounter as _RUNS
from querybench.recorder.rows import Row, SqliteCursor, count_fetched_rows
from querybench.recorder.tagging import LOAD_OPTIONS_KEY, column_load_tag, loader_tag

LOCAL_RECORDERS: ContextVar[tuple[object, ...]] = ContextVar("querybench_local", default=())
"""Recorders limited to the current thread or asyncio task: those listed in its context."""


class Sink(Protocol):
    """The recorder side of a tap."""

    local: bool
    count_rows: bool
    max_stored: int
    stored: list[Row]
    """The rows kept one by one; the tap appends to it directly, saving a call per statement."""

    def add(self, row: Row, transaction: bool) -> None:
        """Take a statement that is not simply stored: transaction control, or one past
        ``max_stored``; ``transaction`` tells transaction control apart."""

    def add_transaction(self, action: str, code: Any, offset: int) -> None:
        """Take a BEGIN, COMMIT or ROLLBACK that went through the DBAPI connection."""

    def watch_connection(self, connection: Connection, *, begun: bool = False) -> None:
        """Start recording on a connection of the watched Session (``begun``: just now)."""


class Tap:
    """A set of listeners on one target, attached while at least one recorder needs them."""

    def __init__(
        self, target: Any, listeners: list[tuple[Any, str, Callable[..., Any], dict[str, Any]]]
    ):
        self.key: tuple[object, int] = (type(self), id(target))
        self.recorders: tuple[Sink, ...] = ()
        self.scoped = False  # does any recorder here look at its own context only?
        self.count_rows = False  # does any recorder want SQLite's fetched rows counted?
        self._listeners = listeners
        self._attached: list[tuple[Any, str, Callable[..., Any]]] = []

    def attach(self) -> None:
        """Add every listener; on failure, remove those already added and re-raise."""
        try:
            for target, name, fn, options in self._listeners:
                event.listen(target, name, fn, **options)
                self._attached.append((target, name, fn))
        except BaseException:
            self.detach()
            raise

    def detach(self) -> None:
        """Remove the listeners in reverse order, each one even if another removal fails."""
        attached, self._attached = self._attached, []
        self._listeners = []  # they hold bound methods of this tap: free it without the GC
        error: BaseException | None = None
        for target, name, fn in reversed(attached):
            try:
                event.remove(target, name, fn)
            except BaseException as exc:  # keep removing the rest, then report the first
                error = error or exc
        if error is not None:
            raise error

    def listeners(self) -> list[tuple[Any, str, Callable[..., Any]]]:
        """``(target, event name, listener)`` of the listeners attached now."""
        return list(self._attached)

    def interested(self) -> tuple[Sink, ...]:
        """The recorders that want an event happening now, in this thread or task."""
        recorders = self.recorders
        if not self.scoped:
            return recorders
        active = LOCAL_RECORDERS.get()
        return tuple(recorder for recorder in recorders if not recorder.local or recorder in active)


def _tag_now(load_options: Any, options: Any, compiled: Any) -> Any:
    """The tag of a load run for one object (a column load, a lazy or immediate relationship
    load), taken while it runs: what is expired, and the object's identity, can change
    afterwards (a rollback). The hot path calls this only for such loads."""
    if load_options._refresh_state is not None:
        return column_load_tag(load_options, compiled)
    return loader_tag(load_options, options, compiled)


class CursorTap(Tap):
    """Cursor and transaction listeners on an Engine, a Connection, or the Engine class."""

    def __init__(self, target: Engine | Connection | type[Engine]):
        if isinstance(target, Connection):
            dialect_target: Any = target.engine
        else:
            dialect_target = target
        super().__init__(
            target,
            [
                (target, "before_cursor_execute", self._before, {"retval": True}),
                (target, "after_cursor_execute", self._after, {}),
                (dialect_target, "handle_error", self._error, {}),
                (target, "begin", self._begin, {}),
                (target, "commit", self._commit, {}),
                (target, "rollback", self._rollback, {}),
            ],
        )
        self._started: dict[Any, int] = {}
        self._texts: dict[str, tuple[str, bool]] = {}
        self._path: Probe = NOTHING_TO_CHECK

    def _before(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        self._started[context] = perf_counter_ns()
        return statement, parameters

    def _after(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        ended = perf_counter_ns()
        started = self._started.pop(context, None)
        if started is None:
            return
        recorders = self.interested() if self.scoped else self.recorders
        if not recorders:
            return
        # the call site: the path of the last statement, checked here first, saves a call
        depth, code, offset, caller = self._path
        # (nothing to check when code is None; this frame must never hold itself in a local:
        # that cycle would keep each statement's context and cursor alive until the GC runs)
        frame: Any = None
        if code is not None:
            try:
                frame = _getframe(depth)
            except ValueError:  # a shallower stack than last time
                frame = None
        if frame is None or frame.f_code is not code or frame.f_lasti != offset:
            self._path = path = find_path(1)
            caller = path[3]
        text = self._texts.get(statement) or self._learn(statement)
        rows = cursor.rowcount
        if (
            self.count_rows
            and (rows is None or rows < 0)
            and type(cursor) is SqliteCursor
            and cursor.description is not None
        ):
            rows = count_fetched_rows(cursor)
        options = context.execution_options
        load = options.get(LOAD_OPTIONS_KEY)
        compiled = context.compiled
        row = (
            text[0],
            parameters,
            started,
            ended,
            many,
            rows,
            caller,
            None
            if load is None or (load._refresh_state is None and load._lazy_loaded_from is None)
            else _tag_now(load, options, compiled),
            options,
            compiled,
            None if _RUNS is None else repr(_RUNS),  # provenance.peek_run: every statement
        )
        transaction = text[1]
        for recorder in recorders:
            stored = recorder.stored
            if transaction or len(stored) >= recorder.max_stored:
                recorder.add(row, transaction)
            else:
                stored.append(row)

    def _learn(self, statement: str) -> tuple[str, bool]:
        """Share one copy of each SQL text, and tell transaction control apart, once per text."""
        sql = intern(statement)
        text = self._texts[sql] = (sql, is_transaction_control(sql))
        return text

    def _error(self, error_context: ExceptionContext) -> None:
        context: Any = error_context.execution_context
        started = self._started.pop(context, None) if context is not None else None
        recorders = self.interested()
        if started is None or not recorders:
            return
        options = context.execution_options
        load = options.get(LOAD_OPTIONS_KEY)
        statement = error_context.statement or ""
        text = self._texts.get(statement) or self._learn(statement)
        row = (
            text[0],
            error_context.parameters,
            started,
            perf_counter_ns(),
            False,
            None,
            find_caller(1),
            None if load is None else _tag_now(load, options, context.compiled),
            options,
            context.compiled,
            None,
            type(error_context.original_exception).__name__,
        )
        for recorder in recorders:
            recorder.add(row, text[1])

    def _transaction(self, action: str) -> None:
        recorders = self.interested()
        if recorders:
            code, offset, _ = find_caller(2)
            for recorder in recorders:
                recorder.add_transaction(action, code, offset)

    def _begin(self, conn: Connection) -> None:
        self._transaction("begin")

    def _commit(self, conn: Connection) -> None:
        self._transaction("commit")

    def _rollback(self, conn: Connection) -> None:
        self._transaction("rollback")


class SessionTap(Tap):
    """``after_begin`` on one Session: tells its recorders about each connection it starts."""

    def __init__(self, session: Session):
        super().__init__(session, [(session, "after_begin", self._after_begin, {})])

    def _after_begin(self, session: Session, transaction: Any, connection: Connection) -> None:
        for recorder in self.recorders:
            recorder.watch_connection(connection, begun=True)


_lock = threading.RLock()
_taps: dict[tuple[object, int], tuple[Any, Tap]] = {}


def _settle(tap: Tap) -> None:
    """Set the tap's switches from what its recorders ask for."""
    tap.scoped = any(member.local for member in tap.recorders)
    tap.count_rows = any(member.count_rows for member in tap.recorders)


def join(kind: Callable[[Any], Tap], target: Any, recorder: Sink) -> Tap:
    """Add ``recorder`` to the ``kind`` tap on ``target``, attaching it if it is the first one."""
    key = (kind, id(target))
    with _lock:
        entry = _taps.get(key)
        if entry is None:
            tap = kind(target)
            tap.attach()
            # the target is kept alive with its tap, so its id cannot be reused meanwhile
            _taps[key] = entry = (target, tap)
        tap = entry[1]
        tap.recorders = (*tap.recorders, recorder)
        _settle(tap)
        return tap


def leave(tap: Tap, recorder: Sink) -> None:
    """Remove ``recorder`` from ``tap``; the last one out detaches the listeners."""
    with _lock:
        tap.recorders = tuple(member for member in tap.recorders if member is not recorder)
        _settle(tap)
        if not tap.recorders:
            del _taps[tap.key]
            tap.detach()


def active_taps() -> int:
    """How many taps are attached now (0 when no recorder is running)."""
    with _lock:
        return len(_taps)
