"""Rounds: calibrated from the fastest probe call, summarised with the library's statistics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from reliability.reliability_checks import sample_results

from querybench.runner.results import read_results, write_results
from querybench.runner.timing import (
    TimingPolicy,
    calibrate,
    machine_noise,
    measure_calls,
    measure_steady,
)


def scripted(times: list[float]) -> Callable[[], float]:
    """A call that 'takes' each of ``times`` in turn (then the last one forever)."""
    it: Iterator[float] = iter(times)
    last = [times[-1]]

    def call() -> float:
        last[0] = next(it, last[0])
        return last[0]

    return call


def test_one_slow_probe_call_does_not_shrink_the_rounds() -> None:
    # a 20 ms hiccup, then 2 ms calls: rounds of 25 ms take 13 calls, not 2
    assert calibrate(scripted([0.020, 0.002, 0.002, 0.002]), 0.025) == 13


def test_a_call_longer_than_a_round_runs_once_per_round() -> None:
    assert calibrate(scripted([0.300]), 0.025) == 1


def test_rounds_average_their_calls_and_stop_at_min_time() -> None:
    policy = TimingPolicy(min_time=0.1, min_rounds=3, warmup_rounds=1, min_round_time=0.01)
    latency = measure_calls(scripted([0.03, 0.004]), policy)  # the warm-up call is slow
    assert latency.calls_per_round == 3  # ceil(0.01 / 0.004)
    assert latency.rounds == 9  # 9 rounds of 12 ms pass 0.1 s
    assert (latency.median, latency.cv) == (pytest.approx(0.004), 0.0)


def test_a_call_of_four_rounds_or_more_skips_calibration() -> None:
    policy = TimingPolicy(min_time=0.0, min_rounds=5, warmup_rounds=1, min_round_time=0.025)
    calls: list[float] = []

    def long_call() -> float:
        calls.append(0.3)
        return 0.3

    latency = measure_calls(long_call, policy)
    assert (latency.calls_per_round, latency.rounds, len(calls)) == (1, 5, 6)  # warm-up + 5


def test_a_disturbed_measurement_is_taken_again_and_says_so() -> None:
    policy = TimingPolicy(min_time=0.0, min_rounds=4, warmup_rounds=0, min_round_time=0.0)
    # first attempt: a calibration call, then rounds of 1, 3, 1, 3 ms (CV 58%); then steady
    times = [0.001, 0.001, 0.003, 0.001, 0.003, 0.002, 0.002, 0.002, 0.002, 0.002]
    latency = measure_steady(scripted(times), policy)
    assert (latency.attempts, latency.rounds, latency.cv) == (2, 4, 0.0)
    assert latency.median == pytest.approx(0.002)


def test_a_tenth_that_floating_point_puts_just_under_is_taken_again() -> None:
    # two rounds of 1.3 ms -+ d with a CV of exactly 10%, which floating point makes 0.0999...
    policy = TimingPolicy(min_time=0.0, min_rounds=2, warmup_rounds=0, min_round_time=0.0)
    d = 0.0013 * 0.1 * 2**0.5 / 2  # the stdev of two rounds mean -+ d is d * sqrt(2)
    latency = measure_steady(scripted([0.0013, 0.0013 - d, 0.0013 + d]), policy)
    assert latency.attempts == 2  # then steady: the script repeats its last call


def test_a_machine_that_stays_noisy_gets_max_attempts_and_keeps_the_last() -> None:
    policy = TimingPolicy(min_time=0.0, min_rounds=2, warmup_rounds=0, min_round_time=0.0)
    # one calibration call, then every attempt's two rounds are 1 ms and 3 ms
    latency = measure_steady(scripted([0.001] + [0.001, 0.003] * 3), policy)
    assert (latency.attempts, latency.samples) == (3, (0.001, 0.003))


def test_machine_noise_is_a_coefficient_of_variation_and_round_trips(tmp_path: Path) -> None:
    noise = machine_noise(TimingPolicy(min_time=0.02, min_rounds=5, min_round_time=0.002))
    assert 0.0 <= noise < 10.0
    results = sample_results()
    results = replace(results, environment=replace(results.environment, machine_noise=noise))
    write_results(results, tmp_path)
    assert read_results(tmp_path / "results.json").environment.machine_noise == noise
    raw = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    del raw["environment"]["machine_noise"]  # a file written before the field existed
    (tmp_path / "old.json").write_text(json.dumps(raw), encoding="utf-8")
    assert read_results(tmp_path / "old.json").environment.machine_noise is None
