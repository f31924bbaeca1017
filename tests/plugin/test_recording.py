"""The plugin's core, in process: the call watch, the counter, the benchmark stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from querybench.plugin_recording import (
    CallChecks,
    CallWatch,
    CountingBenchmark,
    NPlusOneWarning,
    QueryCounter,
    allowed_line,
)
from querybench.recorder.allow import Allowance
from querybench.recorder.taps import active_taps


@pytest.fixture
def engine() -> Iterator[Engine]:
    """An in-memory SQLite engine with one table of five rows."""
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO t (id) VALUES (1), (2), (3), (4), (5)"))
    yield engine
    engine.dispose()


def select_each(engine: Engine) -> None:
    """Five statements of one shape, each with its own parameter: an N+1 loop."""
    with engine.connect() as conn:
        for key in range(1, 6):
            conn.execute(sa.text("SELECT id FROM t WHERE id = :id"), {"id": key})


def test_a_watch_over_budget_fails_with_the_marker_to_accept(engine: Engine) -> None:
    with CallWatch(CallChecks("test_x.py::test_y", max_queries=2)) as watch:
        select_each(engine)
    message = watch.failure()
    assert message.splitlines()[0] == (
        "test_x.py::test_y: expected at most 2 statements, got 5. Remove the extra statements "
        "(fixes below), or accept them with @pytest.mark.querybench_max_queries(5)."
    )
    assert message.splitlines()[1] == "Statements:"
    assert active_taps() == 0


def test_a_watch_within_budget_and_without_n_plus_one_passes_silently(engine: Engine) -> None:
    checks = CallChecks("t", max_queries=5, nplusone="warn")
    with CallWatch(checks) as watch, engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert watch.failure() == ""
    watch.warn()  # no finding: no warning (the suite turns warnings into errors)


def test_warn_mode_warns_and_fail_mode_fails_on_n_plus_one(engine: Engine) -> None:
    with CallWatch(CallChecks("t", location=(__file__, 1), nplusone="warn")) as watch:
        select_each(engine)
    assert watch.failure() == ""
    with pytest.warns(NPlusOneWarning, match=r"^t: 1 N\+1 pattern \(--querybench-nplusone=warn\)"):
        watch.warn()
    with CallWatch(CallChecks("t", nplusone="fail")) as failing:
        select_each(engine)
    assert failing.failure().startswith("t: 1 N+1 pattern (--querybench-nplusone=fail):\n  - ")


def test_marker_allowances_mark_findings_allowed_and_a_stray_one_is_named(engine: Engine) -> None:
    allowing = CallChecks("t", nplusone="fail", allowed=(Allowance("*", "five rows at most"),))
    with CallWatch(allowing) as watch:
        select_each(engine)
    assert watch.failure() == ""
    (finding,) = watch.allowed()
    assert (finding.allowed, finding.allow_reason) == (True, "five rows at most")
    plain = str(finding).removeprefix("[allowed: five rows at most] ")
    assert plain != str(finding)  # the reason moves to the end, it is not shown twice
    assert allowed_line("t", finding) == f"t: {plain} (allowed: five rows at most)"
    stray = CallChecks("t", nplusone="fail", allowed=(Allowance("Nope.x", "no such"),))
    with CallWatch(stray) as failing:
        select_each(engine)
    assert failing.allowed() == ()
    (finding,) = failing.findings()
    assert failing.failure().splitlines()[-2:] == [
        "@pytest.mark.querybench_allow_nplusone('Nope.x') matched none of these findings.",
        "Fix them, or allow them with "
        f'@pytest.mark.querybench_allow_nplusone("{finding.callsite}", reason="...").',
    ]


def test_query_counter_scopes_and_stops_everything_it_started(engine: Engine) -> None:
    counter = QueryCounter()
    with CallWatch(CallChecks("t", counter=counter)) as watch:
        assert watch.counting is counter
        with counter(engine) as scoped:
            select_each(engine)
        left_running = counter(engine)
        select_each(engine)
    assert (scoped.count, left_running.count, counter.count) == (5, 5, 10)
    assert active_taps() > 0  # the scoped recorder left running is the fixture's to stop
    counter.close()
    assert active_taps() == 0


class FakeBenchmark:
    """What the stand-in needs of pytest-benchmark's fixture."""

    def __init__(self) -> None:
        self.extra_info: dict[str, Any] = {}
        self.group: str | None = None

    def __call__(self, function: Any, *args: Any) -> Any:
        return [function(*args) for _ in range(3)][-1]

    def pedantic(self, target: Any, args: tuple[Any, ...] = (), rounds: int = 1) -> Any:
        return [target(*args) for _ in range(rounds)][-1]


def test_the_benchmark_stand_in_counts_the_most_statements_of_one_call(engine: Engine) -> None:
    fake = FakeBenchmark()
    with CallWatch(CallChecks("t", max_queries=100)) as watch:
        assert watch.counting is not None
        benchmark = CountingBenchmark(fake, watch.counting)
        benchmark.group = "loops"
        benchmark(select_each, engine)
        benchmark.pedantic(lambda: None, rounds=2)
    benchmark.record()
    assert fake.extra_info == {"queries": 5}
    assert fake.group == "loops"
    assert benchmark.fixture is fake
    fake.extra_info["queries"] = "mine"
    benchmark.record()
    assert fake.extra_info == {"queries": "mine"}
