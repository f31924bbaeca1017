"""The pytest plugin, registered by the ``pytest11`` entry point when querybench is installed.

- fixture ``query_counter``: the statements of the test function (``query_counter(bind)``
  for one Engine, Connection or Session);
- marker ``@pytest.mark.max_queries(n)``: the test fails when its function emits more than
  ``n`` statements, and the message numbers them, with call sites and N+1 findings;
- option ``--querybench-nplusone={off,warn,fail}`` (ini ``querybench_nplusone``), ``off`` by
  default: N+1 patterns in any test warn or fail it; ``@pytest.mark.allow_nplusone(reason)``
  exempts one test;
- with pytest-benchmark, a recorded test's benchmark gets ``extra_info["queries"]``.

Installing querybench changes no suite by itself: with the option off and neither marker nor
fixture in a test, the plugin records nothing, attaches no listener and does not even import
SQLAlchemy. Only the test function's call is recorded, never fixture setup or teardown.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pytest

from querybench.plugin_fixtures import query_counter

if TYPE_CHECKING:
    from querybench.plugin_recording import NPlusOneMode

__all__ = ["query_counter"]

NPLUSONE_MODES = ("off", "warn", "fail")
MARKERS = (
    "max_queries(n): fail the test when its function emits more than n SQL statements (querybench)",
    "allow_nplusone(reason=None): exempt the test from --querybench-nplusone (querybench)",
)


@dataclass(frozen=True)
class Settings:
    """The plugin's configuration for the whole run."""

    nplusone: NPlusOneMode


@dataclass(frozen=True)
class Marks:
    """What one test's markers ask for, validated."""

    max_queries: int | None
    nplusone: NPlusOneMode


SETTINGS = pytest.StashKey[Settings]()
MARKS = pytest.StashKey[Marks]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--querybench-nplusone`` and its ini twin ``querybench_nplusone``."""
    group = parser.getgroup("querybench", "querybench: SQL statement budgets and N+1 detection")
    group.addoption(
        "--querybench-nplusone",
        dest="querybench_nplusone",
        choices=NPLUSONE_MODES,
        default=None,
        help="What an N+1 pattern in a test does: off (default), warn or fail. "
        "Overrides the querybench_nplusone ini setting.",
    )
    parser.addini(
        "querybench_nplusone",
        "What an N+1 pattern in a test does: off (default), warn or fail.",
        default="off",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers and read the N+1 mode (a bad ini value is a usage error)."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    option: str | None = config.getoption("querybench_nplusone")
    mode = option or str(config.getini("querybench_nplusone")).strip()
    if mode not in NPLUSONE_MODES:
        raise pytest.UsageError(
            f"querybench_nplusone = {mode!r} in the ini file: expected one of off, warn, fail"
        )
    config.stash[SETTINGS] = Settings(nplusone=cast("NPlusOneMode", mode))


def _arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    return ", ".join([*map(repr, args), *(f"{key}={value!r}" for key, value in kwargs.items())])


def _max_queries(item: pytest.Item) -> int | None:
    marker = item.get_closest_marker("max_queries")
    if marker is None:
        return None
    args, kwargs = marker.args, marker.kwargs
    if kwargs.keys() == {"n"} and not args:
        args, kwargs = (kwargs["n"],), {}
    if len(args) == 1 and not kwargs:
        (limit,) = args
        if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0:
            return limit
    raise ValueError(
        f"@pytest.mark.max_queries takes one whole number of 0 or more (the most statements "
        f"the test may emit), got max_queries({_arguments(args, kwargs)})"
    )


def _allows_nplusone(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("allow_nplusone")
    if marker is None:
        return False
    args, kwargs = marker.args, marker.kwargs
    reasons = [*args, *kwargs.values()]
    if set(kwargs) <= {"reason"} and len(reasons) <= 1 and all(isinstance(r, str) for r in reasons):
        return True
    raise ValueError(
        f"@pytest.mark.allow_nplusone takes at most a reason string, "
        f"got allow_nplusone({_arguments(args, kwargs)})"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Validate the test's querybench markers before its fixtures are set up."""
    mode = item.config.stash[SETTINGS].nplusone
    try:
        limit = _max_queries(item)
        allowed = _allows_nplusone(item)
    except ValueError as error:
        pytest.fail(f"{item.nodeid}: {error}", pytrace=False)
    item.stash[MARKS] = Marks(max_queries=limit, nplusone="off" if allowed else mode)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Record the test function's call when a marker, the option or the fixture asks for it."""
    marks = item.stash.get(MARKS, None)
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    counter = funcargs.get("query_counter")
    if marks is None or (marks.max_queries is None and marks.nplusone == "off" and counter is None):
        return (yield)  # nothing asked for: no import, no listener, no change

    from querybench.plugin_recording import CallChecks, CallWatch, CountingBenchmark

    path, line, _ = item.location
    checks = CallChecks(
        name=item.nodeid,
        location=(str(item.path) if path else "", (line or 0) + 1),
        max_queries=marks.max_queries,
        nplusone=marks.nplusone,
        counter=counter,
    )
    benchmark: CountingBenchmark | None = None
    with CallWatch(checks) as watch:
        if "benchmark" in funcargs and watch.counting is not None:
            benchmark = CountingBenchmark(funcargs["benchmark"], watch.counting)
            funcargs["benchmark"] = benchmark
        try:
            result = yield
        finally:
            if benchmark is not None:
                funcargs["benchmark"] = benchmark.fixture
    if benchmark is not None:
        benchmark.record()
    failure = watch.failure()
    if failure:
        pytest.fail(failure, pytrace=False)
    watch.warn()
    return result
