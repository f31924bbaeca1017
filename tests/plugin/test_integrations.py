"""The plugin with its neighbours: the entry point, pytest-benchmark, async engines, xdist."""

from __future__ import annotations

import importlib
import importlib.util
import json
import textwrap
from importlib.metadata import entry_points

import pytest

from tests.plugin.test_nplusone import FAILURE, N_PLUS_ONE


def test_installing_querybench_registers_the_plugin() -> None:
    (entry,) = [e for e in entry_points(group="pytest11") if e.name == "querybench"]
    assert entry.value == "querybench.pytest_plugin"


def test_benchmark_extra_info_gets_the_statements_of_one_call(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under `make test` (xdist) the inner run would inherit the worker's name, and
    # pytest-benchmark turns itself off in xdist workers.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    project.makepyfile(
        test_bench="""
        import pytest
        from helpers import load_eager, load_naive

        @pytest.mark.querybench_max_queries(30)
        def test_marked(benchmark, engine):
            benchmark.group = "authors"
            benchmark.pedantic(load_naive, args=(engine,), rounds=3, iterations=1)

        def test_counter(benchmark, engine, query_counter):
            benchmark(load_eager, engine)

        def test_not_recorded(benchmark, engine):
            benchmark.pedantic(load_naive, args=(engine,), rounds=2)

        @pytest.mark.querybench_max_queries(30)
        def test_own_figure_kept(benchmark, engine):
            benchmark.extra_info["queries"] = "mine"
            benchmark.pedantic(load_naive, args=(engine,), rounds=2)
        """
    )
    result = project.runpytest_subprocess(
        "--benchmark-json=bench.json", "--benchmark-max-time=0.05"
    )
    result.assert_outcomes(passed=4)
    report = json.loads((project.path / "bench.json").read_text())
    extra = {bench["name"]: bench["extra_info"] for bench in report["benchmarks"]}
    assert extra == {
        "test_marked": {"queries": 6},
        "test_counter": {"queries": 2},
        "test_not_recorded": {},
        "test_own_figure_kept": {"queries": "mine"},
    }
    groups = {bench["name"]: bench["group"] for bench in report["benchmarks"]}
    assert groups["test_marked"] == "authors"


ASYNC_CONFTEST = """
import asyncio
import inspect

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from helpers import Base, seed


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    # What an async test plugin does: run the coroutine test in an event loop.
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        asyncio.run(pyfuncitem.obj(**{name: pyfuncitem.funcargs[name] for name in names}))
        return True
    return None


@pytest.fixture
def db_url(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
        session.commit()
    engine.dispose()
    return f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
"""

ASYNC_TESTS = """
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import selectinload

from helpers import Author


async def load(engine, eager):
    query = sa.select(Author).order_by(Author.id)
    if eager:
        query = query.options(selectinload(Author.books))
    async with AsyncSession(engine) as session:
        authors = (await session.scalars(query)).all()
        return [(a.name, [b.title for b in await a.awaitable_attrs.books]) for a in authors]


async def load_once(url, eager):
    engine = create_async_engine(url)
    try:
        return await load(engine, eager)
    finally:
        await engine.dispose()


@pytest.mark.querybench_max_queries(2)
async def test_naive_over_budget(db_url):
    await load_once(db_url, eager=False)


@pytest.mark.querybench_max_queries(2)
async def test_eager_within_budget(db_url):
    await load_once(db_url, eager=True)


async def test_naive_n_plus_one(db_url):
    await load_once(db_url, eager=False)


@pytest.mark.querybench_allow_nplusone
async def test_counter_on_an_async_engine(db_url, query_counter):
    engine = create_async_engine(db_url)
    other = create_async_engine(db_url)
    with query_counter(engine) as queries:
        await load(engine, eager=False)
        await load(other, eager=True)
    assert queries.count == 6
    assert query_counter.count == 8
    await engine.dispose()
    await other.dispose()
"""


def test_async_tests_on_an_async_engine_are_recorded(project: pytest.Pytester) -> None:
    if importlib.util.find_spec("greenlet") is None or not hasattr(
        importlib.import_module("sqlalchemy.ext.asyncio"), "AsyncAttrs"
    ):
        pytest.skip("needs greenlet and SQLAlchemy 2.0.13 or later (AsyncAttrs)")
    project.makeconftest(textwrap.dedent(ASYNC_CONFTEST))
    project.makepyfile(test_async=ASYNC_TESTS)
    result = project.runpytest_subprocess("--querybench-nplusone=fail")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "test_async.py::test_naive_over_budget: expected at most 2 statements, got 6.*",
            "Statements:",
            "   1. SELECT authors.id, authors.name FROM authors ORDER BY authors.id  -- query for "
            "Author at test_async.py:*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "test_async.py::test_naive_n_plus_one: 1 N+1 pattern (--querybench-nplusone=fail):",
            "  - lazy load of Author.books for 5 parents (5 statements)*",
            'Fix them, or allow them with @pytest.mark.querybench_allow_nplusone("Author.books", '
            'reason="...").',
            # prove_fix cannot call a coroutine function: the proof says so instead.
            "not proven: an async test is not re-run (prove_fix calls a plain function, with no "
            "event loop)",
        ],
        consecutive=True,
    )


def test_under_xdist_each_worker_applies_the_markers_and_the_option(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_n1=N_PLUS_ONE,
        test_budget="""
        import pytest
        from helpers import load_naive

        @pytest.mark.querybench_max_queries(3)
        def test_over_budget(engine):
            load_naive(engine)
        """,
    )
    result = project.runpytest_subprocess("-n", "2", "--querybench-nplusone=fail")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["created: 2/2 workers"])
    result.stdout.fnmatch_lines(FAILURE)
    result.stdout.fnmatch_lines(
        ["test_budget.py::test_over_budget: expected at most 3 statements, got 6.*"]
    )
