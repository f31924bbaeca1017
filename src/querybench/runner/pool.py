"""Pool use: checkouts, connections opened, the wait for a connection, overflow and timeouts.

Counts come from SQLAlchemy's pool events (``connect``, ``checkout``, ``checkin``). The pool has
no event for "a connection was asked for", so the wait is timed around the pool's public
``connect()`` (what ``Engine.connect`` calls): from the request to the checkout, including the
opening of a new connection when the pool grows (``connections_opened`` says how often). A
``sqlalchemy.exc.TimeoutError`` raised there is a timeout: the pool stayed exhausted for its
whole ``pool_timeout``.

The monitor is thread-safe (a server's worker threads share one pool) and removes every
listener, and its timing wrapper, when it stops.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from querybench.runner.results import PoolRecord


class PoolMonitor:
    """Watches one engine's pool between :meth:`start` and :meth:`stop`."""

    def __init__(self, engine: Engine) -> None:
        self.pool: Pool = engine.pool
        self._lock = threading.Lock()
        self._listeners = (
            ("connect", self._on_connect),
            ("checkout", self._on_checkout),
            ("checkin", self._on_checkin),
        )
        self.reset()

    def reset(self) -> None:
        """Forget what was counted so far (the connections checked out now stay counted)."""
        with self._lock:
            self.checkouts = 0
            self.connections_opened = 0
            self.wait_seconds = 0.0
            self.max_wait_seconds = 0.0
            self.timeouts = 0
            self.peak_overflow = 0
            self.peak_checked_out = getattr(self, "checked_out", 0)
            self.checked_out = self.peak_checked_out

    def start(self) -> PoolMonitor:
        """Listen to the pool and time its ``connect()``."""
        for name, listener in self._listeners:
            event.listen(self.pool, name, listener)
        original = type(self.pool).connect.__get__(self.pool)

        def timed_connect() -> Any:
            started = time.perf_counter()
            try:
                return original()
            except exc.TimeoutError:
                with self._lock:
                    self.timeouts += 1
                raise
            finally:
                waited = time.perf_counter() - started
                with self._lock:
                    self.wait_seconds += waited
                    self.max_wait_seconds = max(self.max_wait_seconds, waited)

        # An instance attribute shadows the method for Engine.raw_connection's lookup.
        self.pool.connect = timed_connect  # type: ignore[method-assign]
        return self

    def stop(self) -> None:
        """Remove the listeners (in reverse order) and the timing wrapper."""
        self.pool.__dict__.pop("connect", None)
        for name, listener in reversed(self._listeners):
            if event.contains(self.pool, name, listener):
                event.remove(self.pool, name, listener)

    def _on_connect(self, *_: Any) -> None:
        with self._lock:
            self.connections_opened += 1

    def _on_checkout(self, *_: Any) -> None:
        overflow = getattr(self.pool, "overflow", None)
        with self._lock:
            self.checkouts += 1
            self.checked_out += 1
            self.peak_checked_out = max(self.peak_checked_out, self.checked_out)
            if overflow is not None:
                self.peak_overflow = max(self.peak_overflow, int(overflow()))

    def _on_checkin(self, *_: Any) -> None:
        with self._lock:
            self.checked_out = max(0, self.checked_out - 1)

    def record(self) -> PoolRecord:
        """What was counted since the start (or the last reset)."""
        with self._lock:
            return PoolRecord(
                checkouts=self.checkouts,
                connections_opened=self.connections_opened,
                wait_seconds=self.wait_seconds,
                max_wait_seconds=self.max_wait_seconds,
                timeouts=self.timeouts,
                peak_overflow=self.peak_overflow,
                peak_checked_out=self.peak_checked_out,
            )


@contextmanager
def watch_pool(engine: Engine) -> Iterator[PoolMonitor]:
    """Monitor ``engine``'s pool for the block; read ``.record()`` inside or after it."""
    monitor = PoolMonitor(engine).start()
    try:
        yield monitor
    finally:
        monitor.stop()
