"""Latency: speedups within a run against the baseline's, robust to noise; absolute on request."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from querybench.gate import CheckOptions, check
from querybench.gate.latency import run_noise, speedups
from querybench.runner.results import Cell, Results
from tests.gate.edits import save, scaled, slow_down

SCENARIO = "PaymentRepository.get_payments_by_status"


def jittered(results: Results, spread: float, seed: int) -> Results:
    """Every cell's latency scaled by its own random factor in [1, 1 + spread]: a busy machine
    (contention only ever adds time)."""
    rng = random.Random(seed)

    def change(cell: Cell) -> Cell:
        if cell.latency is None:
            return cell
        return replace(cell, latency=scaled(cell.latency, 1 + rng.uniform(0, spread)))

    return replace(results, cells=tuple(change(cell) for cell in results.cells))


def judge(tmp_path: Path, baseline: Results, current: Results, **options: object):  # type: ignore[no-untyped-def]
    base = save(baseline, tmp_path / "base.json")
    results = save(current, tmp_path / "results.json")
    return check(results, base, CheckOptions(cwd=tmp_path, **options))  # type: ignore[arg-type]


def test_an_unchanged_run_passes_the_latency_gate(tmp_path: Path, real: Results) -> None:
    report = judge(tmp_path, real, real)
    assert report.exit_code == 0
    assert report.latency.judged == 15
    assert report.latency.single_size == 2
    assert report.latency.worst_change == 0
    assert report.latency.allowed_drop == 0.25


def test_a_variant_twice_as_slow_fails_with_its_speedups(tmp_path: Path, real: Results) -> None:
    report = judge(tmp_path, real, slow_down(real, SCENARIO, "eager", 2.0))
    assert report.exit_code == 1
    (regression,) = report.regressions
    assert regression.kind == "latency"
    assert regression.where == f"{SCENARIO}[eager] on sqlite"
    before = speedups(real.cells, "eager")
    figures = ", ".join(
        f"N={n} {before[(SCENARIO, n, 'sqlite')]:.2f}x -> "
        f"{before[(SCENARIO, n, 'sqlite')] / 2:.2f}x (-50%)"
        for n in (1, 10, 100)
    )
    assert regression.summary == (
        f"speedup over naive fell by more than 25% at every size: {figures} (fastest rounds)"
    )


@pytest.mark.parametrize("seed", range(5))
def test_noise_on_every_cell_does_not_flap_but_a_2x_slowdown_still_fails(
    tmp_path: Path, real: Results, seed: int
) -> None:
    noisy = jittered(real, 0.3, seed)
    assert judge(tmp_path, real, noisy).exit_code == 0
    slowed = judge(tmp_path, real, slow_down(noisy, SCENARIO, "eager", 2.0))
    assert [r.where for r in slowed.regressions] == [f"{SCENARIO}[eager] on sqlite"]


def test_a_drop_at_one_size_only_is_not_a_regression(tmp_path: Path, real: Results) -> None:
    # One cell 3x slower is what a burst of load looks like; a slower variant is slower at
    # every size.
    current = replace(
        real,
        cells=tuple(
            replace(c, latency=scaled(c.latency, 3.0))
            if c.key == (SCENARIO, "eager", 10, "sqlite") and c.latency
            else c
            for c in real.cells
        ),
    )
    report = judge(tmp_path, real, current)
    assert report.exit_code == 0
    assert report.latency.worst_cell_change == pytest.approx(-2 / 3)


def test_a_scenario_measured_at_one_size_is_not_judged_on_its_speedup(
    tmp_path: Path, real: Results
) -> None:
    single = "PaymentRepository.get_payment_by_stripe_id"
    assert {c.size for c in real.cells if c.scenario == single} == {1}
    report = judge(tmp_path, real, slow_down(real, single, "eager", 2.0))
    assert report.exit_code == 0
    assert report.latency.single_size == 2
    absolute = judge(tmp_path, real, slow_down(real, single, "eager", 2.0), absolute=True)
    assert [r.where for r in absolute.regressions] == [f"{single}[eager] @ N=1 on sqlite"]


def test_a_very_noisy_run_widens_the_allowed_drop(tmp_path: Path, real: Results) -> None:
    noisy = jittered(real, 3.0, seed=1)
    report = judge(tmp_path, real, noisy)
    assert report.latency.noise is not None
    assert report.latency.noise > 0.3
    assert report.latency.allowed_drop > 0.5
    assert report.exit_code == 0


def test_run_noise_is_a_robust_spread_of_the_speedup_changes(real: Results) -> None:
    from querybench.gate.latency import SpeedupChange

    changes = [SpeedupChange("s", "eager", n, "sqlite", 2.0, 2.0) for n in range(10)]
    assert run_noise(changes) == 0
    assert run_noise(changes[:7]) is None  # too few to tell


def test_a_faster_variant_is_a_note(tmp_path: Path, real: Results) -> None:
    report = judge(tmp_path, real, slow_down(real, SCENARIO, "eager", 0.5))
    assert report.exit_code == 0
    (note,) = [n for n in report.notes if n.kind == "improved"]
    assert note.summary.startswith("speedup over naive rose at every size: N=1 ")


def test_absolute_latency_needs_significance_and_size(tmp_path: Path, real: Results) -> None:
    everything_slower = slow_down(real, SCENARIO, "naive", 2.0)
    # Without --absolute, naive slowing down only raises eager's speedup: not a regression.
    assert judge(tmp_path, real, everything_slower).exit_code == 0
    report = judge(tmp_path, real, everything_slower, absolute=True)
    assert report.exit_code == 1
    wheres = {r.where for r in report.regressions}
    assert wheres == {f"{SCENARIO}[naive] @ N={n} on sqlite" for n in (1, 10, 100)}
    (first, *_) = report.regressions
    assert "(+100%, Mann-Whitney p=" in first.summary
    assert report.latency.absolute_judged == len([c for c in real.cells if c.latency])


def test_absolute_latency_ignores_a_move_within_the_tolerance(
    tmp_path: Path, real: Results
) -> None:
    report = judge(tmp_path, real, slow_down(real, SCENARIO, "naive", 1.2), absolute=True)
    assert report.exit_code == 0


def test_absolute_latency_skips_a_baseline_without_samples(tmp_path: Path, real: Results) -> None:
    old = replace(
        real,
        cells=tuple(
            replace(c, latency=replace(c.latency, samples=())) if c.latency else c
            for c in real.cells
        ),
    )
    report = judge(tmp_path, old, slow_down(real, SCENARIO, "naive", 2.0), absolute=True)
    assert report.exit_code == 0
    assert report.latency.absolute_judged == 0
    assert report.warnings == (
        f"--absolute: {report.latency.absolute_skipped} cells have fewer than 5 round samples on "
        "one side and were not judged; refresh the baseline with this querybench",
    )
