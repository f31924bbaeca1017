"""Where the query cache keeps its entries: in this process (an LRU dict) or in Redis.

Both backends store an entry as JSON text with an expiry and the table names that tag
it; encoding, counting hits and misses, and falling through on failure are the job of
``QueryCache`` in ``cache.py``. A backend that cannot reach its store raises
``CacheBackendError`` and nothing else, so the cache has one thing to catch. The Redis
backend lives in ``cache_redis.py``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from querybench.errors import QuerybenchError

__all__ = ["CacheBackend", "CacheBackendError", "MemoryBackend"]


class CacheBackendError(QuerybenchError):
    """A backend could not do an operation: its server is unreachable, timed out or refused."""


class CacheBackend(Protocol):
    """Storage of encoded entries, each with an optional expiry and a set of table tags."""

    @property
    def name(self) -> str:
        """Say which store this is, for messages; never shows a password."""

    def get(self, key: str) -> str | None:
        """Return the entry's text, or None when it is absent or expired (and drop it)."""

    def set(self, key: str, payload: str, *, ttl: float | None, tags: frozenset[str]) -> None:
        """Store payload under key for ttl seconds (None: until dropped), tagged with tags."""

    def invalidate(self, tables: frozenset[str]) -> int:
        """Drop every entry tagged with any of tables; return how many unexpired ones went."""

    def clear(self) -> None:
        """Drop every entry of this backend, and nothing else."""

    def size(self) -> int:
        """Count the unexpired entries held."""

    def evictions(self) -> int:
        """Count the entries this backend dropped to stay within its bound."""

    def close(self) -> None:
        """Release connections; the backend reconnects if it is used again."""


@dataclass(slots=True)
class _Entry:
    payload: str
    expires_at: float | None
    tags: frozenset[str]


class MemoryBackend:
    """An LRU dict in this process, bounded to ``max_entries``, every access under one lock.

    ``clock`` gives the time in seconds (``time.monotonic`` by default; tests pass a fake
    one to expire entries without sleeping). An entry found expired is dropped and read
    as absent. An entry pushed out by a full cache counts as an eviction even if it had
    expired unseen; ``size()`` drops the expired ones first, so it counts live entries.
    """

    def __init__(
        self, max_entries: int = 1024, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"MemoryBackend(max_entries={max_entries!r}): must be at least 1")
        self.name = f"memory backend (at most {max_entries} entries)"
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._keys_by_table: dict[str, set[str]] = {}
        self._evictions = 0

    def get(self, key: str) -> str | None:
        """Return the entry's text and mark it recently used, or None when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._expired(entry, self._clock()):
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry.payload

    def set(self, key: str, payload: str, *, ttl: float | None, tags: frozenset[str]) -> None:
        """Store the entry as the most recently used, evicting the least recent beyond the bound."""
        with self._lock:
            expires_at = None if ttl is None else self._clock() + ttl
            if key in self._entries:
                self._drop(key)  # its old tags must not keep pointing at it
            self._entries[key] = _Entry(payload, expires_at, tags)
            for table in tags:
                self._keys_by_table.setdefault(table, set()).add(key)
            while len(self._entries) > self._max_entries:
                self._drop(next(iter(self._entries)))
                self._evictions += 1

    def invalidate(self, tables: frozenset[str]) -> int:
        """Drop every entry tagged with any of tables; return how many unexpired ones went."""
        with self._lock:
            keys: set[str] = set()
            for table in tables:
                keys |= self._keys_by_table.get(table, set())
            now = self._clock()
            dropped = 0
            for key in keys:
                dropped += not self._expired(self._entries[key], now)
                self._drop(key)
            return dropped

    def clear(self) -> None:
        """Drop every entry (the eviction count stays)."""
        with self._lock:
            self._entries.clear()
            self._keys_by_table.clear()

    def size(self) -> int:
        """Drop the expired entries, then count the rest."""
        with self._lock:
            now = self._clock()
            for key in [key for key, entry in self._entries.items() if self._expired(entry, now)]:
                self._drop(key)
            return len(self._entries)

    def evictions(self) -> int:
        """Count the entries dropped because the cache was full."""
        with self._lock:
            return self._evictions

    def close(self) -> None:
        """Do nothing: there is no connection to release."""

    @staticmethod
    def _expired(entry: _Entry, now: float) -> bool:
        return entry.expires_at is not None and now >= entry.expires_at

    def _drop(self, key: str) -> None:
        """Remove key and its tag memberships; the caller holds the lock."""
        entry = self._entries.pop(key)
        for table in entry.tags:
            keys = self._keys_by_table[table]
            keys.discard(key)
            if not keys:
                del self._keys_by_table[table]
