"""``querybench run`` as a function: build the dataset on each backend, measure, keep every cell.

Results are rewritten atomically as cells finish (at most every ``WRITE_EVERY`` seconds, marked
partial until the run ends) and once more on a stop, so an interrupted run keeps everything it
measured and a crashed one all but its last seconds. SIGTERM is turned into the same clean
stop as Ctrl-C.
"""

from __future__ import annotations

import logging
import math
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType

from querybench.datasets import BuiltSource, RowSource, build_source
from querybench.errors import Interrupted, QuerybenchError, ScenarioError
from querybench.runner.backends import Backend, open_backend
from querybench.runner.environment import describe
from querybench.runner.results import Cell, Environment, Results, write_results
from querybench.runner.run import CellPlan, PlanOptions, plan, run_cells
from querybench.runner.timing import TimingPolicy, heap_frozen, machine_noise
from querybench.scenarios.registry import Registry
from querybench.suites.dataset_slot import default_sizes, suite_source
from querybench.suites.suite import Suite

WRITE_EVERY = 2.0
"""Seconds between two writes of the results files while cells are measured. Serialising
every cell again after each one cost 10 s of a default run; a stop by SIGINT or SIGTERM still
writes every finished cell, so only a hard kill can lose the last two seconds."""

# Interrupted lives in errors (a stop, not an error); it is importable from here too.
__all__ = [
    "Interrupted",
    "RunOptions",
    "RunState",
    "check_output_folder",
    "open_backends",
    "run_job",
    "sigterm_as_interrupt",
]


@dataclass(frozen=True)
class RunOptions:
    """What ``querybench run`` was asked to do (``dataset`` None: each suite's default)."""

    dataset: str | None = None
    databases: tuple[str | None, ...] = (None,)
    sizes: tuple[int, ...] | None = None
    pattern: str | None = None
    variants: tuple[str, ...] | None = None
    rtt_ms: float = 0.0
    out: Path = Path("reports/latest")
    policy: TimingPolicy = field(default_factory=TimingPolicy)
    # querybench.plans: plans per cell, index proofs, the schema variant built (None: as built).
    plans: bool = False
    prove_indexes: bool = False
    schema: str | None = None


@dataclass
class RunState:
    """What a run has so far; the caller can still read it after an interruption."""

    results: Results | None = None
    written: list[Path] = field(default_factory=list)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT raise ``Interrupted`` (130 / 143 exit codes)."""

    # A signal that lands inside a cursor call makes SQLAlchemy invalidate the connection, then
    # fail to close the cursor on it, and log that with a traceback: noise after a stop the user
    # asked for. From the signal on, the pool's log goes nowhere until the block is left.
    pool_log = logging.getLogger("sqlalchemy.pool")
    quiet = logging.NullHandler()
    propagate = pool_log.propagate

    def stop(number: int, _frame: FrameType | None) -> None:
        pool_log.addHandler(quiet)
        pool_log.propagate = False
        raise Interrupted(number)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        pool_log.removeHandler(quiet)
        pool_log.propagate = propagate


def check_output_folder(out: Path) -> None:
    """Fail before measuring anything when the output folder cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".querybench-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as error:
        raise QuerybenchError(f"cannot write to output folder {out}: {error.strerror}") from None


def open_backends(
    options: RunOptions, suite: Suite | None = None
) -> tuple[list[Backend], RowSource, str]:
    """Build (or reuse) ``suite``'s dataset (default: payments) on every backend and open it;
    also returns the dataset's row source and content digest."""
    if not options.rtt_ms >= 0:  # also refuses NaN
        raise QuerybenchError(f"--rtt must be zero or more milliseconds, got {options.rtt_ms:g}")
    if suite is None:
        from querybench.scenarios.builtin import payments_suite

        suite = payments_suite()
    source = suite_source(suite, options.dataset, options.sizes)
    backends = []
    digest = ""
    try:
        for url in options.databases:
            built = _build(suite, source, url)
            digest = built.digest
            backends.append(open_backend(built.url, rtt_ms=options.rtt_ms))
            if options.schema is not None:
                from querybench.plans.schema import apply_schema

                apply_schema(backends[-1].engine, options.schema)
    except BaseException:
        for backend in backends:
            backend.dispose()
        raise
    return backends, source, digest


def _build(suite: Suite, source: RowSource, url: str | None) -> BuiltSource:
    """Build ``suite``'s dataset; a builder of the user's that raises is one line, not a crash."""
    try:
        return build_source(source, url)
    except QuerybenchError:
        raise
    except Exception as error:
        from querybench.suites.discovery import error_reason

        raise QuerybenchError(
            f"suite {suite.name!r}: building dataset {source.name!r} failed: {error_reason(error)}"
        ) from error


def as_suites(target: Suite | Registry | Sequence[Suite]) -> list[Suite]:
    """The suites of a run; a bare ``Registry`` runs over the payments datasets."""
    if isinstance(target, Suite):
        return [target]
    if isinstance(target, Registry):
        from querybench.scenarios.builtin import payments_suite

        return [payments_suite(target)]
    suites = list(target)
    owners: dict[str, str] = {}
    for suite in suites:
        for scenario in suite:
            if scenario.name in owners:
                raise ScenarioError(
                    f"scenario {scenario.name!r} is in suites {owners[scenario.name]!r} and "
                    f"{suite.name!r}; results key cells by scenario name, so rename one"
                )
            owners[scenario.name] = suite.name
    return suites


def _select(suites: Sequence[Suite], pattern: str | None) -> list[Suite]:
    """The suites with a scenario matching ``pattern``; a pattern matching nowhere is an error."""
    if not pattern:
        return list(suites)
    everything = Registry()
    for suite in suites:
        for scenario in suite:
            everything.add(scenario)
    chosen = {scenario.name for scenario in everything.select(pattern)}  # raises on a typo
    return [suite for suite in suites if any(s.name in chosen for s in suite)]


def _merge(environment: Environment | None, more: Environment, suite: str) -> Environment:
    """The run's environment after one more suite: its dataset, digest, backends and name."""
    if environment is None:
        return replace(more, suites=(suite,))
    labels = {backend.label for backend in environment.backends}
    return replace(
        environment,
        dataset=f"{environment.dataset}, {more.dataset}",
        dataset_digest=f"{environment.dataset_digest}, {more.dataset_digest}",
        backends=environment.backends + tuple(b for b in more.backends if b.label not in labels),
        suites=(*environment.suites, suite),
    )


def run_job(
    target: Suite | Registry | Sequence[Suite],
    options: RunOptions,
    state: RunState,
    on_start: Callable[[Sequence[CellPlan]], None] | None = None,
    on_cell: Callable[[CellPlan, Cell], None] | None = None,
) -> Results:
    """Run every planned cell, writing results as they come; ``state`` keeps what was measured.

    Suites run one after another, each on a dataset built for it just before its cells (two
    suites may share one ``--db``: a build replaces only what querybench built there).
    ``on_start`` is called once per suite with that suite's cells.
    """
    check_output_folder(options.out)
    suites = _select(as_suites(target), options.pattern)  # a typo fails before any build
    noise = machine_noise(options.policy)
    done: list[Cell] = []
    environment: Environment | None = None
    planned = 0
    for suite in suites:  # a dataset option no suite can take fails before anything is measured
        suite_source(suite, options.dataset, options.sizes)
    with heap_frozen(), _keep_measured(state, options.out):
        for suite in suites:
            backends, source, digest = open_backends(options, suite)
            sizes = options.sizes or default_sizes(suite, source)
            try:
                pattern = options.pattern if len(suites) == 1 else _own(suite, options.pattern)
                cells = plan(
                    suite.registry, backends, sizes, pattern=pattern, variants=options.variants
                )
                planned += len(cells)
                more = replace(describe(backends, source.name, digest), machine_noise=noise)
                environment = _merge(environment, more, suite.name)
                state.results = Results(environment, tuple(done), partial=True)
                if on_start is not None:
                    on_start(cells)
                _measure(cells, suite.name, options, state, done, on_cell)
            finally:
                for backend in backends:
                    backend.dispose()
    if not planned or environment is None:
        raise QuerybenchError("nothing to run: no cell matches the scenarios and variants")
    state.results = Results(environment, tuple(done), partial=False)
    state.written = _write(state.results, options.out)
    return state.results


@contextmanager
def _keep_measured(state: RunState, out: Path) -> Iterator[None]:
    """On a stop or an error between suites (a build that fails, a signal), write what the
    earlier suites measured before letting it through."""
    try:
        yield
    except (Interrupted, QuerybenchError):
        if state.results is not None and state.results.cells:
            state.written = _write(replace(state.results, partial=True), out)
        raise


def _own(suite: Suite, pattern: str | None) -> str | None:
    """The alternatives of ``pattern`` that select something in ``suite`` (None: all)."""
    if not pattern:
        return None
    mine = [
        part
        for part in (p.strip() for p in pattern.replace(",", "|").split("|"))
        if part and suite.registry.matching(part)
    ]
    return "|".join(mine)


def _measure(
    cells: Sequence[CellPlan],
    suite: str,
    options: RunOptions,
    state: RunState,
    done: list[Cell],
    on_cell: Callable[[CellPlan, Cell], None] | None,
) -> None:
    """Measure ``cells`` into ``done``, writing the partial results at most every few seconds."""
    assert state.results is not None
    results = state.results
    written_at = -math.inf
    try:
        wanted = options.plans or options.prove_indexes
        plans = PlanOptions(options.prove_indexes) if wanted else None
        for cell in run_cells(cells, options.policy, on_cell, plans=plans):
            done.append(replace(cell, suite=suite))
            state.results = replace(results, cells=tuple(done))
            if time.monotonic() - written_at >= WRITE_EVERY:
                state.written = _write(state.results, options.out)
                written_at = time.monotonic()
    except Interrupted:
        # The signal may have cut the last write short: _keep_measured writes every finished
        # cell once more, from these results.
        state.results = replace(results, cells=tuple(done))
        raise


def _write(results: Results, out: Path) -> list[Path]:
    """Write the results files; a full disk or a folder gone mid-run is one error line."""
    try:
        return write_results(results, out)
    except OSError as error:
        reason = error.strerror or str(error)
        raise QuerybenchError(f"cannot write results to {out}: {reason}") from error
