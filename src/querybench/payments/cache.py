"""Query result caching, the seed's ``@cached``/``QueryCache``/``cache_key``, done properly.

The cache holds plain data only, never ORM instances. An instance cached past the
Session that loaded it is detached: its attributes are frozen at load time (stale after
any write), a lazy load raises ``DetachedInstanceError``, and it cannot cross a process
boundary to Redis at all. So a cached function returns the serialised form (dicts,
lists, str, int, float, bool, None; a Decimal as its str) and the cache stores it as JSON
in both backends. Only exactly those types are accepted, because only they come back
unchanged: a tuple would come back a list, a StrEnum a str. Every hit decodes a fresh
copy, so a caller mutating a result cannot corrupt the cache.

Entries are tagged with the tables of the ``models`` they were read from; a write calls
``invalidate(Model)`` to drop them. A backend failure (Redis down) never raises: the
lookup is a miss, the write is skipped, ``errors`` counts it, and one
``CacheUnavailableWarning`` per cache says so. Not handled: a reader that computed its
value before a write and stores it after the invalidation keeps a stale entry until its
ttl ends; and concurrent misses of one key all call the function (no single flight).
"""

from __future__ import annotations

import enum
import functools
import json
import math
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Final, ParamSpec, Self, TypeAlias, TypeVar, cast

from querybench.payments.cache_backends import CacheBackend, CacheBackendError, MemoryBackend
from querybench.payments.cache_keys import (
    _JSON_SCALARS,
    ModelRef,
    _describe,
    cache_key,
    qualified_name,
    table_names,
)

__all__ = [
    "DEFAULT_TTL",
    "MISS",
    "CacheStats",
    "CacheUnavailableWarning",
    "Miss",
    "ModelRef",
    "PlainData",
    "QueryCache",
    "cache_key",
    "cached",
    "clear_cache",
    "default_cache",
    "get_stats",
    "invalidate",
    "qualified_name",
    "table_names",
]

DEFAULT_TTL: Final = 300.0
"""Seconds an entry lives unless told otherwise: the seed's five minutes."""

PlainData: TypeAlias = bool | int | float | str | list["PlainData"] | dict[str, "PlainData"] | None
"""What the cache stores and returns: JSON data, exactly these types."""

P = ParamSpec("P")
R = TypeVar("R")


class CacheUnavailableWarning(RuntimeWarning):
    """A cache's backend failed; calls fall through to the function until it answers again."""


class Miss(enum.Enum):
    """The type of ``MISS``, which ``QueryCache.get`` returns when it holds no entry."""

    MISS = "MISS"


MISS: Final = Miss.MISS
"""Returned by ``QueryCache.get`` for a missing or expired key (a cached None is a hit)."""


@dataclass(frozen=True, slots=True)
class CacheStats:
    """A snapshot of a cache's counters, taken by ``get_stats()``.

    ``misses`` includes expired entries and lookups the backend failed; ``errors`` counts
    failed backend operations; ``evictions`` entries the bound pushed out; ``size`` the
    live entries now (0 when the backend cannot be reached).
    """

    hits: int
    misses: int
    evictions: int
    errors: int
    size: int


class QueryCache:
    """A cache of plain data over one backend, safe to share between threads.

    As a context manager it is scoped to the block: on exit it clears its backend (every
    entry under its namespace, whoever stored it) and closes its connections. The
    counters survive the block, so ``get_stats()`` after it tells what happened inside.
    """

    def __init__(self, backend: CacheBackend | None = None) -> None:
        self.backend: CacheBackend = backend if backend is not None else MemoryBackend()
        self._lock = threading.Lock()
        self._hits = self._misses = self._errors = 0
        self._warned = False

    def __repr__(self) -> str:
        return f"QueryCache({self.backend.name})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.clear()
        self.backend.close()

    def get(self, key: str) -> PlainData | Miss:
        """Return the value stored under key (a fresh copy), or ``MISS``."""
        return self._get(key)

    def set(
        self,
        key: str,
        value: object,
        *,
        ttl: float | None = DEFAULT_TTL,
        models: ModelRef | Iterable[ModelRef] = (),
    ) -> None:
        """Store value under key for ttl seconds (None: no expiry), tagged with models' tables.

        Raises TypeError when value is not plain data (see the module docstring).
        """
        self._store(key, value, ttl, table_names(models), f"QueryCache.set({key!r})")

    def invalidate(self, target: ModelRef) -> int:
        """Drop every entry tagged with target's tables; return how many live entries went."""
        try:
            return self.backend.invalidate(table_names(target))
        except CacheBackendError as error:
            self._failed(error, stacklevel=3)
            return 0

    def clear(self) -> None:
        """Drop every entry of the backend; the counters keep their values."""
        try:
            self.backend.clear()
        except CacheBackendError as error:
            self._failed(error, stacklevel=3)

    def get_stats(self) -> CacheStats:
        """Return the counters and the backend's current size and evictions."""
        try:
            size = self.backend.size()
        except CacheBackendError:
            size = 0  # not counted: reading the stats must not change them
        evictions = self.backend.evictions()
        with self._lock:
            return CacheStats(self._hits, self._misses, evictions, self._errors, size)

    # The private methods warn at stacklevel 4: the user's line, whether it called
    # get() or set() or a function wrapped by @cached.
    def _get(self, key: str) -> PlainData | Miss:
        try:
            payload = self.backend.get(key)
        except CacheBackendError as error:
            self._failed(error)
            payload = None
        if payload is None:
            self._count(misses=1)
            return MISS
        self._count(hits=1)
        return cast(PlainData, json.loads(payload))

    def _store(
        self, key: str, value: object, ttl: float | None, tables: frozenset[str], source: str
    ) -> None:
        _check_ttl(ttl)
        problem = _non_plain(value, "value")
        if problem is not None:
            raise TypeError(
                f"{source}: cannot cache {problem}. The cache stores plain JSON data only"
                " (dict with str keys, list, str, int, float, bool, None): return the"
                " serialised form, e.g. a dict of column values, never ORM instances"
            )
        payload = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        try:
            self.backend.set(key, payload, ttl=ttl, tags=tables)
        except CacheBackendError as error:
            self._failed(error)

    def _count(self, *, hits: int = 0, misses: int = 0) -> None:
        with self._lock:
            self._hits += hits
            self._misses += misses

    def _failed(self, error: CacheBackendError, stacklevel: int = 4) -> None:
        with self._lock:
            self._errors += 1
            first, self._warned = not self._warned, True
        if first:
            message = (
                f"query cache unavailable, calls fall through to the database: {error}"
                " (warned once per cache; get_stats().errors counts every failure)"
            )
            warnings.warn(CacheUnavailableWarning(message), stacklevel=stacklevel)


def cached(
    ttl: float | None = DEFAULT_TTL,
    *,
    cache: QueryCache | None = None,
    models: ModelRef | Iterable[ModelRef] = (),
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a function's return value for ttl seconds, keyed by ``cache_key()``.

    ``cache`` defaults to ``default_cache``. ``models`` names the mapped classes, Tables
    or table names whose writes must drop the entry (``cache.invalidate(Model)``). The
    function must return plain data (see the module docstring); anything else raises
    TypeError naming the function, after it ran. An argument ``cache_key()`` cannot key
    raises TypeError before it runs.
    """
    _check_ttl(ttl)
    tables = table_names(models)

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        source = f"@cached function {qualified_name(func)}"

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            store = default_cache if cache is None else cache
            key = cache_key(func, args, kwargs)
            value = store._get(key)
            if value is not MISS:
                return cast(R, value)
            result = func(*args, **kwargs)
            store._store(key, result, ttl, tables, source)
            return result

        return wrapper

    return decorate


default_cache: Final = QueryCache(MemoryBackend())
"""The cache ``@cached`` uses when given none, and that the module functions act on."""


def clear_cache() -> None:
    """Drop every entry of ``default_cache``."""
    default_cache.clear()


def get_stats() -> CacheStats:
    """Return the counters of ``default_cache``."""
    return default_cache.get_stats()


def invalidate(target: ModelRef) -> int:
    """Drop the entries of ``default_cache`` tagged with target's tables; return how many."""
    return default_cache.invalidate(target)


def _check_ttl(ttl: float | None) -> None:
    if ttl is not None and not (ttl > 0 and math.isfinite(ttl)):
        raise ValueError(f"ttl={ttl!r}: expected a positive number of seconds, or None")


def _non_plain(value: object, path: str) -> str | None:
    """Return what in value is not plain data (``value[0] is a PricingPlan ...``), or None."""
    if type(value) in _JSON_SCALARS:
        return None
    if type(value) is list:
        for index, item in enumerate(value):
            if (problem := _non_plain(item, f"{path}[{index}]")) is not None:
                return problem
        return None
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                return f"{path} with the key {key!r} ({type(key).__name__}; JSON keys are str)"
            if (problem := _non_plain(item, f"{path}[{key!r}]")) is not None:
                return problem
        return None
    return f"{path}, which is {_describe(value)}"
