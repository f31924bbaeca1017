"""The Redis backend of the query cache, shared by every process that uses its prefix.

It stores what ``MemoryBackend`` in ``cache_backends.py`` stores, under the same
``CacheBackend`` protocol, and raises ``CacheBackendError`` when Redis cannot be reached.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

from querybench.payments.cache_backends import CacheBackendError

if TYPE_CHECKING:
    import redis

__all__ = ["RedisBackend", "mask_url"]


class RedisBackend:
    """Entries in Redis under one key prefix, shared by every process that uses the prefix.

    An entry is ``<prefix>entry:<key>``, written with ``SET ... PX`` so that Redis expires
    it; each table is a set ``<prefix>tag:<table>`` of the entry keys it tags. Tag sets
    carry no expiry: they hold at most one member per distinct key ever cached under the
    table, and invalidating the table or ``clear()`` deletes them. Redis bounds memory
    itself: configure ``maxmemory`` with ``allkeys-lru`` (or ``volatile-lru``) to get LRU
    eviction; the server-wide ``evicted_keys`` cannot be attributed to a prefix, so
    ``evictions()`` is always 0. ``size()`` counts ``<prefix>entry:*`` keys with SCAN:
    exact (Redis skips expired keys) but it walks the keyspace, so call it sparingly.

    Nothing outside the prefix is ever read or written; ``clear()`` is SCAN + DEL of the
    prefix, never FLUSHDB. Operations fail fast (no retries, ``socket_timeout`` seconds
    to connect or answer) with ``CacheBackendError``, whose message hides the password.
    """

    def __init__(
        self, url: str, *, prefix: str = "querybench:cache:", socket_timeout: float = 0.5
    ) -> None:
        # Imported here: redis takes about 0.2 s to import, and most users of the
        # cache (and every user of the pytest plugin) never need it.
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        if not prefix:
            raise ValueError(
                "RedisBackend(prefix=''): a prefix is required, else clear() would"
                " delete every key of the database"
            )
        self.name = f"Redis at {mask_url(url)} (prefix {prefix!r})"
        self._entry_prefix = f"{prefix}entry:"
        self._tag_prefix = f"{prefix}tag:"
        self._prefix_pattern = _glob_escape(prefix) + "*"
        self._entry_pattern = _glob_escape(self._entry_prefix) + "*"
        self._redis_error = redis.RedisError
        try:
            self._client: redis.Redis = redis.Redis.from_url(
                url,
                socket_timeout=socket_timeout,
                socket_connect_timeout=socket_timeout,
                retry=Retry(NoBackoff(), 0),
            )
        except ValueError as error:
            raise ValueError(f"RedisBackend: {mask_url(url)} is not a Redis URL: {error}") from None

    def get(self, key: str) -> str | None:
        """Return the entry's text, or None when Redis holds no such (unexpired) key."""
        try:
            raw = self._client.get(self._entry_prefix + key)
        except self._redis_error as error:
            raise self._failure("GET", error) from error
        return raw.decode() if isinstance(raw, bytes) else raw

    def set(self, key: str, payload: str, *, ttl: float | None, tags: frozenset[str]) -> None:
        """Write the entry and add it to its tag sets in one MULTI/EXEC transaction."""
        entry_key = self._entry_prefix + key
        pipe = self._client.pipeline(transaction=True)
        # Round up: a ttl under a millisecond must still expire, and PX 0 is an error.
        pipe.set(entry_key, payload, px=None if ttl is None else max(1, math.ceil(ttl * 1000)))
        for table in sorted(tags):
            pipe.sadd(self._tag_prefix + table, entry_key)
        try:
            pipe.execute()
        except self._redis_error as error:
            raise self._failure("SET", error) from error

    def invalidate(self, tables: frozenset[str]) -> int:
        """Read and delete the tag sets atomically, then delete the entries they named."""
        tag_keys = [self._tag_prefix + table for table in sorted(tables)]
        if not tag_keys:
            return 0
        pipe = self._client.pipeline(transaction=True)
        for tag_key in tag_keys:
            pipe.smembers(tag_key)
        pipe.delete(*tag_keys)
        try:
            *member_sets, _ = pipe.execute()
            entry_keys: set[bytes] = set().union(*member_sets)
            # DEL counts only keys that still existed: expired entries are not counted.
            return self._client.delete(*entry_keys) if entry_keys else 0
        except self._redis_error as error:
            raise self._failure("invalidate", error) from error

    def clear(self) -> None:
        """Delete every key under the prefix, 500 at a time."""
        try:
            batch: list[bytes] = []
            for key in self._client.scan_iter(match=self._prefix_pattern, count=500):
                batch.append(key)
                if len(batch) == 500:
                    self._client.delete(*batch)
                    batch.clear()
            if batch:
                self._client.delete(*batch)
        except self._redis_error as error:
            raise self._failure("clear", error) from error

    def size(self) -> int:
        """Count the entry keys under the prefix with SCAN."""
        try:
            return sum(1 for _ in self._client.scan_iter(match=self._entry_pattern, count=500))
        except self._redis_error as error:
            raise self._failure("size", error) from error

    def evictions(self) -> int:
        """Return 0: Redis evicts by its maxmemory policy, and not per prefix."""
        return 0

    def close(self) -> None:
        """Close the client's connections; a later command opens new ones."""
        self._client.close()

    def _failure(self, operation: str, error: Exception) -> CacheBackendError:
        return CacheBackendError(
            f"{self.name}: {operation} failed: {type(error).__name__}: {error}"
        )


def mask_url(url: str) -> str:
    """Return url with its password (in the user part or a ``password=`` query) as ``***``."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparseable URL>"
    masked = url  # edited in place: urlunsplit would turn "unix:///path" into "unix:/path"
    if password is not None:
        userinfo, _, hostinfo = parts.netloc.rpartition("@")
        masked = masked.replace(parts.netloc, f"{userinfo.partition(':')[0]}:***@{hostinfo}", 1)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "password" for name, _ in pairs):
        hidden = [(name, "***" if name == "password" else value) for name, value in pairs]
        masked = masked.replace(f"?{parts.query}", f"?{urlencode(hidden, safe='*')}", 1)
    return masked


def _glob_escape(text: str) -> str:
    """Escape the characters SCAN MATCH treats as a pattern, so a prefix matches literally."""
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)
