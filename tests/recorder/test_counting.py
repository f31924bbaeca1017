"""count_queries: exact counts against the databases' own view, on every bind and backend."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
import tracemalloc
from typing import Any

import pytest
import sqlalchemy as sa
from recorder_models import Author, Base, Post, Tag
from recorder_oracles import PostgresLog, SqliteTrace
from recorder_paths import EXPECTED, PATHS
from sqlalchemy import event, select, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from querybench import QueryRecorder, count_queries
from querybench.recorder.fingerprint import statement_kind
from querybench.recorder.taps import active_taps


def _kinds_per_execution(recorder: QueryRecorder) -> list[str]:
    """One kind per parameter set: what the database sees when it runs an executemany."""
    return [s.kind for s in recorder.statements for _ in range(s.batch_size)]


@pytest.mark.parametrize("name", sorted(PATHS))
def test_count_matches_sqlite_trace_callback(
    traced_sqlite: tuple[Engine, SqliteTrace], name: str
) -> None:
    engine, trace = traced_sqlite
    with Session(engine) as session:
        with count_queries(engine) as queries:
            PATHS[name](session)
        session.rollback()
    traced = trace.statements()
    assert queries.count == EXPECTED[name]
    # sqlite3 traces each parameter set of an executemany, so compare per execution, in order
    assert _kinds_per_execution(queries) == [statement_kind(sql) for sql in traced]


@pytest.mark.parametrize("name", sorted(PATHS))
def test_count_is_exact_on_every_backend(seeded: Engine, name: str) -> None:
    with Session(seeded) as session:
        with count_queries(seeded) as queries:
            PATHS[name](session)
        session.rollback()
    assert queries.count == EXPECTED[name]


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(PATHS))
def test_count_matches_postgres_statement_log(
    logged_postgres: Engine, postgres_log: PostgresLog, name: str
) -> None:
    with logged_postgres.connect() as connection:
        pid = connection.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
        postgres_log.mark()
        with Session(bind=connection) as session, count_queries(connection) as queries:
            PATHS[name](session)
            # read before the ROLLBACK: psycopg follows it with a DEALLOCATE ALL of its own
            logged = postgres_log.statements(pid)
        connection.rollback()
    assert queries.count == EXPECTED[name]
    assert _kinds_per_execution(queries) == [statement_kind(sql) for sql in logged]


def test_nested_recorders_each_see_their_own_block(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as outer:
        session.execute(text("SELECT 1"))
        with count_queries(sqlite_engine) as inner:
            session.execute(text("SELECT 2"))
            session.execute(text("SELECT 3"))
        session.execute(text("SELECT 4"))
    assert [s.sql for s in inner.statements] == ["SELECT 2", "SELECT 3"]
    assert [s.sql for s in outer.statements] == ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4"]


def test_listeners_are_removed_when_the_block_raises(sqlite_engine: Engine) -> None:
    queries = count_queries(sqlite_engine)

    def fail_inside_the_block() -> None:
        with queries:
            listeners.extend(queries.attached_listeners())
            assert all(event.contains(target, name, fn) for target, name, fn in listeners)
            raise ZeroDivisionError

    listeners: list[tuple[Any, str, Any]] = []
    with pytest.raises(ZeroDivisionError):
        fail_inside_the_block()
    assert len(listeners) == 6  # on the engine and its dialect; no ORM event
    assert not any(event.contains(target, name, fn) for target, name, fn in listeners)
    assert queries.attached_listeners() == ()
    assert active_taps() == 0


def test_a_recorder_records_one_block_only(sqlite_engine: Engine) -> None:
    queries = count_queries(sqlite_engine)
    with queries, sqlite_engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    with pytest.raises(RuntimeError, match="records one block"):
        queries.start()


def test_unknown_bind_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(TypeError, match="not str"):
        count_queries("sqlite://").start()  # type: ignore[arg-type]


def test_connection_bind_sees_only_that_connection(sqlite_engine: Engine) -> None:
    with (
        sqlite_engine.connect() as watched,
        sqlite_engine.connect() as other,
        count_queries(watched) as queries,
    ):
        watched.execute(text("SELECT 1"))
        other.execute(text("SELECT 2"))
        watched.execute(text("SELECT 3"))
    assert [s.sql for s in queries.statements] == ["SELECT 1", "SELECT 3"]


def test_session_bind_sees_only_that_session_across_commits(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as watched, Session(sqlite_engine) as other:
        watched.execute(text("SELECT 0"))  # its connection begins before the recorder starts
        with count_queries(watched) as queries:
            watched.execute(text("SELECT 1"))
            other.execute(text("SELECT 2"))
            watched.commit()
            watched.execute(text("SELECT 3"))  # a new connection, begun inside the block
    assert [s.sql for s in queries.statements] == ["SELECT 1", "SELECT 3"]
    assert [t.action for t in queries.transactions] == ["commit", "begin"]


def test_scoped_session_bind_is_the_current_session(sqlite_engine: Engine) -> None:
    registry = scoped_session(sessionmaker(sqlite_engine))
    with count_queries(registry) as queries:
        registry.execute(text("SELECT 1"))
        with Session(sqlite_engine) as other:
            other.execute(text("SELECT 2"))
    registry.remove()
    assert [s.sql for s in queries.statements] == ["SELECT 1"]


def test_no_bind_sees_every_engine(sqlite_engine: Engine) -> None:
    other = sa.create_engine("sqlite://")
    with count_queries() as queries:
        with sqlite_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        with other.connect() as connection:
            connection.execute(text("SELECT 2"))
    other.dispose()
    assert [s.sql for s in queries.statements] == ["SELECT 1", "SELECT 2"]


def test_transaction_control_is_reported_apart_and_counted_only_when_asked(
    sqlite_engine: Engine,
) -> None:
    def work(session: Session) -> None:
        session.execute(text("SELECT 1"))
        with session.begin_nested():
            session.execute(text("SELECT 2"))
        session.commit()

    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        work(session)
    assert queries.count == 2
    assert [(t.action, t.sql) for t in queries.transactions] == [
        ("begin", None),
        ("savepoint", "SAVEPOINT sa_savepoint_1"),
        ("release_savepoint", "RELEASE SAVEPOINT sa_savepoint_1"),
        ("commit", None),
    ]
    with (
        Session(sqlite_engine) as session,
        count_queries(sqlite_engine, include_transaction_control=True) as counted,
    ):
        work(session)
    assert counted.count == 4
    assert [s.kind for s in counted.statements] == [
        "select",
        "transaction",
        "select",
        "transaction",
    ]


def test_statement_fields_come_from_the_cursor(sqlite_engine: Engine) -> None:
    with (
        sqlite_engine.begin() as connection,
        count_queries(sqlite_engine, count_rows=True) as queries,
    ):
        assert len(connection.execute(select(Tag.id).where(Tag.id >= 2)).all()) == 2
        connection.execute(sa.update(Tag.__table__).values(name="x"))
        connection.execute(
            sa.insert(Tag.__table__), [{"id": 50, "name": "a"}, {"id": 51, "name": "b"}]
        )
    select_, update_, insert_ = queries.statements
    assert (select_.params, select_.rows, select_.batch_size, select_.executemany) == (
        (2,),
        2,  # sqlite3 reports no rows for a SELECT: the recorder counted them as they came
        1,
        False,
    )
    assert (update_.kind, update_.rows) == ("update", 3)
    assert (insert_.kind, insert_.batch_size, insert_.executemany, insert_.rows) == (
        "insert",
        2,
        True,
        2,
    )
    assert insert_.params == [(50, "a"), (51, "b")]
    assert all(s.duration_ns > 0 and s.duration == s.duration_ns / 1e9 for s in queries.statements)
    assert select_.started_ns < update_.started_ns < insert_.started_ns


@pytest.mark.parametrize("fetched", [1, 2, 3])
def test_sqlite_select_rows_are_the_rows_fetched(sqlite_engine: Engine, fetched: int) -> None:
    with (
        sqlite_engine.connect() as connection,
        count_queries(sqlite_engine, count_rows=True) as queries,
    ):
        result = connection.execute(select(Tag.id).order_by(Tag.id))
        assert len(result.fetchmany(fetched)) == fetched
        result.close()
    assert queries.statements[0].rows == fetched


def test_an_unread_sqlite_select_has_fetched_no_rows(sqlite_engine: Engine) -> None:
    with (
        sqlite_engine.connect() as connection,
        count_queries(sqlite_engine, count_rows=True) as queries,
    ):
        connection.execute(select(Tag.id)).close()
    assert queries.statements[0].rows == 0


def test_sqlite_select_rows_are_counted_only_on_request(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        with count_queries(sqlite_engine) as plain:
            assert len(connection.execute(select(Tag.id)).all()) == 3
        with count_queries(sqlite_engine) as outer, count_queries(sqlite_engine, count_rows=True):
            assert len(connection.execute(select(Tag.id)).all()) == 3
    assert plain.statements[0].rows is None  # sqlite3 does not say
    assert outer.statements[0].rows == 3  # the tap is shared: a nested recorder asked


@pytest.mark.parametrize("rows_factory", [None, "tuple-of-strings"])
def test_a_row_factory_already_on_the_connection_still_runs(
    sqlite_url: URL, rows_factory: str | None
) -> None:
    engine = sa.create_engine(sqlite_url)

    @event.listens_for(engine, "connect")
    def use_factory(dbapi_connection: Any, record: Any) -> None:
        if rows_factory:
            dbapi_connection.row_factory = lambda cursor, row: tuple(str(v) for v in row)

    with engine.connect() as connection, count_queries(engine, count_rows=True) as queries:
        rows = connection.exec_driver_sql("SELECT 1 UNION SELECT 2").all()
    engine.dispose()
    assert [tuple(row) for row in rows] == ([("1",), ("2",)] if rows_factory else [(1,), (2,)])
    assert queries.statements[0].rows == 2


def test_a_failing_statement_is_recorded_with_its_error(sqlite_engine: Engine) -> None:
    with (
        pytest.raises(sa.exc.IntegrityError),
        sqlite_engine.begin() as connection,
        count_queries(sqlite_engine) as queries,
    ):
        connection.execute(sa.insert(Tag.__table__).values(id=1, name="duplicate"))
    (failed,) = queries.statements
    assert (failed.kind, failed.error, failed.rows) == ("insert", "IntegrityError", None)


def test_statements_past_the_cap_are_counted_and_fingerprinted_not_stored(
    sqlite_engine: Engine,
) -> None:
    with sqlite_engine.connect() as connection, count_queries(sqlite_engine, max_stored=10) as q:
        for i in range(25):
            connection.execute(select(Tag.name).where(Tag.id == i))
        for _ in range(5):
            connection.execute(text("SELECT 1"))
    assert (q.count, len(q.statements), q.dropped) == (30, 10, 20)
    assert q.fingerprint_counts() == {
        "SELECT qb_tag.name FROM qb_tag WHERE qb_tag.id = ?": 25,
        "SELECT ?": 5,
    }


def test_local_recorders_in_eight_threads_each_count_exactly(sqlite_engine: Engine) -> None:
    threads = 8
    barrier = threading.Barrier(threads)
    counts: dict[int, int] = {}
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with sqlite_engine.connect() as connection:
                barrier.wait()
                with count_queries(sqlite_engine, local=True) as queries:
                    barrier.wait()  # every thread records at once
                    for i in range(index * 5 + 1):
                        connection.execute(select(Tag.name).where(Tag.id == i))
                    barrier.wait()
                counts[index] = queries.count
        except BaseException as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)
            barrier.abort()

    with count_queries(sqlite_engine) as everything:
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert errors == []
    assert counts == {i: i * 5 + 1 for i in range(threads)}
    assert everything.count == sum(i * 5 + 1 for i in range(threads))


def test_local_recorders_in_concurrent_asyncio_tasks_each_count_exactly(
    sqlite_url: URL,
) -> None:
    async def task(engine: Any, n: int) -> int:
        async with AsyncSession(engine) as session:
            with count_queries(engine, local=True) as queries:
                for i in range(n):
                    await session.execute(select(Tag).where(Tag.id == i))
                    await asyncio.sleep(0)  # let the other tasks run in between
        return queries.count

    async def main() -> list[int]:
        engine = create_async_engine(sqlite_url.set(drivername="sqlite+aiosqlite"))
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        counts = await asyncio.gather(*(task(engine, n) for n in (3, 5, 7)))
        await engine.dispose()
        return counts

    assert asyncio.run(main()) == [3, 5, 7]


def _async_url(url: URL) -> URL:
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
    return url.set(drivername=driver[url.get_backend_name()])


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def async_url(request: pytest.FixtureRequest) -> URL:
    """The seeded tables on each backend with an async driver: aiosqlite, psycopg (async)."""
    engine: Engine = request.getfixturevalue(f"seeded_{request.param}")
    return _async_url(engine.url)


@pytest.mark.parametrize("bind_kind", ["engine", "session", "connection"])
def test_async_paths_are_recorded_and_tagged(async_url: URL, bind_kind: str) -> None:
    async def main() -> QueryRecorder:
        engine = create_async_engine(async_url)
        async with AsyncSession(engine) as session:
            await session.connection()
            binds = {
                "engine": engine,
                "session": session,
                "connection": await session.connection(),
            }
            with count_queries(binds[bind_kind]) as queries:
                authors = (await session.scalars(select(Author).order_by(Author.id))).all()
                for author in authors:
                    await session.run_sync(lambda _, a=author: a.posts)  # lazy, in the greenlet
                await session.commit()
        await engine.dispose()
        return queries

    queries = asyncio.run(main())
    assert queries.count == 6
    assert [str(s.origin) for s in queries.statements] == [
        "query for Author",
        *(f"lazy load of Author.posts for Author({i})" for i in range(1, 6)),
    ]
    assert queries.statements[0].callsite is not None
    assert queries.statements[0].callsite.function.endswith("main")
    assert queries.n_plus_one()[0].target == "Author.posts"


def test_many_enter_exit_cycles_leave_no_listener_and_no_memory(sqlite_engine: Engine) -> None:
    def cycle(connection: sa.Connection, number: int) -> None:
        with count_queries(sqlite_engine) as queries:
            if number in (0, 9_999):
                listeners.extend(queries.attached_listeners())
            if number % 100 == 0:
                connection.execute(select(Post.id).where(Post.id == 1))

    listeners: list[tuple[Any, str, Any]] = []
    with sqlite_engine.connect() as connection:
        for number in range(8_000):
            cycle(connection, number)
            if number == 999:  # caches and free lists are warm by now
                gc.collect()
                blocks = sys.getallocatedblocks()
        gc.collect()
        blocks_grown = sys.getallocatedblocks() - blocks
        # tracemalloc slows every allocation down: it watches the last 2,000 cycles only
        tracemalloc.start()
        try:
            for number in range(8_000, 10_000):
                cycle(connection, number)
                if number == 8_099:
                    gc.collect()
                    baseline, _ = tracemalloc.get_traced_memory()
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - baseline
        finally:
            tracemalloc.stop()
    assert len(listeners) == 12  # 6 listeners, at the first and the last cycle
    assert not any(event.contains(target, name, fn) for target, name, fn in listeners)
    assert active_taps() == 0
    assert blocks_grown < 100, f"{blocks_grown} memory blocks more after 7,000 blocks"
    assert grown < 8 * 1024, f"{grown} bytes retained over 1,900 blocks"


def _cycles_left(block: Any) -> int:
    """Objects that only the garbage collector frees after ``block()`` ran with it switched off:
    a reference cycle keeps each statement's context and cursor alive until it runs."""
    gc.collect()
    gc.disable()
    try:
        block()
        return gc.collect()
    finally:
        gc.enable()


def test_recording_makes_no_reference_cycles(sqlite_engine: Engine) -> None:
    def statements() -> None:
        with Session(sqlite_engine) as session:
            for i in range(5):
                session.execute(select(Tag).where(Tag.id == i)).all()

    def recorded() -> None:
        with count_queries(sqlite_engine) as queries:
            statements()
        assert queries.count == 5

    plain = _cycles_left(statements)
    assert _cycles_left(recorded) == plain


def test_recording_under_asyncio_makes_no_reference_cycles(sqlite_engine: Engine) -> None:
    # Under asyncio no call-site path is remembered, so the cursor event has nothing to check
    # first: it once looked at its own frame then, a cycle per statement.
    engine = create_async_engine(sqlite_engine.url.set(drivername="sqlite+aiosqlite"))

    async def statements(record: bool) -> None:
        async with AsyncSession(engine) as session:
            await session.connection()
            with count_queries(engine) if record else contextlib.nullcontext() as queries:
                for i in range(5):
                    await session.execute(select(Tag).where(Tag.id == i))
            assert queries is None or queries.count == 5

    async def main() -> tuple[int, int]:
        await statements(True)  # the first run builds SQLAlchemy's caches
        plain = await _async_cycles_left(lambda: statements(False))
        recorded = await _async_cycles_left(lambda: statements(True))
        await engine.dispose()
        return plain, recorded

    plain, recorded = asyncio.run(main())
    assert recorded == plain


async def _async_cycles_left(block: Any) -> int:
    gc.collect()
    gc.disable()
    try:
        await block()
        return gc.collect()
    finally:
        gc.enable()


def test_a_stored_statement_costs_under_a_kilobyte(sqlite_engine: Engine) -> None:
    n = 2_000
    with sqlite_engine.connect() as connection:
        connection.execute(select(Tag.name).where(Tag.id == -1))  # compile and cache first
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            with count_queries(sqlite_engine) as queries:
                for i in range(n):
                    connection.execute(select(Tag.name).where(Tag.id == i))
            statements = queries.statements  # the records, built on first read
            after, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(statements) == n
    assert len({id(s.sql) for s in statements}) == 1  # one shared SQL text
    assert (after - before) / n < 1024
