"""The proof line: a test failing for N+1 findings is re-run under ``prove_fix``."""

from __future__ import annotations

import re

import pytest
from emitted_sql import as_emitted
from peer_plugins import ASYNCIO_INI

# Models of its own, and a test function that opens its own Session: what prove_fix needs.
PROOF_TESTS = """
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from querybench.recorder.taps import active_taps

CALLS = {}


class Base(DeclarativeBase):
    pass


class Writer(Base):
    __tablename__ = "writers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    posts: Mapped[list["Post"]] = relationship(back_populates="writer", order_by="Post.id")


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(unique=True)
    writer_id: Mapped[int] = mapped_column(sa.ForeignKey("writers.id"))
    writer: Mapped[Writer] = relationship(back_populates="posts")


@pytest.fixture
def db():
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Writer(name=f"w{i}", posts=[Post(title=f"p{i}")]) for i in range(5))
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def no_listener_left():
    yield  # torn down after the call, its checks and any re-run
    assert active_taps() == 0
    assert not Session().dispatch.do_orm_execute
    assert not sa.inspect(Writer).class_manager.dispatch.load


def titles(engine):
    with Session(engine) as session:
        writers = session.scalars(sa.select(Writer).order_by(Writer.id))
        return [[post.title for post in writer.posts] for writer in writers]


def test_titles_per_writer(db):
    CALLS["titles"] = CALLS.get("titles", 0) + 1
    assert titles(db) == [[f"p{i}"] for i in range(5)]


def test_writer_of_each_post(db):
    with Session(db) as session:
        posts = session.scalars(sa.select(Post).order_by(Post.id))
        assert [post.writer.name for post in posts] == [f"w{i}" for i in range(5)]


def test_one_get_per_key(db):
    with Session(db) as session:
        assert [session.get(Writer, key).name for key in range(1, 6)][0] == "w0"


def test_with_side_effects(db):
    titles(db)
    with Session(db) as session:
        session.add(Post(title="added once", writer_id=1))  # a second call breaks the unique key
        session.commit()


@pytest.mark.querybench_max_queries(3)
def test_over_budget(db):
    titles(db)


@pytest.mark.querybench_allow_nplusone("Writer.posts", reason="passing tests are never re-run")
def test_passing(db):
    CALLS["passing"] = CALLS.get("passing", 0) + 1
    titles(db)


def test_zz_calls():
    # The failing test ran three times (the test, then prove_fix's two calls); the passing once.
    assert CALLS == {"titles": 3, "passing": 1}
"""

SELECTIN = "proof: 1 finding fixed: 6 -> 2 statements, T ms -> T ms with selectinload(Writer.posts)"
JOINED = "proof: 1 finding fixed: 6 -> 1 statements, T ms -> T ms with joinedload(Post.writer)"
SESSION_GET = (
    "not proven: the same SELECT ran for 5 parameter sets at test_proof.py:67 (a loop of "
    "session.get or of where(x == i)); no loader option batches that, the code must change: "
    "collect the keys and load them in one IN query: "
    "session.scalars(select(Writer).where(Writer.id.in_(keys))) instead of one session.get or "
    "SELECT per key"
)
SIDE_EFFECTS = (
    "not proven: re-running the test raised IntegrityError: (sqlite3.IntegrityError) UNIQUE "
    "constraint failed: posts.title (a test with side effects? --querybench-prove=off skips this)"
)
ALLOW_HINT = (
    "Fix them, or allow them with "
    '@pytest.mark.querybench_allow_nplusone("Writer.posts", reason="...").'
)


def failure_of(result: pytest.RunResult, test: str) -> list[str]:
    """The failure message of ``test``, line by line, times replaced with ``T``."""
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith(f"test_proof.py::{test}: "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith(("___", "===")))
    return [re.sub(r"\b\d+\.\d ms\b", "T ms", line) for line in lines[start:end]]


def test_n_plus_one_failures_end_with_the_proof_or_why_not(project: pytest.Pytester) -> None:
    project.makepyfile(test_proof=PROOF_TESTS)
    result = project.runpytest_subprocess("--querybench-nplusone=fail")
    result.assert_outcomes(passed=2, failed=5)
    assert failure_of(result, "test_titles_per_writer")[-2:] == [ALLOW_HINT, SELECTIN]
    assert failure_of(result, "test_writer_of_each_post")[-1] == JOINED
    assert failure_of(result, "test_one_get_per_key")[-1] == SESSION_GET
    # The re-run's error ends the message; the N+1 failure it explains is intact above it.
    assert failure_of(result, "test_with_side_effects") == [
        "test_proof.py::test_with_side_effects: 1 N+1 pattern (--querybench-nplusone=fail):",
        as_emitted(
            "  - lazy load of Writer.posts for 5 parents (5 statements) at test_proof.py:51: "
            "SELECT posts.id, posts.title, posts.writer_id FROM posts WHERE ? = posts.writer_id "
            "ORDER BY posts.id; fix: .options(selectinload(Writer.posts)) on the query at "
            "test_proof.py:50"
        ),
        ALLOW_HINT,
        SIDE_EFFECTS,
    ]
    # Over budget with findings: the budget message ends with the proof too.
    budget = failure_of(result, "test_over_budget")
    assert budget[0].startswith("test_proof.py::test_over_budget: expected at most 3 statements")
    assert budget[-2:] == [
        as_emitted(
            "  - lazy load of Writer.posts for 5 parents (5 statements) at test_proof.py:51: "
            "SELECT posts.id, posts.title, posts.writer_id FROM posts WHERE ? = posts.writer_id "
            "ORDER BY posts.id; fix: .options(selectinload(Writer.posts)) on the query at "
            "test_proof.py:50"
        ),
        SELECTIN,
    ]


def test_prove_off_re_runs_nothing_and_adds_no_line(project: pytest.Pytester) -> None:
    project.makepyfile(test_proof=PROOF_TESTS.replace('"titles": 3', '"titles": 1'))
    result = project.runpytest_subprocess("--querybench-nplusone=fail", "--querybench-prove=off")
    result.assert_outcomes(passed=2, failed=5)
    assert failure_of(result, "test_titles_per_writer")[-1] == ALLOW_HINT
    assert failure_of(result, "test_one_get_per_key")[-1].startswith("Fix them, or allow them")
    assert failure_of(result, "test_over_budget")[-1].startswith("  - lazy load of Writer.posts")
    assert not [line for line in result.stdout.lines if line.startswith(("proof:", "not proven"))]


def test_prove_ini_setting_and_a_bad_value(project: pytest.Pytester) -> None:
    project.makepyfile(test_proof=PROOF_TESTS.replace('"titles": 3', '"titles": 1'))
    project.makeini(
        f"""
        [pytest]
        addopts = --strict-markers -p no:cacheprovider
        filterwarnings = error
        {ASYNCIO_INI}
        querybench_nplusone = fail
        querybench_prove = off
        """
    )
    from_ini = project.runpytest_subprocess()
    from_ini.assert_outcomes(passed=2, failed=5)
    assert failure_of(from_ini, "test_titles_per_writer")[-1] == ALLOW_HINT
    project.makeini("[pytest]\nquerybench_prove = maybe\n")
    bad = project.runpytest_subprocess()
    bad.stderr.fnmatch_lines(
        ["ERROR: querybench_prove = 'maybe' in the ini file: expected one of on, off"]
    )
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
