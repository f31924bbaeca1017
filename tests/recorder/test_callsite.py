"""Call sites: each statement points at the user's line that caused it, on every path."""

from __future__ import annotations

import asyncio
from pathlib import Path

from recorder_models import Author, Base, Post, Tag
from recorder_paths import next_line
from sqlalchemy import event, select, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import Session

from querybench import CallSite, count_queries
from querybench.recorder.callsite import current_callsite

HERE = str(Path(__file__))


def test_core_and_orm_statements_point_at_their_line(sqlite_engine: Engine) -> None:
    expected = []
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        expected.append(next_line())
        session.execute(text("SELECT 1"))
        expected.append(next_line())
        session.scalars(select(Author)).all()
        with sqlite_engine.connect() as connection:
            expected.append(next_line())
            connection.execute(select(Tag.id))
    sites = [s.callsite for s in queries.statements]
    assert [(site.filename, site.lineno) for site in sites if site] == [(HERE, n) for n in expected]
    assert {site.function for site in sites if site} == {
        "test_core_and_orm_statements_point_at_their_line"
    }


def test_a_loop_keeps_its_line_and_two_lines_of_one_function_stay_apart(
    sqlite_engine: Engine,
) -> None:
    with sqlite_engine.connect() as connection, count_queries(sqlite_engine) as queries:
        for i in range(3):
            first = next_line()
            connection.execute(select(Tag.id).where(Tag.id == i))
            second = next_line()
            connection.execute(select(Tag.id).where(Tag.id == i))
    assert [s.callsite.lineno for s in queries.statements if s.callsite] == [first, second] * 3


def test_a_lazy_load_points_at_the_attribute_access(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        post = session.get(Post, 1)
        assert post is not None
        access = next_line()
        assert post.author.name
    assert queries.statements[-1].callsite == CallSite(
        HERE, access, "test_a_lazy_load_points_at_the_attribute_access"
    )


def test_flush_statements_point_at_the_commit(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        session.add(Tag(id=77, name="new"))
        commit = next_line()
        session.commit()
    (insert,) = queries.statements
    assert (insert.origin.kind, insert.callsite) == (
        "flush",
        CallSite(HERE, commit, "test_flush_statements_point_at_the_commit"),
    )


def tag_names(session: Session) -> tuple[list[str], int]:
    """A helper one frame below its caller: its statement's line is its own."""
    line = next_line()
    return list(session.scalars(select(Tag.name))), line


def test_a_helper_after_a_commit_at_the_same_depth_gets_its_own_line(
    sqlite_engine: Engine,
) -> None:
    # The commit's INSERT leaves the caller's frame at the very depth the helper's SELECT puts
    # the caller at: a remembered path must not credit the SELECT to the caller.
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        session.add(Tag(id=78, name="new"))
        commit = next_line()
        session.commit()
        names, select_line = tag_names(session)
    assert "new" in names
    assert [(s.kind, s.callsite) for s in queries.statements] == [
        (
            "insert",
            CallSite(
                HERE, commit, "test_a_helper_after_a_commit_at_the_same_depth_gets_its_own_line"
            ),
        ),
        ("select", CallSite(HERE, select_line, "tag_names")),
    ]


def test_a_query_inside_a_user_listener_points_at_the_listener(sqlite_engine: Engine) -> None:
    inside = 0

    def before_flush(session: Session, context: object, instances: object) -> None:
        nonlocal inside
        inside = next_line()
        session.execute(text("SELECT 'from the listener'"))

    with Session(sqlite_engine) as session:
        event.listen(session, "before_flush", before_flush)
        with count_queries(sqlite_engine) as queries:
            session.add(Tag(id=78, name="new"))
            flush = next_line()
            session.flush()
    listener, insert = queries.statements
    assert listener.callsite == CallSite(
        HERE,
        inside,
        "test_a_query_inside_a_user_listener_points_at_the_listener.<locals>.before_flush",
    )
    assert insert.callsite is not None
    assert (insert.origin.kind, insert.callsite.lineno) == ("flush", flush)


def test_async_statements_point_at_the_await(sqlite_url: URL) -> None:
    expected: list[int] = []

    async def main() -> list[CallSite | None]:
        engine = create_async_engine(sqlite_url.set(drivername="sqlite+aiosqlite"))
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with AsyncSession(engine) as session:
            with count_queries(engine) as queries:
                expected.append(next_line())
                await session.execute(select(Tag))
                expected.append(next_line())
                await session.execute(text("SELECT 1"))
        await engine.dispose()
        return [s.callsite for s in queries.statements]

    sites = asyncio.run(main())
    assert [(site.lineno, site.function) for site in sites if site] == [
        (expected[0], "test_async_statements_point_at_the_await.<locals>.main"),
        (expected[1], "test_async_statements_point_at_the_await.<locals>.main"),
    ]


def test_current_callsite_is_the_callers_line() -> None:
    expected = next_line()
    site = current_callsite()
    assert site == CallSite(HERE, expected, "test_current_callsite_is_the_callers_line")
    assert str(site) == f"tests/recorder/test_callsite.py:{expected}"
