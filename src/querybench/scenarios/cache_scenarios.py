"""The seed's cache as a scenario: N reads of the pricing plans, uncached against cached.

Each round starts from an empty cache, so a round of N reads is one miss and N - 1 hits: the
statement count goes from N to 1. The ``redis`` variant keeps its entries in the Redis server at
``QUERYBENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``), under a prefix of this process;
when Redis does not answer it warns once and every read falls through to the database.
"""

from __future__ import annotations

import os
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from querybench import Registry, Scenario, Variant
from querybench.payments import serialise
from querybench.payments.cache import PlainData, QueryCache, cached
from querybench.payments.cache_backends import MemoryBackend
from querybench.payments.cache_redis import RedisBackend
from querybench.payments.models import PricingPlan
from querybench.scenarios.inputs import PaymentInputs, limit_of

REDIS_URL_VARIABLE = "QUERYBENCH_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def get_pricing_plans(session: Session) -> PlainData:
    """The plans endpoint: every pricing plan, serialised."""
    plans = session.scalars(sa.select(PricingPlan).order_by(PricingPlan.id))
    return [serialise.pricing_plan(plan) for plan in plans]


def _read_n_times(session: Session, inputs: PaymentInputs, store: QueryCache | None) -> object:
    read = (
        get_pricing_plans
        if store is None
        else cached(cache=store, models=PricingPlan)(get_pricing_plans)
    )
    result: object = None
    for _ in range(inputs.size):
        result = read(session)
    return result


def _uncached(session: Session, inputs: PaymentInputs) -> object:
    return _read_n_times(session, inputs, None)


def _memory(session: Session, inputs: PaymentInputs) -> object:
    with QueryCache(MemoryBackend()) as store:
        return _read_n_times(session, inputs, store)


@cache
def _redis_cache() -> QueryCache:
    """One Redis-backed cache per process (one connection pool, one warning if it is down)."""
    url = os.environ.get(REDIS_URL_VARIABLE) or DEFAULT_REDIS_URL
    return QueryCache(RedisBackend(url, prefix=f"querybench:bench:{os.getpid()}:"))


def _redis(session: Session, inputs: PaymentInputs) -> object:
    store = _redis_cache()
    store.clear()
    return _read_n_times(session, inputs, store)


def add_cache_scenarios(registry: Registry) -> None:
    """Register ``cache.get_pricing_plans``."""
    registry.add(
        Scenario(
            name="cache.get_pricing_plans",
            description="N reads of the pricing plans: uncached vs @cached (memory, Redis)",
            size_meaning="reads of the plans endpoint",
            prepare=limit_of,
            variants={
                "naive": Variant("naive", _uncached, "linear", "no cache"),
                "eager": Variant("eager", _memory, "constant", "@cached, in-memory LRU"),
                "redis": Variant("redis", _redis, "constant", "@cached, Redis backend"),
            },
        )
    )
