"""The pytest plugin, registered by the ``pytest11`` entry point when querybench is installed.

- fixture ``query_counter``: the statements of the test function (``query_counter(bind)``
  for one Engine, Connection or Session);
- marker ``@pytest.mark.querybench_max_queries(n)``: the test fails when its function emits
  more than ``n`` statements, and the message numbers them, with call sites and N+1 findings;
- option ``--querybench-nplusone={off,warn,fail}`` (ini ``querybench_nplusone``), ``off`` by
  default: N+1 patterns in any test warn or fail it;
  ``@pytest.mark.querybench_allow_nplusone("Payment.user", reason="...")`` allows the findings its
  patterns match (all of the test's without a pattern): they never fail the test and are
  listed, with their reason, in a summary section at the end of the run;
- option ``--querybench-prove={on,off}`` (ini ``querybench_prove``), ``on`` by default: a test
  failing for N+1 findings (or over budget with findings) is re-run under ``prove_fix`` and
  its failure message ends with the proof, or why the fix is not proven;
- option ``--querybench-plans={off,on}`` (ini ``querybench_plans``), ``off`` by default: a test
  failing on querybench's account is re-run once more under ``prove_plan_fix``; its message
  then ends with the plan findings of its statements and the advised indexes (measured only in
  a database querybench built; elsewhere nothing is created: :mod:`querybench.plans.fix`);
- with pytest-benchmark, a recorded test's benchmark gets ``extra_info["queries"]``;
- ``--querybench-baseline=FILE`` (known findings pass, new ones fail, fixed ones are listed:
  :mod:`querybench.plugin_baseline`), ``--querybench-budgets=FILE`` (budgets per test, written
  and lowered on request: :mod:`querybench.plugin_ratchet`), ``--querybench-sarif=FILE``
  (:mod:`querybench.plugin_sarif`); their end of run is :mod:`querybench.plugin_endofrun`.

The short names ``max_queries`` and ``allow_nplusone`` are aliases, ours only while no other
plugin (pytest-querycount, pytest-queryguard, a conftest, the ini file) registers a marker of
that name: see :mod:`querybench.plugin_markers`.

Installing querybench changes no suite by itself: with the option off and neither marker nor
fixture in a test, the plugin records nothing, attaches no listener and does not even import
SQLAlchemy. Only the test function's call is recorded, never fixture setup or teardown.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pytest

from querybench import plugin_baseline, plugin_endofrun, plugin_ratchet, plugin_sarif
from querybench.plugin_fixtures import query_counter
from querybench.plugin_markers import (
    ALLOW_MARKER,
    BUDGET_MARKER,
    closest_marker,
    marker_lines,
)

if TYPE_CHECKING:
    from querybench.plugin_recording import CallWatch, NPlusOneMode

__all__ = ["query_counter"]

NPLUSONE_MODES = ("off", "warn", "fail")
PROVE_MODES = ("on", "off")
PLANS_MODES = ("off", "on")
DEFAULT_ALLOW_REASON = f"allowed by @pytest.mark.{ALLOW_MARKER}"
ALLOWED_PROPERTY = "querybench_allowed"
"""The ``user_properties`` key that carries a test's allowed findings to the summary."""


@dataclass(frozen=True)
class Settings:
    """The plugin's configuration for the whole run."""

    nplusone: NPlusOneMode
    prove: bool
    record: bool = False
    """Record every test (a baseline or budgets file is being written)."""
    plans: bool = False
    """End a failure message with the plan findings of the test's statements."""


@dataclass(frozen=True)
class Marks:
    """What one test's markers ask for, validated: ``allowed`` holds (pattern, reason) pairs."""

    max_queries: int | None
    nplusone: NPlusOneMode
    allowed: tuple[tuple[str, str], ...]
    budget_file: str = ""
    known: frozenset[str] = frozenset()
    record: bool = False


SETTINGS = pytest.StashKey[Settings]()
MARKS = pytest.StashKey[Marks]()
ALLOWED = pytest.StashKey[list[str]]()
"""A test's allowed findings, as lines of the summary."""
RUN = pytest.StashKey[dict[str, Any]]()
"""A recorded test's run data (see ``CallWatch.run``), for its call report."""


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
    group.addoption(
        "--querybench-prove",
        dest="querybench_prove",
        choices=PROVE_MODES,
        default=None,
        help="on (default): re-run a test that fails for N+1 findings to prove the fix, and end "
        "its failure message with the proof; off: never re-run a test. Overrides the "
        "querybench_prove ini setting.",
    )
    parser.addini(
        "querybench_prove",
        "Re-run a test that fails for N+1 findings to prove the fix: on (default) or off.",
        default="on",
    )
    group.addoption(
        "--querybench-plans",
        dest="querybench_plans",
        choices=PLANS_MODES,
        default=None,
        help="on: re-run a test that fails on querybench's account to explain its statements, "
        "and end its failure message with the plan findings and index advice; off (default). "
        "Overrides the querybench_plans ini setting.",
    )
    parser.addini(
        "querybench_plans",
        "End a querybench failure with the plan findings of the test's statements: off or on.",
        default="off",
    )
    plugin_baseline.add_options(group, parser)
    plugin_ratchet.add_options(group, parser)
    plugin_sarif.add_options(group)


def _setting(config: pytest.Config, name: str, choices: Sequence[str]) -> str:
    """The option if given, else the ini value, which must be one of ``choices``."""
    option: str | None = config.getoption(name)
    value = option or str(config.getini(name)).strip()
    if value not in choices:
        raise pytest.UsageError(
            f"{name} = {value!r} in the ini file: expected one of {', '.join(choices)}"
        )
    return value


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers and read the settings (a bad ini value is a usage error)."""
    for line in marker_lines():
        config.addinivalue_line("markers", line)
    mode = _setting(config, "querybench_nplusone", NPLUSONE_MODES)
    prove = _setting(config, "querybench_prove", PROVE_MODES) == "on"
    baseline = plugin_baseline.configure(config)
    budgets = plugin_ratchet.configure(config)
    if baseline is not None:  # a baseline turns the check on; rewriting it fails nothing
        mode = "off" if baseline.write else "fail" if mode == "off" else mode
    plugin_sarif.configure(config)
    record = (
        (baseline is not None and baseline.write)
        or (budgets is not None and budgets.write)
        or plugin_sarif.SARIF in config.stash
    )
    plans = _setting(config, "querybench_plans", PLANS_MODES) == "on"
    config.stash[SETTINGS] = Settings(cast("NPlusOneMode", mode), prove, bool(record), plans)
    config.stash[plugin_baseline.RUNS] = {}
    config.pluginmanager.register(plugin_endofrun.RunCollector(config), "querybench-runs")


def _arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str:
    return ", ".join([*map(repr, args), *(f"{key}={value!r}" for key, value in kwargs.items())])


def _max_queries(item: pytest.Item) -> int | None:
    marker = closest_marker(item, BUDGET_MARKER)
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
        f"@pytest.mark.{marker.name} takes one whole number of 0 or more (the most statements "
        f"the test may emit), got {marker.name}({_arguments(args, kwargs)})"
    )


def _allowed_nplusone(item: pytest.Item) -> tuple[tuple[str, str], ...]:
    """The (pattern, reason) pairs of the closest ``querybench_allow_nplusone`` marker."""
    marker = closest_marker(item, ALLOW_MARKER)
    if marker is None:
        return ()
    args, kwargs = marker.args, marker.kwargs
    reason = kwargs.get("reason", DEFAULT_ALLOW_REASON)
    texts = [*args, reason]
    if set(kwargs) <= {"reason"} and all(isinstance(t, str) and t.strip() for t in texts):
        return tuple((pattern, reason) for pattern in args or ("*",))
    raise ValueError(
        f"@pytest.mark.{marker.name} takes patterns of the findings to allow (non-empty "
        'strings: "Payment.user", "app/views.py:42", a glob or a finding id) and reason="...", '
        f"got {marker.name}({_arguments(args, kwargs)})"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Validate the test's querybench markers before its fixtures are set up."""
    mode = item.config.stash[SETTINGS].nplusone
    try:
        limit = _max_queries(item)
        allowed = _allowed_nplusone(item)
    except ValueError as error:
        pytest.fail(f"{item.nodeid}: {error}", pytrace=False)
    settings = item.config.stash[SETTINGS]
    budget_file = ""
    if limit is None:  # a marker wins over the budgets file
        limit, budget_file = plugin_ratchet.budget_for(item.config, item.nodeid)
    known = plugin_baseline.known_for(item.config, item.nodeid)
    item.stash[MARKS] = Marks(limit, mode, allowed, budget_file, known, settings.record)


# tryfirst: the outermost wrapper, so a peer plugin's failure raised inside (pytest-queryguard
# fails a test on N+1 by default) never hides what querybench measured, in either load order.
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Record the test function's call when a marker, the option or the fixture asks for it."""
    marks = item.stash.get(MARKS, None)
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    counter = funcargs.get("query_counter")
    if marks is None or (
        marks.max_queries is None
        and marks.nplusone == "off"
        and counter is None
        and not marks.record
    ):
        return (yield)  # nothing asked for: no import, no listener, no change

    from querybench.plugin_recording import CallChecks, CallWatch, CountingBenchmark
    from querybench.recorder.allow import Allowance

    path, line, _ = item.location
    checks = CallChecks(
        name=item.nodeid,
        location=(str(item.path) if path else "", (line or 0) + 1),
        max_queries=marks.max_queries,
        nplusone=marks.nplusone,
        counter=counter,
        allowed=tuple(Allowance(pattern, reason) for pattern, reason in marks.allowed),
        known=marks.known,
        budget_file=marks.budget_file,
        record=marks.record,
    )
    benchmark: CountingBenchmark | None = None
    watch = CallWatch(checks)
    try:
        with watch:
            if "benchmark" in funcargs and watch.counting is not None:
                benchmark = CountingBenchmark(funcargs["benchmark"], watch.counting)
                funcargs["benchmark"] = benchmark
            try:
                result = yield
            finally:
                if benchmark is not None:
                    funcargs["benchmark"] = benchmark.fixture
    except BaseException:
        # The test (or a peer plugin) failed first and its error is the report; a broken budget
        # is still said, in a section of that report.
        verdict = watch.failure()
        if verdict:
            item.add_report_section("call", "querybench", verdict)
        raise
    if benchmark is not None:
        benchmark.record()
    _keep_allowed(item, watch)
    failure = watch.failure()
    if watch.recorder is not None:
        item.stash[RUN] = watch.run(passed=not failure)
    if failure:
        pytest.fail(_with_proof(item, watch, failure), pytrace=False)
    watch.warn()
    return result


def _keep_allowed(item: pytest.Item, watch: CallWatch) -> None:
    from querybench.plugin_recording import allowed_line

    lines = [allowed_line(item.nodeid, finding) for finding in watch.allowed()]
    if lines:
        item.stash[ALLOWED] = lines


def _with_proof(item: pytest.Item, watch: CallWatch, failure: str) -> str:
    """The failure message, ending with the proof line when the test's findings can have one,
    then (``--querybench-plans=on``) the plans line."""
    settings = item.config.stash[SETTINGS]
    if settings.prove and watch.findings():
        from querybench.plugin_proof import proof_line

        failure = f"{failure}\n{proof_line(item)}"
    if settings.plans:
        from querybench.plugin_proof import plans_line

        failure = f"{failure}\n{plans_line(item)}"
    return failure


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Put the test's allowed findings on its call report, which xdist carries to the controller."""
    report = yield
    lines = item.stash.get(ALLOWED, None)
    if lines and report.when == "call":
        report.user_properties.append((ALLOWED_PROPERTY, lines))
    run = item.stash.get(RUN, None)
    if run is not None and report.when == "call":
        report.user_properties.append((plugin_baseline.RUN_PROPERTY, run))
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the files the run asked for: baseline, budgets, SARIF (in one process only)."""
    plugin_endofrun.finish(session.config)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List every allowed finding of the run with its reason (allowed is never silent), then
    warn mode's findings, the baseline's, the budgets' and the SARIF file's sections."""
    lines = [
        line
        for reports in terminalreporter.stats.values()
        for report in reports
        if isinstance(report, pytest.TestReport) and report.when == "call"
        for name, value in report.user_properties
        if name == ALLOWED_PROPERTY and isinstance(value, list)
        for line in value
    ]
    # by test: xdist workers report in any order
    plugin_endofrun.section(
        terminalreporter, "querybench: allowed N+1 findings", sorted(map(str, lines))
    )
    plugin_endofrun.summarise(terminalreporter)
