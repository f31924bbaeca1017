"""Latency of one cell: warm-up, then rounds calibrated to a minimum time, each in a fresh Session.

A fresh Session per round matters: an identity map carried over from the previous round would
answer the very lazy loads being measured. Opening the Session and checking out its connection
happen before the clock starts; the rollback and close after it stops. The garbage collector
is paused while a round runs (as ``timeit`` does) so that one collection does not land in one
variant's numbers and not in another's.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

Round = Callable[[Session], object]

MAX_STORED_SAMPLES = 200
"""Round times kept one by one in :attr:`Latency.samples` (evenly spread over the run); the
summary statistics always use every round."""


@dataclass(frozen=True, slots=True)
class Latency:
    """Summary of a cell's rounds, in seconds, and the round times themselves.

    ``samples`` (at most :data:`MAX_STORED_SAMPLES`, rounded to 9 significant digits) is what
    a significance test between two runs needs; results written before it existed have none.
    """

    median: float
    q1: float
    q3: float
    minimum: float
    mean: float
    stdev: float
    rounds: int
    samples: tuple[float, ...] = ()
    calls_per_round: int = 1
    attempts: int = 1  # 2 or more: earlier measurements were disturbed (see TimingPolicy)

    @property
    def iqr(self) -> float:
        """Interquartile range: the spread of the middle half of the rounds."""
        return self.q3 - self.q1

    @property
    def cv(self) -> float:
        """Coefficient of variation (standard deviation over mean)."""
        return self.stdev / self.mean if self.mean > 0 else 0.0

    @classmethod
    def of(cls, samples: list[float], *, calls_per_round: int = 1) -> Latency:
        """Summarise round times (mean seconds per call in each round; at least one)."""
        kept = _stored(samples)
        if len(samples) == 1:
            (only,) = samples
            return cls(only, only, only, only, only, 0.0, 1, kept, calls_per_round)
        q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        return cls(
            median=statistics.median(samples),
            q1=q1,
            q3=q3,
            minimum=min(samples),
            mean=statistics.fmean(samples),
            stdev=statistics.stdev(samples),
            rounds=len(samples),
            samples=kept,
            calls_per_round=calls_per_round,
        )


def _stored(samples: list[float]) -> tuple[float, ...]:
    """The samples worth storing: evenly strided down to the cap, 9 significant digits each."""
    count = len(samples)
    if count > MAX_STORED_SAMPLES:
        # A stride keeps early and late rounds alike, so a slow start stays visible.
        samples = [samples[i * count // MAX_STORED_SAMPLES] for i in range(MAX_STORED_SAMPLES)]
    return tuple(float(f"{sample:.9g}") for sample in samples)


STEADY_CV = 0.10
"""Rounds that vary by this coefficient of variation or more make a disturbed measurement."""


def is_disturbed(cv: float, limit: float = STEADY_CV) -> bool:
    """Whether rounds of coefficient of variation ``cv`` vary by ``limit`` or more.

    Compared at 9 decimal places: a standard deviation of exactly a tenth of the mean comes
    out of floating point as 0.09999999999, and must count as 10%, as it reads.
    """
    return round(cv, 9) >= limit


@dataclass(frozen=True, slots=True)
class TimingPolicy:
    """How long to measure each cell."""

    min_time: float = 0.15
    min_rounds: int = 5
    max_rounds: int = 1000
    warmup_rounds: int = 1
    # A round runs the body as many times as it takes to last this long (calibrated once per
    # cell, as pytest-benchmark does). Long rounds are what keeps the spread honest on a shared
    # machine: a 1 ms scheduling hiccup is 100% of a 1 ms round and 3% of a 30 ms one.
    min_round_time: float = 0.03
    # A measurement whose rounds vary by steady_cv or more was disturbed (by a neighbour, a
    # clock change): it is taken again, up to max_attempts in all, and the cell keeps the last
    # one with its attempt number. The discarded attempts' figures are not mixed in.
    steady_cv: float = STEADY_CV
    max_attempts: int = 3


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Move every object alive now out of the garbage collector's sight for the block.

    The dataset's inputs, the registry and the libraries are alive for the whole run; without
    this every full collection between two timed calls scans them all again (an explicit
    ``gc.collect()`` per cell took about 80 ms, 20 s of a default run). Objects made inside
    the block are collected as usual.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def time_call(engine: Engine, body: Round) -> float:
    """One call in a fresh, pre-connected Session, rolled back afterwards; seconds taken."""
    with Session(engine) as session:
        session.connection()
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            start = time.perf_counter_ns()
            body(session)
            elapsed = time.perf_counter_ns() - start
        finally:
            if gc_was_enabled:
                gc.enable()
            session.rollback()
    return elapsed / 1e9


def calibrate(call: Callable[[], float], min_round_time: float) -> int:
    """Calls per round for rounds of at least ``min_round_time``; ``call`` times one call.

    Calls are timed until they add up to ``min_round_time`` (at least one call); the round
    length is set from the fastest of them, so one slow call (a page fault, a neighbour's
    burst) does not shrink every round of the cell to a single, noisy call.
    """
    fastest, spent = math.inf, 0.0
    while True:
        elapsed = call()
        fastest, spent = min(fastest, elapsed), spent + elapsed
        if spent >= min_round_time:
            break
    return max(1, math.ceil(min_round_time / fastest)) if fastest > 0 else 1


def measure(engine: Engine, body: Round, policy: TimingPolicy) -> Latency:
    """Warm up, calibrate calls per round (:func:`calibrate`), then run rounds until
    ``min_rounds`` and ``min_time``.

    Each sample is the mean time of one call over a round; only the body is timed, never the
    Session's setup or rollback. A disturbed measurement is taken again (``steady_cv``).
    """
    return measure_steady(lambda: time_call(engine, body), policy)


def measure_steady(call: Callable[[], float], policy: TimingPolicy) -> Latency:
    """:func:`measure_calls` again while the rounds vary by ``steady_cv`` or more, up to
    ``max_attempts`` in all; the last attempt is kept, with its number. A new attempt keeps
    the first one's calls per round (no second warm-up or calibration)."""
    latency = measure_calls(call, policy)
    attempt = 1
    while is_disturbed(latency.cv, policy.steady_cv) and attempt < policy.max_attempts:
        latency = measure_calls(call, policy, calls=latency.calls_per_round)
        attempt += 1
    return replace(latency, attempts=attempt)


def measure_calls(
    call: Callable[[], float], policy: TimingPolicy, *, calls: int | None = None
) -> Latency:
    """:func:`measure` for any ``call`` that runs once and returns the seconds it took;
    ``calls`` per round when already known, else warm-up and calibration find it.

    No ``gc.collect()`` before the rounds: the collector is paused only inside each timed
    call, so collections happen between calls, untimed, as they would anyway.
    """
    if calls is None:
        warm = [call() for _ in range(policy.warmup_rounds)]
        if warm and policy.min_round_time > 0 and min(warm) >= 4 * policy.min_round_time:
            # A call this long is a round on its own, even if the warm-up was slow by three
            # rounds' worth: calibration would only repeat it (0.3 s and more at N=1000).
            calls = 1
        else:
            calls = calibrate(call, policy.min_round_time)
    samples: list[float] = []
    spent = 0.0
    while len(samples) < policy.max_rounds and (
        len(samples) < policy.min_rounds or spent < policy.min_time
    ):
        round_time = sum(call() for _ in range(calls))
        samples.append(round_time / calls)
        spent += round_time
    return Latency.of(samples, calls_per_round=calls)


def _control_call() -> float:
    """A fixed piece of pure-Python work, timed: no database, no allocation to speak of."""
    start = time.perf_counter_ns()
    total = 0
    for number in range(20_000):
        total += number * number
    return (time.perf_counter_ns() - start) / 1e9


def machine_noise(policy: TimingPolicy) -> float:
    """The machine's own noise: the coefficient of variation of a CPU-bound control loop
    timed exactly as cells are. A cell's spread cannot be expected to beat it; a high figure
    says the machine (its neighbours, its clock) was busy, not the code."""
    return measure_calls(_control_call, policy).cv
