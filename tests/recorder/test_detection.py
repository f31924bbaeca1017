"""N+1 detection: each pattern flagged with its target, call site and fix; look-alikes left be."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from emitted_sql import as_emitted
from recorder_models import Author, Base, Comment, Post, Tag
from recorder_paths import next_line
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, joinedload, selectinload

from querybench import CallSite, Finding, QueryRecorder, count_queries
from querybench.recorder.detection import find_n_plus_one

HERE = str(Path(__file__))


def site(line: int, function: str) -> CallSite:
    """A call site in this file."""
    return CallSite(HERE, line, function)


def test_lazy_collection_for_several_parents_suggests_selectinload(seeded: Engine) -> None:
    with Session(seeded) as session, count_queries(seeded) as queries:
        query = next_line()
        authors = session.scalars(select(Author).order_by(Author.id)).all()
        for author in authors:
            access = next_line()
            assert author.posts
    (finding,) = queries.n_plus_one()
    name = "test_lazy_collection_for_several_parents_suggests_selectinload"
    assert finding == Finding(
        kind="lazy_load",
        target="Author.posts",
        fingerprint=as_emitted(
            "SELECT qb_post.id, qb_post.author_id, qb_post.title FROM qb_post "
            "WHERE ? = qb_post.author_id ORDER BY qb_post.id"
        ),
        count=5,
        distinct=5,
        example_sql=queries.statements[1].sql,
        callsite=site(access, name),
        fix=f".options(selectinload(Author.posts)) on the query at {site(query, name)}",
    )


def test_lazy_many_to_one_suggests_joinedload(seeded: Engine) -> None:
    with Session(seeded) as session, count_queries(seeded) as queries:
        for post in session.scalars(select(Post).order_by(Post.id)):
            assert post.author
    (finding,) = queries.n_plus_one()
    assert (finding.kind, finding.target, finding.count, finding.distinct) == (
        "lazy_load",
        "Post.author",
        5,
        5,
    )
    assert finding.fix.startswith(".options(joinedload(Post.author)) on the query at ")


def test_lazy_many_to_many_suggests_selectinload(seeded: Engine) -> None:
    with Session(seeded) as session, count_queries(seeded) as queries:
        for post in session.scalars(select(Post)):
            assert post.tags
    (finding,) = queries.n_plus_one()
    assert (finding.target, finding.count) == ("Post.tags", 10)
    assert finding.fix.startswith(".options(selectinload(Post.tags))")


def test_nested_lazy_loads_are_two_findings_largest_first(seeded: Engine) -> None:
    with Session(seeded) as session, count_queries(seeded) as queries:
        for author in session.scalars(select(Author)):
            for post in author.posts:
                assert post.comments
    assert [(f.target, f.count) for f in queries.n_plus_one()] == [
        ("Post.comments", 10),
        ("Author.posts", 5),
    ]


def test_a_loop_of_session_get_suggests_one_in_query(seeded: Engine) -> None:
    with Session(seeded) as session, count_queries(seeded) as queries:
        for author_id in range(1, 6):
            line = next_line()
            assert session.get(Author, author_id)
    (finding,) = queries.n_plus_one()
    assert finding.kind == "repeated_select"
    assert finding.target == as_emitted(
        "SELECT qb_author.id, qb_author.name FROM qb_author WHERE qb_author.id = ?"
    )
    assert (finding.count, finding.distinct) == (5, 5)
    assert finding.callsite == site(line, "test_a_loop_of_session_get_suggests_one_in_query")
    assert finding.fix == (
        "collect the keys and load them in one IN query: session.scalars(select(Author)"
        ".where(Author.id.in_(keys))) instead of one session.get or SELECT per key"
    )


def test_a_loop_of_where_equals_suggests_an_in_list(seeded: Engine) -> None:
    with Session(seeded) as session, count_queries(seeded) as queries:
        for i in range(1, 4):
            session.scalars(select(Tag).where(Tag.name == f"tag{i}")).one()
        with seeded.connect() as connection:
            for post_id in range(1, 5):
                comments = Comment.__table__
                connection.execute(select(comments).where(comments.c.post_id == post_id))
    orm_loop, core_loop = sorted(queries.n_plus_one(), key=lambda f: f.count)
    assert orm_loop.fix.startswith(
        "collect the keys and load them in one IN query: "
        "session.scalars(select(Tag).where(Tag.name.in_(keys)))"
    )
    assert core_loop.fix == (
        "collect the values and run one statement with WHERE qb_comment.post_id IN (...)"
    )


def test_deferred_and_expired_columns_reloaded_one_object_at_a_time(seeded: Engine) -> None:
    with Session(seeded) as session, count_queries(seeded) as queries:
        authors = session.scalars(select(Author)).all()
        for author in authors:
            assert author.bio
        session.expire_all()
        for author in authors:
            assert author.name
    expired, deferred = sorted(queries.n_plus_one(), key=lambda f: f.target)
    assert (deferred.kind, deferred.target, deferred.count) == ("column_reload", "Author.bio", 5)
    assert (
        deferred.fix == ".options(undefer(Author.bio)) on the query that loads the Author objects"
    )
    assert expired.target == "Author(id, name, posts)"
    assert expired.fix == (
        "reload them in one query, session.scalars(select(Author).where(Author.id.in_(keys))"
        ".execution_options(populate_existing=True)), or keep them loaded "
        "(Session(expire_on_commit=False))"
    )


def test_row_by_row_writes_in_a_loop(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        for i in range(4):
            session.add(Tag(id=300 + i, name=f"loop{i}"))
            flush = next_line()
            session.flush()
        for i in range(3):
            session.execute(insert(Comment.__table__).values(id=700 + i, post_id=1, body="x"))
        session.rollback()
    flushed, core = sorted(queries.n_plus_one(), key=lambda f: -f.count)
    assert (flushed.kind, flushed.count, flushed.target) == (
        "row_by_row_write",
        4,
        "INSERT INTO qb_tag (id, name) VALUES (?, ?)",
    )
    assert flushed.callsite == site(flush, "test_row_by_row_writes_in_a_loop")
    assert flushed.fix.startswith("add or change all the objects, then flush once")
    assert (core.kind, core.count) == ("row_by_row_write", 3)
    assert (
        core.fix == "pass a list of parameter dicts to one execute() call: one executemany insert"
    )


# -- not N+1 ---------------------------------------------------------------------------------


def recorded(engine: Engine, work: object) -> QueryRecorder:
    """Run ``work(session)`` inside a recorder and return the recorder."""
    with Session(engine) as session, count_queries(engine) as queries:
        work(session)  # type: ignore[operator]
        session.rollback()
    return queries


def test_limit_offset_pagination_is_not_n_plus_one(seeded: Engine) -> None:
    def paginate(session: Session) -> None:
        for page in range(5):
            session.scalars(select(Post).order_by(Post.id).limit(2).offset(page * 2)).all()

    queries = recorded(seeded, paginate)
    assert (queries.count, queries.n_plus_one()) == (5, ())


def test_keyset_walking_is_not_n_plus_one(seeded: Engine) -> None:
    def walk(session: Session) -> None:
        last = 0
        while rows := session.scalars(
            select(Post).where(Post.id > last).order_by(Post.id).limit(3)
        ).all():
            last = rows[-1].id

    queries = recorded(seeded, walk)
    assert (queries.count, queries.n_plus_one()) == (5, ())


def test_selectinload_chunks_are_not_n_plus_one() -> None:
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(Author), [{"id": i, "name": f"a{i}"} for i in range(1, 1201)])
        connection.execute(
            insert(Post), [{"id": i, "author_id": i, "title": "t"} for i in range(1, 1201)]
        )

    def load(session: Session) -> None:
        session.scalars(select(Author).options(selectinload(Author.posts))).all()

    queries = recorded(engine, load)
    engine.dispose()
    # SQLAlchemy's own batches of 500 keys: 1200 authors take 3 IN statements
    assert [s.origin.kind for s in queries.statements] == ["query", *["eager_load"] * 3]
    assert queries.n_plus_one() == ()


def test_many_to_one_answered_by_the_identity_map_is_not_n_plus_one(seeded: Engine) -> None:
    def own_posts(session: Session) -> None:
        author = session.get(Author, 1)
        assert author is not None
        for post in author.posts:
            assert post.author is author  # no statement: the identity map has it

    queries = recorded(seeded, own_posts)
    assert (queries.count, queries.n_plus_one()) == (2, ())


def test_eager_paths_and_a_single_row_are_clean(seeded: Engine) -> None:
    def eager(session: Session) -> None:
        options = selectinload(Author.posts).selectinload(Post.comments)
        for author in session.scalars(select(Author).options(options)):
            for post in author.posts:
                assert post.comments
        for post in session.scalars(select(Post).options(joinedload(Post.author))):
            assert post.author
        assert session.get(Tag, 1)

    queries = recorded(seeded, eager)
    assert (queries.count, queries.n_plus_one()) == (5, ())


def test_two_of_a_kind_is_an_n_plus_one_at_the_default_threshold(seeded: Engine) -> None:
    def pair(session: Session) -> None:
        for author_id in (1, 2):
            assert session.get(Author, author_id)

    queries = recorded(seeded, pair)
    assert [f.count for f in queries.n_plus_one()] == [2]
    assert queries.n_plus_one(min_repeats=3) == ()
    with pytest.raises(ValueError, match="min_repeats must be 2 or more, got 1"):
        find_n_plus_one(queries.statements, min_repeats=1)


def test_exact_duplicates_are_reported_apart_not_as_n_plus_one(seeded: Engine) -> None:
    with seeded.connect() as connection, count_queries(seeded) as queries:
        for _ in range(3):
            line = next_line()
            connection.execute(text("SELECT name FROM qb_tag WHERE id = :id"), {"id": 1})
        connection.execute(text("SELECT name FROM qb_tag WHERE id = :id"), {"id": 2})
    assert queries.n_plus_one() == ()
    (duplicate,) = queries.duplicates()
    assert (duplicate.count, duplicate.callsites) == (
        3,
        (site(line, "test_exact_duplicates_are_reported_apart_not_as_n_plus_one"),),
    )
    assert duplicate.fingerprint == "SELECT name FROM qb_tag WHERE id = ?"
    assert str(duplicate).startswith(
        f"3x the same statement and parameters at tests/recorder/test_detection.py:{line}: "
    )


def test_finding_string_is_one_line_with_the_fix(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        query = next_line()
        for author in session.scalars(select(Author)):
            line = next_line()
            assert author.posts
    (finding,) = queries.n_plus_one()
    assert str(finding) == as_emitted(
        "lazy load of Author.posts for 5 parents (5 statements) at "
        f"tests/recorder/test_detection.py:{line}: SELECT qb_post.id, qb_post.author_id, "
        "qb_post.title FROM qb_post WHERE ? = qb_post.author_id ORDER BY qb_post.id; fix: "
        f".options(selectinload(Author.posts)) on the query at "
        f"tests/recorder/test_detection.py:{query}"
    )
