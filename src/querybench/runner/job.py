"""``querybench run`` as a function: build the dataset on each backend, measure, keep every cell.

Results are rewritten atomically as cells finish (at most every ``WRITE_EVERY`` seconds, marked
partial until the run ends) and once more on a stop, so an interrupted run keeps everything it
measured and a crashed one all but its last seconds. SIGTERM is turned into the same clean
stop as Ctrl-C.
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType

from querybench.datasets import DatasetSpec, build_dataset, load_spec
from querybench.errors import Interrupted, QuerybenchError
from querybench.runner.backends import Backend, open_backend
from querybench.runner.environment import describe
from querybench.runner.results import Cell, Results, write_results
from querybench.runner.run import CellPlan, PlanOptions, plan, run_cells
from querybench.runner.timing import TimingPolicy, heap_frozen, machine_noise
from querybench.scenarios.registry import Registry

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
    """What ``querybench run`` was asked to do."""

    dataset: str = "small"
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

    def stop(number: int, _frame: FrameType | None) -> None:
        raise Interrupted(number)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def check_output_folder(out: Path) -> None:
    """Fail before measuring anything when the output folder cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".querybench-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as error:
        raise QuerybenchError(f"cannot write to output folder {out}: {error.strerror}") from None


def open_backends(options: RunOptions) -> tuple[list[Backend], DatasetSpec, str]:
    """Build (or reuse) the dataset on every backend and open it; also returns spec and digest."""
    if not options.rtt_ms >= 0:  # also refuses NaN
        raise QuerybenchError(f"--rtt must be zero or more milliseconds, got {options.rtt_ms:g}")
    spec = load_spec(options.dataset)
    wanted = options.sizes or spec.sizes
    missing = sorted(set(wanted) - set(spec.sizes))
    if missing:
        raise QuerybenchError(
            f"dataset {spec.name!r} has probes for sizes {list(spec.sizes)}, not {missing}; "
            "choose sizes from that list or add them to the spec's 'sizes'"
        )
    backends = []
    digest = ""
    for url in options.databases:
        built = build_dataset(spec, url)
        digest = built.digest
        backend = open_backend(built.url, rtt_ms=options.rtt_ms)
        backends.append(backend)
        if options.schema is not None:
            from querybench.plans.schema import apply_schema

            apply_schema(backend.engine, options.schema)
    return backends, spec, digest


def run_job(
    registry: Registry,
    options: RunOptions,
    state: RunState,
    on_start: Callable[[Sequence[CellPlan]], None] | None = None,
    on_cell: Callable[[CellPlan, Cell], None] | None = None,
) -> Results:
    """Run every planned cell, writing results after each; ``state`` keeps what was measured."""
    check_output_folder(options.out)
    registry.select(options.pattern)  # an unknown pattern fails before any build
    backends, spec, digest = open_backends(options)
    try:
        sizes = options.sizes or spec.sizes
        cells = plan(registry, backends, sizes, pattern=options.pattern, variants=options.variants)
        if not cells:
            raise QuerybenchError("nothing to run: no cell matches the scenarios and variants")
        environment = replace(
            describe(backends, spec.name, digest), machine_noise=machine_noise(options.policy)
        )
        results = Results(environment, (), partial=True)
        state.results = results
        if on_start is not None:
            on_start(cells)
        done: list[Cell] = []
        try:
            written_at = -math.inf
            with heap_frozen():
                wanted = options.plans or options.prove_indexes
                plans = PlanOptions(options.prove_indexes) if wanted else None
                for cell in run_cells(cells, options.policy, on_cell, plans=plans):
                    done.append(cell)
                    state.results = replace(results, cells=tuple(done))
                    if time.monotonic() - written_at >= WRITE_EVERY:
                        state.written = _write(state.results, options.out)
                        written_at = time.monotonic()
        except Interrupted:
            # The signal may have cut the last write short: write every finished cell once more.
            state.results = replace(results, cells=tuple(done))
            state.written = _write(state.results, options.out)
            raise
        state.results = replace(results, cells=tuple(done), partial=False)
        state.written = _write(state.results, options.out)
        return state.results
    finally:
        for backend in backends:
            backend.dispose()


def _write(results: Results, out: Path) -> list[Path]:
    """Write the results files; a full disk or a folder gone mid-run is one error line."""
    try:
        return write_results(results, out)
    except OSError as error:
        reason = error.strerror or str(error)
        raise QuerybenchError(f"cannot write results to {out}: {reason}") from error
