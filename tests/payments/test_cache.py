"""The query cache: exact counters, zero statements on a hit, keys, backends, failure modes."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import URL, Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session, sessionmaker

from querybench.payments.cache import (
    MISS,
    CacheStats,
    CacheUnavailableWarning,
    QueryCache,
    cache_key,
    cached,
    clear_cache,
    default_cache,
    get_stats,
    invalidate,
)
from querybench.payments.cache_backends import CacheBackend, MemoryBackend
from querybench.payments.cache_redis import RedisBackend, mask_url
from querybench.payments.models import Base, Payment, PaymentStatus, PricingPlan, User

if TYPE_CHECKING:
    import redis

UNREACHABLE_REDIS = "redis://:hunter2@127.0.0.1:1/0"  # port 1: nothing listens there


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A raw client, to look at what the backend wrote."""
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def redis_run(redis_client: redis.Redis) -> Iterator[str]:
    """A key namespace of this test alone; every key under it is deleted afterwards."""
    run = f"querybench:test:{os.urandom(6).hex()}"
    yield run
    leftovers = list(redis_client.scan_iter(match=f"{run}:*"))
    if leftovers:
        redis_client.delete(*leftovers)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request: pytest.FixtureRequest) -> Iterator[CacheBackend]:
    """Each backend in turn, empty."""
    if request.param == "memory":
        yield MemoryBackend()
        return
    redis_url: str = request.getfixturevalue("redis_url")
    run: str = request.getfixturevalue("redis_run")
    redis_backend = RedisBackend(redis_url, prefix=f"{run}:cache:")
    yield redis_backend
    redis_backend.close()


# Counting on both backends


def test_hits_and_misses_are_counted_exactly(backend: CacheBackend) -> None:
    cache = QueryCache(backend)
    assert cache.get("plans") is MISS
    cache.set("plans", [{"id": 1, "price": "9.99"}])
    assert cache.get("plans") == [{"id": 1, "price": "9.99"}]
    assert cache.get("plans") == [{"id": 1, "price": "9.99"}]
    assert cache.get_stats() == CacheStats(hits=2, misses=1, evictions=0, errors=0, size=1)


def test_a_cached_none_is_a_hit(backend: CacheBackend) -> None:
    cache = QueryCache(backend)
    cache.set("nothing", None)
    assert cache.get("nothing") is None
    assert cache.get_stats() == CacheStats(hits=1, misses=0, evictions=0, errors=0, size=1)


def test_each_hit_is_a_fresh_copy_that_callers_may_mutate(backend: CacheBackend) -> None:
    cache = QueryCache(backend)
    cache.set("plan", {"names": ["basic"]})
    first = cache.get("plan")
    assert isinstance(first, dict)
    first["names"] = ["tampered"]
    assert cache.get("plan") == {"names": ["basic"]}


@pytest.mark.parametrize("target", [Payment, "payments", Payment.__table__], ids=repr)
def test_invalidate_drops_exactly_the_entries_tagged_with_the_table(
    backend: CacheBackend, target: Any
) -> None:
    cache = QueryCache(backend)
    cache.set("payments", [1], models=Payment)
    cache.set("user payments", [2], models=[User, Payment])
    cache.set("users", [3], models=User)
    cache.set("untagged", [4])
    assert cache.invalidate(target) == 2
    assert cache.get("payments") is MISS
    assert cache.get("user payments") is MISS
    assert cache.get("users") == [3]
    assert cache.get("untagged") == [4]
    assert cache.invalidate(target) == 0
    assert cache.invalidate(PricingPlan) == 0
    assert cache.get_stats() == CacheStats(hits=2, misses=2, evictions=0, errors=0, size=2)


def test_leaving_the_with_block_clears_the_cache_and_keeps_the_counters(
    backend: CacheBackend,
) -> None:
    with QueryCache(backend) as cache:
        cache.set("a", 1)
        cache.set("b", 2, models=Payment)
        assert cache.get("a") == 1
    assert backend.size() == 0
    assert cache.get_stats() == CacheStats(hits=1, misses=0, evictions=0, errors=0, size=0)


NOT_PLAIN = [
    (
        PricingPlan(id=1, name="basic"),
        "value, which is a PricingPlan (an ORM instance: cached past its Session it is"
        " detached and stale, and its lazy loads raise DetachedInstanceError)",
    ),
    (Decimal("9.99"), "value, which is a Decimal (use str(value), which is exact)"),
    ([1, (2, 3)], "value[1], which is a tuple (use a list"),
    ({"by id": {1: "basic"}}, "value['by id'] with the key 1 (int; JSON keys are str)"),
    ({"status": PaymentStatus.COMPLETED}, "value['status'], which is a PaymentStatus enum"),
    ([{"at": datetime(2024, 1, 2)}], "value[0]['at'], which is a datetime"),
]


@pytest.mark.parametrize(("value", "problem"), NOT_PLAIN, ids=lambda item: type(item).__name__)
def test_a_value_that_is_not_plain_data_raises_type_error_and_is_not_stored(
    backend: CacheBackend, value: object, problem: str
) -> None:
    cache = QueryCache(backend)
    with pytest.raises(TypeError, match=re.escape(f"QueryCache.set('k'): cannot cache {problem}")):
        cache.set("k", value)
    assert cache.get("k") is MISS


@pytest.mark.parametrize("ttl", [0, -1.0, float("inf"), float("nan")])
def test_a_ttl_that_is_not_a_positive_number_of_seconds_is_refused(ttl: float) -> None:
    message = re.escape(f"ttl={ttl!r}: expected a positive number of seconds, or None")
    with pytest.raises(ValueError, match=message):
        QueryCache().set("k", 1, ttl=ttl)
    with pytest.raises(ValueError, match=message):
        cached(ttl=ttl)


# The memory backend: expiry and LRU, with a clock moved by hand


def test_an_expired_entry_is_a_miss_and_is_dropped() -> None:
    clock = FakeClock()
    cache = QueryCache(MemoryBackend(clock=clock))
    cache.set("plans", ["basic"], ttl=10)
    clock.now += 9.999
    assert cache.get("plans") == ["basic"]
    clock.now += 0.001
    assert cache.get("plans") is MISS
    assert cache.get_stats() == CacheStats(hits=1, misses=1, evictions=0, errors=0, size=0)


def test_size_counts_live_entries_only() -> None:
    clock = FakeClock()
    cache = QueryCache(MemoryBackend(clock=clock))
    for key in ("a", "b", "c"):
        cache.set(key, key, ttl=10)
    cache.set("forever", 0, ttl=None)
    clock.now += 10
    assert cache.get_stats() == CacheStats(hits=0, misses=0, evictions=0, errors=0, size=1)


def test_invalidate_counts_only_entries_that_had_not_expired() -> None:
    clock = FakeClock()
    cache = QueryCache(MemoryBackend(clock=clock))
    cache.set("short", 1, ttl=5, models=Payment)
    cache.set("long", 2, ttl=50, models=Payment)
    clock.now += 10
    assert cache.invalidate(Payment) == 1
    assert cache.get_stats().size == 0


def test_a_full_cache_evicts_the_least_recently_used_entry() -> None:
    cache = QueryCache(MemoryBackend(max_entries=2))
    cache.set("a", 1)
    cache.set("b", 2)
    assert cache.get("a") == 1  # now "b" is the least recently used
    cache.set("c", 3)
    assert cache.get("b") is MISS
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert cache.get_stats() == CacheStats(hits=3, misses=1, evictions=1, errors=0, size=2)


def test_storing_a_key_again_replaces_its_tags() -> None:
    cache = QueryCache(MemoryBackend())
    cache.set("k", 1, models=User)
    cache.set("k", 2, models=Payment)
    assert cache.invalidate(User) == 0
    assert cache.get("k") == 2
    assert cache.invalidate(Payment) == 1


def test_a_memory_backend_must_hold_at_least_one_entry() -> None:
    with pytest.raises(ValueError, match=r"MemoryBackend\(max_entries=0\): must be at least 1"):
        MemoryBackend(max_entries=0)


# Threads


@pytest.fixture
def busy_thread_switching() -> Iterator[None]:
    """Switch threads every microsecond, so that an unlocked read-modify-write shows."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_in_threads(work: Callable[[int], None], threads: int = 8) -> None:
    """Run work(0..threads-1) at once; a failure in any thread fails the test."""
    barrier = threading.Barrier(threads)

    def start(number: int) -> None:
        barrier.wait()
        work(number)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(start, number) for number in range(threads)]:
            future.result()


@pytest.mark.usefixtures("busy_thread_switching")
def test_counters_stay_exact_under_eight_threads() -> None:
    cache = QueryCache(MemoryBackend(max_entries=10_000))

    def hammer(thread: int) -> None:
        for i in range(500):
            cache.set(f"{thread}:{i}", i, models=Payment)
            assert cache.get(f"{thread}:{i}") == i
            assert cache.get(f"{thread}:absent:{i}") is MISS

    run_in_threads(hammer)
    assert cache.get_stats() == CacheStats(hits=4000, misses=4000, evictions=0, errors=0, size=4000)
    assert cache.invalidate(Payment) == 4000


@pytest.mark.usefixtures("busy_thread_switching")
def test_evictions_stay_exact_and_tags_consistent_under_eight_threads() -> None:
    cache = QueryCache(MemoryBackend(max_entries=100))

    def fill(thread: int) -> None:
        for i in range(500):
            cache.set(f"{thread}:{i}", i, models=User)

    run_in_threads(fill)
    assert cache.get_stats() == CacheStats(hits=0, misses=0, evictions=3900, errors=0, size=100)
    assert cache.invalidate(User) == 100  # no tag outlived its evicted entry


@pytest.mark.usefixtures("busy_thread_switching")
def test_a_cached_function_under_eight_threads_runs_once_per_miss() -> None:
    cache = QueryCache(MemoryBackend())
    runs: list[int] = []

    @cached(cache=cache)
    def square(n: int) -> int:
        runs.append(n)
        return n * n

    def call(_thread: int) -> None:
        for i in range(200):
            assert square(i % 10) == (i % 10) ** 2

    run_in_threads(call)
    stats = cache.get_stats()
    assert stats.hits + stats.misses == 1600
    assert stats.misses == len(runs)  # concurrent misses of one key may each run it
    assert sorted(set(runs)) == list(range(10))
    assert stats.size == 10


# @cached over a real database


@pytest.fixture
def plans_engine(sqlite_url: URL, make_engine: Callable[[URL | str], Engine]) -> Engine:
    """A SQLite database holding the payments tables and three pricing plans."""
    engine = make_engine(sqlite_url)
    Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.add_all(
            PricingPlan(id=i, name=name, price=Decimal(price), currency="EUR", interval="month")
            for i, (name, price) in enumerate(
                [("basic", "9.99"), ("pro", "29.00"), ("team", "99.50")], 1
            )
        )
    return engine


@pytest.fixture
def statements(plans_engine: Engine) -> Iterator[list[str]]:
    """The SQL of every statement plans_engine sends to the database from now on."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    event.listen(plans_engine, "before_cursor_execute", record)
    yield sent
    event.remove(plans_engine, "before_cursor_execute", record)


def test_a_cached_read_costs_no_statement_on_a_hit(
    plans_engine: Engine, statements: list[str]
) -> None:
    cache = QueryCache(MemoryBackend())

    @cached(ttl=600, cache=cache, models=[PricingPlan])
    def get_pricing_plans(session: Session) -> list[dict[str, str | int]]:
        plans = session.scalars(select(PricingPlan).order_by(PricingPlan.id))
        return [{"id": plan.id, "name": plan.name, "price": str(plan.price)} for plan in plans]

    expected = [
        {"id": 1, "name": "basic", "price": "9.99"},
        {"id": 2, "name": "pro", "price": "29.00"},
        {"id": 3, "name": "team", "price": "99.50"},
    ]
    with Session(plans_engine) as session:
        assert get_pricing_plans(session) == expected
    assert len(statements) == 1
    assert statements[0].startswith("SELECT pricing_plans.id")
    with Session(plans_engine) as session:  # another Session: the key ignores it
        assert get_pricing_plans(session) == expected
    assert len(statements) == 1
    assert cache.invalidate(Payment) == 0
    with Session(plans_engine) as session:
        assert get_pricing_plans(session) == expected
    assert len(statements) == 1
    assert cache.invalidate(PricingPlan) == 1  # what a write to pricing_plans does
    with Session(plans_engine) as session:
        assert get_pricing_plans(session) == expected
    assert len(statements) == 2
    assert cache.get_stats() == CacheStats(hits=2, misses=2, evictions=0, errors=0, size=1)


def test_caching_orm_instances_as_the_seed_did_raises_type_error(
    plans_engine: Engine, statements: list[str]
) -> None:
    cache = QueryCache(MemoryBackend())

    @cached(ttl=600, cache=cache)
    def get_pricing_plans(session: Session) -> list[PricingPlan]:
        return list(session.scalars(select(PricingPlan)))

    name = f"{__name__}.test_caching_orm_instances_as_the_seed_did_raises_type_error"
    expected = (
        f"@cached function {name}.<locals>.get_pricing_plans: cannot cache value[0],"
        " which is a PricingPlan (an ORM instance"
    )
    with Session(plans_engine) as session, pytest.raises(TypeError, match=re.escape(expected)):
        get_pricing_plans(session)
    assert len(statements) == 1
    assert cache.get_stats() == CacheStats(hits=0, misses=1, evictions=0, errors=0, size=0)


def test_cached_without_a_cache_uses_the_default_cache_and_its_module_functions() -> None:
    runs: list[int] = []

    @cached(models="pricing_plans")
    def double(n: int) -> int:
        runs.append(n)
        return 2 * n

    clear_cache()
    before = get_stats()
    try:
        assert [double(2), double(2), double(3)] == [4, 4, 6]
        after = get_stats()
        assert (after.hits - before.hits, after.misses - before.misses) == (1, 2)
        assert after.size == 2
        assert default_cache.get_stats() == after
        assert invalidate(PricingPlan) == 2
        assert double(2) == 4
        assert runs == [2, 3, 2]
        clear_cache()
        assert get_stats().size == 0
    finally:
        clear_cache()


# cache_key


def search(session: object, status: str, *, limit: int = 10, offset: int = 0) -> None:
    """A function to key; its body never runs."""


def report(session: object, **filters: object) -> None:
    """A function with **kwargs to key; its body never runs."""


def test_cache_key_leaves_out_sessions_connections_and_engines(
    make_engine: Callable[[URL | str], Engine],
) -> None:
    engine = make_engine("sqlite://")
    with Session(engine) as session, engine.connect() as connection:
        binds = [
            session,
            connection,
            engine,
            AsyncSession(),
            scoped_session(sessionmaker(engine)),
        ]
        keys = {cache_key(search, (bind, "completed"), {"limit": 5}) for bind in binds}
        keys.add(cache_key(search, (), {"session": session, "status": "completed", "limit": 5}))
        keys.add(cache_key(report, (session,), {"extra": engine, "status": "completed"}))
    assert len(keys) == 2  # one for search, one for report


def test_cache_key_ignores_keyword_order_and_how_arguments_are_passed() -> None:
    key = cache_key(search, (None, "completed"), {"limit": 5, "offset": 10})
    assert cache_key(search, (None, "completed"), {"offset": 10, "limit": 5}) == key
    assert cache_key(search, (None,), {"offset": 10, "status": "completed", "limit": 5}) == key
    assert cache_key(report, (None,), {"a": 1, "b": 2}) == cache_key(
        report, (None,), {"b": 2, "a": 1}
    )


def test_cache_key_names_the_function_and_differs_whenever_an_argument_does() -> None:
    values: list[object] = [
        1, 1.0, True, "1", None, Decimal("1"), ["Decimal", "1"], [1], {1}, {"1": 1}, {1: 1},
        PaymentStatus.COMPLETED, "completed", PricingPlan, datetime(2024, 1, 1),
    ]  # fmt: skip
    keys = {cache_key(search, (None, value), {}) for value in values}
    assert len(keys) == len(values)
    assert cache_key(report, (None,), {"status": 1}) != cache_key(search, (None, 1), {})
    assert all(re.fullmatch(rf"{__name__}\.search:[0-9a-f]{{64}}", key) for key in keys)


def test_cache_key_keys_a_mapped_instance_by_its_primary_key() -> None:
    plans = [PricingPlan(id=7, name="a"), PricingPlan(id=7, name="b"), PricingPlan(id=8)]
    for plan in plans:
        make_transient_to_detached(plan)
    keys = [cache_key(search, (None, plan), {}) for plan in plans]
    assert keys[0] == keys[1] != keys[2]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (threading.Lock(), "is a lock, which has no stable key"),
        (
            PricingPlan(name="new"),
            "is a PricingPlan with no primary key yet (transient or pending)",
        ),
    ],
    ids=["lock", "transient"],
)
def test_cache_key_refuses_a_value_without_a_stable_key(value: object, problem: str) -> None:
    expected = f"cache_key: {__name__}.search(status=...) {problem}"
    with pytest.raises(TypeError, match=re.escape(expected)):
        cache_key(search, (None, value), {})


CROSS_PROCESS_CALL = """
import logging, uuid
from datetime import datetime
from decimal import Decimal
from sqlalchemy.orm import make_transient_to_detached
from querybench.payments.models import PaymentStatus, PricingPlan
plan = PricingPlan(id=3, name="team")
make_transient_to_detached(plan)
args = ("%s", 1, 2.5, None, True, Decimal("9.99"), PaymentStatus.COMPLETED,
        datetime(2024, 1, 2, 3, 4, 5), frozenset({"a", "b", "c", "d", "e"}),
        {"z": 1, "a": [1, 2]}, uuid.UUID(int=7), PricingPlan, plan)
kwargs = {"stacklevel": 2, "extra": {"y": "2", "x": "1"}}
"""


def test_cache_key_is_the_same_in_another_process_with_another_hash_seed() -> None:
    namespace: dict[str, Any] = {}
    exec(CROSS_PROCESS_CALL, namespace)
    here = cache_key(logging.info, namespace["args"], namespace["kwargs"])
    code = (
        CROSS_PROCESS_CALL
        + "from querybench.payments.cache import cache_key\n"
        + "print(cache_key(logging.info, args, kwargs))\n"
    )
    for seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.strip() == here


# Redis: the real server


@pytest.mark.redis
def test_redis_entries_expire_in_redis(
    redis_url: str, redis_run: str, redis_client: redis.Redis
) -> None:
    cache = QueryCache(RedisBackend(redis_url, prefix=f"{redis_run}:cache:"))
    cache.set("plans", ["basic"], ttl=300)
    assert 299_000 < redis_client.pttl(f"{redis_run}:cache:entry:plans") <= 300_000
    cache.set("brief", ["basic"], ttl=0.0001, models=Payment)  # rounded up to PX 1
    assert redis_client.pttl(f"{redis_run}:cache:entry:brief") <= 1
    time.sleep(0.02)
    assert cache.invalidate(Payment) == 0  # DEL counts no expired entry
    assert cache.get("brief") is MISS


@pytest.mark.redis
def test_redis_tags_are_sets_of_entry_keys_under_the_prefix(
    redis_url: str, redis_run: str, redis_client: redis.Redis
) -> None:
    prefix = f"{redis_run}:cache:"
    cache = QueryCache(RedisBackend(redis_url, prefix=prefix))
    cache.set("k", 1, models=[Payment, User])
    entry = f"{prefix}entry:k".encode()
    assert redis_client.smembers(f"{prefix}tag:payments") == {entry}
    assert redis_client.smembers(f"{prefix}tag:users") == {entry}
    assert cache.invalidate(Payment) == 1
    assert redis_client.exists(f"{prefix}tag:payments", entry) == 0
    assert sorted(redis_client.scan_iter(match=f"{redis_run}:*")) == [f"{prefix}tag:users".encode()]


@pytest.mark.redis
def test_redis_clear_deletes_only_its_own_prefix_even_one_with_glob_characters(
    redis_url: str, redis_run: str, redis_client: redis.Redis
) -> None:
    # Unescaped, the pattern "<run>:c*che:*" would also match "<run>:cache:...".
    cache = QueryCache(RedisBackend(redis_url, prefix=f"{redis_run}:c*che:"))
    redis_client.set(f"{redis_run}:cache:bystander", "keep")
    redis_client.set(f"{redis_run}:other", "keep")
    for i in range(1200):  # more than one SCAN/DEL batch
        cache.set(f"k{i}", i, models=Payment)
    assert cache.get_stats().size == 1200
    cache.clear()
    assert cache.get_stats().size == 0
    remaining = sorted(key.decode() for key in redis_client.scan_iter(match=f"{redis_run}:*"))
    assert remaining == [f"{redis_run}:cache:bystander", f"{redis_run}:other"]


@pytest.mark.redis
def test_two_redis_caches_on_one_prefix_share_entries(redis_url: str, redis_run: str) -> None:
    writer = QueryCache(RedisBackend(redis_url, prefix=f"{redis_run}:cache:"))
    reader = QueryCache(RedisBackend(redis_url, prefix=f"{redis_run}:cache:"))
    writer.set("plans", {"basic": "9.99"}, models=PricingPlan)
    assert reader.get("plans") == {"basic": "9.99"}
    assert reader.invalidate(PricingPlan) == 1
    assert writer.get("plans") is MISS


# Redis: unreachable


def test_an_unreachable_redis_falls_through_with_one_warning_and_counted_errors() -> None:
    cache = QueryCache(RedisBackend(UNREACHABLE_REDIS))
    runs: list[str] = []

    @cached(ttl=60, cache=cache, models=PricingPlan)
    def plan_names(currency: str) -> list[str]:
        runs.append(currency)
        return [f"basic-{currency}", f"pro-{currency}"]

    def use_it() -> list[list[str]]:
        results = [plan_names("EUR") for _ in range(3)]
        assert cache.invalidate(PricingPlan) == 0
        cache.clear()
        with cache:
            pass
        return results

    with pytest.warns(CacheUnavailableWarning) as warned:
        results = use_it()
    assert results == [["basic-EUR", "pro-EUR"]] * 3
    assert runs == ["EUR"] * 3
    assert len(warned) == 1
    message = str(warned[0].message)
    assert message.startswith(
        "query cache unavailable, calls fall through to the database:"
        " Redis at redis://:***@127.0.0.1:1/0 (prefix 'querybench:cache:'): GET failed:"
        " ConnectionError:"
    )
    assert "hunter2" not in message
    assert warned[0].filename == __file__  # points at the caller of the cached function
    # 3 GETs, 3 SETs, invalidate, clear, and the clear of leaving the with block.
    assert cache.get_stats() == CacheStats(hits=0, misses=3, evictions=0, errors=9, size=0)


def test_each_cache_on_an_unreachable_redis_warns_once() -> None:
    def use_new_caches(count: int) -> None:
        for _ in range(count):
            cache = QueryCache(RedisBackend(UNREACHABLE_REDIS))
            assert cache.get("k") is MISS
            cache.set("k", 1)

    with pytest.warns(CacheUnavailableWarning) as warned:
        use_new_caches(2)
    assert len(warned) == 2


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://app:p%40ss@cache/1", "rediss://app:***@cache/1"),
        ("redis://app@cache/1", "redis://app@cache/1"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        (
            "unix:///run/redis.sock?db=2&password=hunter2",
            "unix:///run/redis.sock?db=2&password=***",
        ),
    ],
)
def test_mask_url_hides_the_password(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_a_redis_backend_refuses_an_empty_prefix_and_a_foreign_url() -> None:
    with pytest.raises(
        ValueError, match=re.escape("RedisBackend(prefix=''): a prefix is required")
    ):
        RedisBackend("redis://127.0.0.1:6379/0", prefix="")
    with pytest.raises(
        ValueError, match=re.escape("RedisBackend: http://:***@cache/0 is not a Redis URL")
    ):
        RedisBackend("http://:hunter2@cache/0")
