"""querybench beside the plugins users already have, in an environment of their own.

The peers (pytest-asyncio, anyio's plugin, pytest-xdist, pytest-randomly, pytest-benchmark,
pytest-queryguard 0.4.1, pytest-querycount 0.4.0) would change this suite's own run (random
order, peers' markers), so they live in a second venv, made by ``.ci/run`` (``.venv-peers``,
or ``$QUERYBENCH_PEERS_PYTHON``), and a user's small suite runs there in a subprocess. Without
that venv these tests skip, saying how to make it; under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
PEERS_PYTHON = Path(
    os.environ.get("QUERYBENCH_PEERS_PYTHON") or REPOSITORY / ".venv-peers" / "bin" / "python"
)
MAKE_PEERS = (
    "python3 -m venv .venv-peers && .venv-peers/bin/pip install -e . pytest pytest-asyncio anyio "
    "pytest-xdist pytest-randomly pytest-benchmark pytest-queryguard==0.4.1 "
    "pytest-querycount==0.4.0 aiosqlite greenlet"
)

USER_MODELS = '''
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship(order_by="Book.id")


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("authors.id"))


def make_engine():
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Author(books=[Book()]) for _ in range(5))
        session.commit()
    return engine


def load_naive(engine):
    """1 + 5 statements: one lazy load of Author.books per author."""
    with Session(engine) as session:
        return [len(author.books) for author in session.scalars(sa.select(Author))]
'''

USER_TESTS = """
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from models import load_naive, make_engine


@pytest.fixture
def engine():
    return make_engine()


@pytest.mark.querybench_max_queries(2)
def test_sync_over_budget(engine):
    load_naive(engine)


@pytest.mark.querybench_max_queries(6)
def test_sync_within_budget(engine, query_counter):
    load_naive(engine)
    assert query_counter.count == 6


async def three_selects():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.connect() as connection:
        for _ in range(3):
            await connection.execute(sa.text("SELECT 1"))
    await engine.dispose()


@pytest.mark.asyncio
@pytest.mark.querybench_max_queries(1)
async def test_asyncio_over_budget():
    await three_selects()


@pytest.mark.asyncio
@pytest.mark.querybench_max_queries(3)
async def test_asyncio_within_budget(query_counter):
    await three_selects()
    assert query_counter.count == 3


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
@pytest.mark.querybench_max_queries(2)
async def test_anyio_over_budget():
    await three_selects()


@pytest.mark.querybench_max_queries(6)
def test_benchmark_within_budget(benchmark, engine):
    benchmark.pedantic(load_naive, args=(engine,), rounds=1, iterations=1)
"""

FAILURES = {
    "test_sync_over_budget": "expected at most 2 statements, got 6.",
    "test_asyncio_over_budget": "expected at most 1 statement, got 3.",
    "test_anyio_over_budget": "expected at most 2 statements, got 3.",
}
PASSING = ("test_sync_within_budget", "test_asyncio_within_budget", "test_benchmark_within_budget")


@pytest.fixture
def peers_python() -> Path:
    """The peers' venv's interpreter; skip (fail under CI=true) when it was not made."""
    if not PEERS_PYTHON.is_file():
        message = f"no peer-plugin venv at {PEERS_PYTHON}; .ci/run makes it: {MAKE_PEERS}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return PEERS_PYTHON


def run_user_suite(python: Path, folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """A user's project in ``folder``: models, tests, a strict ini; pytest run with ``options``."""
    (folder / "models.py").write_text(textwrap.dedent(USER_MODELS))
    (folder / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    (folder / "pytest.ini").write_text(
        "[pytest]\naddopts = --strict-markers -p no:cacheprovider -rA\n"
        "asyncio_default_fixture_loop_scope = function\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [str(python), "-m", "pytest", *options],
        cwd=folder,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def assert_querybench_judged(run: subprocess.CompletedProcess[str], *, peer_fails: bool) -> None:
    """Each over-budget test failed and says what it measured; none within budget failed by us.

    ``peer_fails``: a peer fails tests on its own (pytest-queryguard on N+1, by default); then
    the peer's error may be the report's, and querybench's verdict is a section of it.
    """
    lines = run.stdout.splitlines()
    for name, measured in FAILURES.items():
        head = f"test_user.py::{name}: {measured}"
        assert any(line.startswith(head) for line in lines), f"{head!r} not in:\n{run.stdout}"
        assert f"FAILED test_user.py::{name}" in run.stdout
    for name in PASSING:
        assert not any(line.startswith(f"test_user.py::{name}: expected") for line in lines)
        if not peer_fails:
            assert f"PASSED test_user.py::{name}" in run.stdout, run.stdout


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(("-o", "asyncio_mode=strict"), id="asyncio-strict"),
        pytest.param(("-o", "asyncio_mode=auto"), id="asyncio-auto"),
        pytest.param(("-n", "2"), id="xdist"),
        pytest.param(("-p", "no:randomly"), id="no-randomly"),
    ],
)
def test_querybench_markers_with_the_common_plugins(
    peers_python: Path, tmp_path: Path, options: tuple[str, ...]
) -> None:
    # The query plugins are off here: each is on, beside querybench, in the test below.
    run = run_user_suite(
        peers_python, tmp_path, "-p", "no:queryguard", "-p", "no:querycount", *options
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert_querybench_judged(run, peer_fails=False)
    if "no:randomly" not in options and "-n" not in options:
        assert "Using --randomly-seed=" in run.stdout  # the peers were really there


@pytest.mark.parametrize(
    ("peer", "other"), [("queryguard", "querycount"), ("querycount", "queryguard")]
)
def test_querybench_markers_beside_a_query_plugin(
    peers_python: Path, tmp_path: Path, peer: str, other: str
) -> None:
    run = run_user_suite(peers_python, tmp_path, "-p", f"no:{other}")
    assert run.returncode == 1, run.stdout + run.stderr
    plugins = next(line for line in run.stdout.splitlines() if line.startswith("plugins:"))
    assert f"{peer}-" in plugins
    assert f"{other}-" not in plugins
    assert_querybench_judged(run, peer_fails=peer == "queryguard")


def test_a_peer_owns_the_short_name(peers_python: Path, tmp_path: Path) -> None:
    """With pytest-querycount installed, ``max_queries`` is its marker: querybench ignores it."""
    run_user_suite(peers_python, tmp_path)  # writes the project
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from models import load_naive, make_engine

            @pytest.mark.max_queries(2)
            def test_short_name():
                load_naive(make_engine())
            """
        )
    )
    run = subprocess.run(
        [str(peers_python), "-m", "pytest", "-p", "no:queryguard", "-p", "no:randomly"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    # querycount's failure, not ours: querybench's head line names the prefixed marker.
    assert "querybench_max_queries" not in run.stdout
    assert "FAILED test_user.py::test_short_name" in run.stdout
