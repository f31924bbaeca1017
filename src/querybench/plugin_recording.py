"""What the pytest plugin does around one test, without pytest: record, then judge the budget.

The plugin modules hold the pytest wiring; this module holds the one context manager they wrap,
:class:`CallWatch`, and the ``query_counter`` fixture's recorder. It imports SQLAlchemy (through
the recorder), so the plugin imports it only when a test asks for recording: a suite that uses
none of the plugin's features never loads it and never gets a listener.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Literal

from querybench.recorder import Bind, Finding, QueryRecorder
from querybench.recorder.allow import Allowance
from querybench.recorder.budget import DEFAULT_MAX_LISTED, budget_message
from querybench.recorder.statement import display_path

NPlusOneMode = Literal["off", "warn", "fail"]


class NPlusOneWarning(Warning):
    """An N+1 pattern in a test run with ``--querybench-nplusone=warn``.

    A direct subclass of ``Warning``, not of ``UserWarning``: suites often run with
    ``-W ignore::UserWarning`` to quiet their libraries, and that must not silence the one
    thing ``warn`` mode was turned on for. The plugin's terminal summary lists the findings too.
    """


class ScopedRecorder(QueryRecorder):
    """A recorder that starts as it is made; a ``with`` block around it ends it at the block's end.

    What ``query_counter(bind)`` returns: it records from the call on, so forgetting the
    ``with`` still counts (until the test ends) instead of silently counting nothing.
    """

    def __enter__(self) -> ScopedRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class QueryCounter(QueryRecorder):
    """The ``query_counter`` fixture: every engine's statements while the test function runs.

    Call it for a recorder of one bind (an Engine, Connection or Session, sync or async):
    ``with query_counter(engine) as queries: ...``. Every recorder it made is stopped when
    the test ends.
    """

    def __init__(self) -> None:
        super().__init__(None)
        self._scoped: list[ScopedRecorder] = []

    def __call__(
        self,
        bind: Bind | None = None,
        *,
        local: bool = False,
        include_transaction_control: bool = False,
    ) -> ScopedRecorder:
        """A recorder of ``bind`` (None: every engine), recording from now on."""
        recorder = ScopedRecorder(
            bind, local=local, include_transaction_control=include_transaction_control
        )
        recorder.start()
        self._scoped.append(recorder)
        return recorder

    def close(self) -> None:
        """Stop this recorder and every one it made, the latest first."""
        for recorder in reversed(self._scoped):
            recorder.stop()
        self.stop()


@dataclass(frozen=True)
class CallChecks:
    """What to check in one test call: a statement budget, N+1 handling, a counter to run.

    ``name`` heads the messages (the test's node id); ``location`` is the test's file and line.
    ``allowed`` are the ``allow_nplusone`` marker's allowances, applied to the findings.
    ``known`` are the baseline's keys for this test (see :func:`baseline_key`): known findings
    neither fail nor warn. ``budget_file`` names the budgets file when ``max_queries`` came from
    it; ``record`` records the call even without a budget or N+1 mode (to write one).
    """

    name: str
    location: tuple[str, int] = ("", 0)
    max_queries: int | None = None
    nplusone: NPlusOneMode = "off"
    counter: QueryCounter | None = None
    allowed: tuple[Allowance, ...] = ()
    known: frozenset[str] = frozenset()
    budget_file: str = ""
    record: bool = False


@dataclass
class CallWatch:
    """Records the statements of one test call and judges them (the context manager).

    ``failure()`` after the block is the failure message (or ''); N+1 warnings are emitted
    by ``warn()``. Both are only meaningful when the test itself passed.
    """

    checks: CallChecks
    recorder: QueryRecorder | None = None
    _started: list[QueryRecorder] = field(default_factory=list)
    _findings: tuple[Finding, ...] | None = None
    _ended: bool = False

    def __enter__(self) -> CallWatch:
        checks = self.checks
        if checks.max_queries is not None or checks.nplusone != "off" or checks.record:
            self.recorder = QueryRecorder(None)
            self._started.append(self.recorder.start())
            for allowance in self.checks.allowed:
                self.recorder.add_allowance(allowance)
        if self.checks.counter is not None:
            self._started.append(self.checks.counter.start())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for recorder in reversed(self._started):
            recorder.stop()
        self._ended = True

    @property
    def counting(self) -> QueryRecorder | None:
        """A recorder that saw the whole call: ours, else the test's ``query_counter``."""
        return self.recorder if self.recorder is not None else self.checks.counter

    def findings(self) -> tuple[Finding, ...]:
        """The call's N+1 findings, allowed ones marked (none when nothing was recorded)."""
        if self.recorder is None:
            return ()
        if self._findings is not None:
            return self._findings
        findings = self.recorder.n_plus_one()
        if self._ended:  # cached once the block ended: until then statements may still come
            self._findings = findings
        return findings

    def failure(self) -> str:
        """Why the test fails (statement budget, then N+1 in ``fail`` mode), or ''."""
        recorder, checks = self.recorder, self.checks
        if recorder is None:
            return ""
        if checks.max_queries is not None and recorder.count > checks.max_queries:
            return budget_failure(checks.name, recorder, checks.max_queries, checks.budget_file)
        if checks.nplusone == "fail":
            return nplusone_message(
                checks.name, self.findings(), "fail", self._unmatched(), checks.known
            )
        return ""

    def run(self, passed: bool) -> dict[str, Any]:
        """What the plugin's end of run needs of this call (plain data: xdist sends it over):
        the findings (key, text, allowed), the statement count and where the budget came from.
        """
        checks = self.checks
        source = (
            "file" if checks.budget_file else "marker" if checks.max_queries is not None else ""
        )
        return {
            "findings": [
                [baseline_key(finding), str(finding), finding.allowed, _site(finding)]
                for finding in self.findings()
            ],
            "count": self.recorder.count if self.recorder is not None else 0,
            "source": source,
            "passed": passed,
            "warn": checks.nplusone == "warn",
        }

    def allowed(self) -> tuple[Finding, ...]:
        """The allowed findings, in ``warn`` and ``fail`` mode (the plugin's summary lists them)."""
        if self.checks.nplusone == "off":
            return ()
        return tuple(finding for finding in self.findings() if finding.allowed)

    def _unmatched(self) -> list[str]:
        """The marker's patterns that allowed none of the findings (a typo, most likely)."""
        return [
            allowance.pattern
            for allowance in self.checks.allowed
            if not any(allowance.matches(finding) for finding in self.findings())
        ]

    def warn(self) -> None:
        """Emit one :class:`NPlusOneWarning` listing the findings, in ``warn`` mode."""
        if self.recorder is not None and self.checks.nplusone == "warn":
            checks = self.checks
            message = nplusone_message(checks.name, self.findings(), "warn", (), checks.known)
            if message:
                # Attributed to the test, so the warnings summary points at the test's file.
                filename, lineno = self.checks.location
                warnings.warn_explicit(message, NPlusOneWarning, filename, lineno)


def budget_failure(name: str, recorder: QueryRecorder, limit: int, budget_file: str = "") -> str:
    """The ``querybench_max_queries`` failure: the recorder's budget message, as a marker's
    (or, for a budget of the budgets file, naming the file)."""
    noun = "statement" if limit == 1 else "statements"
    accept = f"@pytest.mark.querybench_max_queries({recorder.count})"
    if budget_file:
        accept = f'"{name}" = {recorder.count} in {budget_file} (the budget set there)'
    head = (
        f"{name}: expected at most {limit} {noun}, got {recorder.count}. Remove the extra "
        f"statements (fixes below), or accept them with {accept}."
    )
    # The recorder's message lists statements, duplicates and findings; its head line names
    # assert_max_queries, which a marker user did not write, so it is replaced.
    body = budget_message(recorder, limit, None, DEFAULT_MAX_LISTED).split("\n", 1)[1]
    return f"{head}\n{body}"


def nplusone_message(
    name: str,
    findings: Sequence[Finding],
    mode: NPlusOneMode,
    unmatched: Sequence[str] = (),
    known: frozenset[str] = frozenset(),
) -> str:
    """The N+1 findings of a test as one message, or '' when none is left unallowed.

    ``unmatched`` are ``allow_nplusone`` patterns that allowed nothing, named in the message;
    findings whose key is in ``known`` (the baseline's) do not count and are marked so.
    """
    # Allowed findings do not fail the test, but stay listed (with their reason) beside
    # those that do.
    failing = [f for f in findings if not f.allowed and baseline_key(f) not in known]
    if not failing:
        return ""
    count = len(failing)
    patterns = ", ".join(f'"{pattern}"' for pattern in dict.fromkeys(map(_pattern, failing)))
    lines = [
        f"{name}: {count} N+1 {'pattern' if count == 1 else 'patterns'} "
        f"(--querybench-nplusone={mode}):",
        *(
            f"  - {'[in the baseline] ' if baseline_key(finding) in known else ''}{finding}"
            for finding in findings
        ),
    ]
    if unmatched:
        shown = ", ".join(map(repr, unmatched))
        lines.append(
            f"@pytest.mark.querybench_allow_nplusone({shown}) matched none of these findings."
        )
    lines.append(
        f"Fix them, or allow them with "
        f'@pytest.mark.querybench_allow_nplusone({patterns}, reason="...").'
    )
    return "\n".join(lines)


def baseline_key(finding: Finding) -> str:
    """A finding's key in the N+1 baseline: ``kind:subject@file::function``, no line number."""
    subject = finding.id.split("@", 1)[0]
    site = finding.callsite
    if site is None:
        return f"{subject}@?"
    function = site.function
    # Python 3.11 runs a comprehension in a function of its own, 3.12 inlines it: one key for both
    while function.endswith(_COMPREHENSIONS):
        function = function.rsplit(".<locals>.", 1)[0] if ".<locals>." in function else "?"
    return f"{subject}@{display_path(site.filename).replace(os.sep, '/')}::{function}"


def _site(finding: Finding) -> list[Any]:
    """``[path, line]`` of a finding's call site, the path relative and with ``/``."""
    site = finding.callsite
    if site is None:
        return ["", 0]
    return [display_path(site.filename).replace(os.sep, "/"), site.lineno]


_COMPREHENSIONS = ("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")


def _pattern(finding: Finding) -> str:
    """What to allow a finding by: its relationship or column, else its call site."""
    if finding.kind in ("lazy_load", "column_reload"):
        return finding.target
    return finding.id if finding.callsite is None else str(finding.callsite)


def allowed_line(name: str, finding: Finding) -> str:
    """An allowed finding of test ``name``, for the plugin's summary: the reason comes last."""
    plain = replace(finding, allowed=False, allow_reason="")
    return f"{name}: {plain} (allowed: {finding.allow_reason})"


class CountingBenchmark:
    """Stands in for pytest-benchmark's fixture and counts the statements of each call.

    Every attribute is the real fixture's; calling it (or ``pedantic``) wraps the benchmarked
    function so that the most statements one call emitted can go to ``extra_info["queries"]``.
    """

    def __init__(self, fixture: Any, recorder: QueryRecorder):
        self._fixture = fixture
        self._recorder = recorder
        self.most: int | None = None

    def _counted(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            before = self._recorder.count
            try:
                return function(*args, **kwargs)
            finally:
                emitted = self._recorder.count - before
                self.most = emitted if self.most is None else max(self.most, emitted)

        return counted

    @property
    def fixture(self) -> Any:
        """The real pytest-benchmark fixture."""
        return self._fixture

    def __call__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Benchmark ``function`` as the real fixture does, counting its statements."""
        return self._fixture(self._counted(function), *args, **kwargs)

    def pedantic(self, target: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``benchmark.pedantic`` with the target's statements counted (not setup's)."""
        return self._fixture.pedantic(self._counted(target), *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fixture, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in {"_fixture", "_recorder", "most"}:
            object.__setattr__(self, name, value)
        else:  # benchmark.group = ... and the like belong to the real fixture
            setattr(self._fixture, name, value)

    def record(self) -> None:
        """Put the count in the real fixture's ``extra_info``, unless the test set its own."""
        if self.most is not None:
            self._fixture.extra_info.setdefault("queries", self.most)
