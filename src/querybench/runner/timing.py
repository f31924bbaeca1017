"""Latency of one cell: warm-up, then rounds calibrated to a minimum time, each in a fresh Session.

A fresh Session per round matters: an identity map carried over from the previous round would
answer the very lazy loads being measured. Opening the Session and checking out its connection
happen before the clock starts; the rollback and close after it stops. The garbage collector
is paused while a round runs (as ``timeit`` does) so that one collection does not land in one
variant's numbers and not in another's.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

Round = Callable[[Session], object]


@dataclass(frozen=True, slots=True)
class Latency:
    """Summary of a cell's rounds, in seconds."""

    median: float
    q1: float
    q3: float
    minimum: float
    mean: float
    stdev: float
    rounds: int

    @property
    def iqr(self) -> float:
        """Interquartile range: the spread of the middle half of the rounds."""
        return self.q3 - self.q1

    @property
    def cv(self) -> float:
        """Coefficient of variation (standard deviation over mean)."""
        return self.stdev / self.mean if self.mean > 0 else 0.0

    @classmethod
    def of(cls, samples: list[float]) -> Latency:
        """Summarise raw round times (at least one)."""
        if len(samples) == 1:
            (only,) = samples
            return cls(only, only, only, only, only, 0.0, 1)
        q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        return cls(
            median=statistics.median(samples),
            q1=q1,
            q3=q3,
            minimum=min(samples),
            mean=statistics.fmean(samples),
            stdev=statistics.stdev(samples),
            rounds=len(samples),
        )


@dataclass(frozen=True, slots=True)
class TimingPolicy:
    """How long to measure each cell."""

    min_time: float = 0.2
    min_rounds: int = 5
    max_rounds: int = 1000
    warmup_rounds: int = 1


def time_round(engine: Engine, body: Round) -> float:
    """One round in a fresh, pre-connected Session, rolled back afterwards; seconds taken."""
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


def measure(engine: Engine, body: Round, policy: TimingPolicy) -> Latency:
    """Warm up, then run rounds until both ``min_rounds`` and ``min_time`` are reached."""
    for _ in range(policy.warmup_rounds):
        time_round(engine, body)
    gc.collect()
    samples: list[float] = []
    spent = 0.0
    while len(samples) < policy.max_rounds and (
        len(samples) < policy.min_rounds or spent < policy.min_time
    ):
        sample = time_round(engine, body)
        samples.append(sample)
        spent += sample
    return Latency.of(samples)
