"""The noisy part of the gate: latency, judged so that a busy machine does not make it flap.

By default only the *speedup* of each variant over ``naive`` is compared: both are measured in
the same run, seconds apart, so a slower machine slows both. Each speedup uses the fastest round
of each cell (contention only ever adds time, so the fastest round is the least disturbed), and
a variant regresses only when its speedup fell by more than the tolerance at *every* size of the
scenario: a real slowdown shows at every size, a burst of load on a busy machine rarely does.
So a scenario measured at one size only is not judged on its speedup (one cell cannot be told
from a burst of load); ``--absolute`` still judges its cells.

The tolerance widens on a noisy run. Most speedups do not change between two runs, so the
spread of all the run's speedup changes (a median absolute deviation, scaled to a standard
deviation) measures the noise of this very run; a drop must also exceed ``NOISE_SIGMAS`` of it.

Absolute latencies are compared only on request, cell by cell, with a Mann-Whitney U test on
the rounds (p below ``ALPHA``) *and* a change of the median beyond the tolerance.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from querybench.gate.rank_test import greater_p_value
from querybench.gate.verdict import LatencySummary, Verdict
from querybench.runner.results import Cell

JUDGED_VARIANT = "eager"
NOISE_SIGMAS = 2.0
"""How many of the run's noise (a robust standard deviation of one cell's speedup change) a drop
must also exceed. Two, with the every-size rule and a best-of-3 baseline, raised no false alarm
in 33 runs of the tiny dataset on a loaded 2-core machine; three caught half as many 2x
slowdowns there. See tests/gate/measure_flapping.py."""
MIN_PAIRS_FOR_NOISE = 8
MIN_SIZES = 2
ALPHA = 0.01
MIN_SAMPLES = 5
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class SpeedupChange:
    """The speedup of a variant over naive at one size, in the baseline and now."""

    scenario: str
    variant: str
    size: int
    backend: str
    old: float
    new: float

    @property
    def change(self) -> float:
        """Relative change: -0.5 is half the speedup."""
        return self.new / self.old - 1


def _fastest(cell: Cell | None) -> float | None:
    if cell is None or cell.status != "ok" or cell.latency is None:
        return None
    return cell.latency.minimum if cell.latency.minimum > 0 else None


def speedups(cells: Sequence[Cell], variant: str) -> dict[tuple[str, int, str], float]:
    """naive's fastest round over ``variant``'s, per scenario, size and backend."""
    by_key = {cell.key: cell for cell in cells}
    found = {}
    for (scenario, name, size, backend), cell in by_key.items():
        if name != variant:
            continue
        fast, naive = _fastest(cell), _fastest(by_key.get((scenario, "naive", size, backend)))
        if fast is not None and naive is not None:
            found[(scenario, size, backend)] = naive / fast
    return found


def run_noise(changes: Sequence[SpeedupChange]) -> float | None:
    """The run's noise: a robust standard deviation of the log speedup changes (None: too few)."""
    if len(changes) < MIN_PAIRS_FOR_NOISE:
        return None
    logs = [math.log(change.new / change.old) for change in changes]
    centre = statistics.median(logs)
    return MAD_TO_SIGMA * statistics.median(abs(value - centre) for value in logs)


def _figures(rows: Sequence[SpeedupChange]) -> str:
    return ", ".join(f"N={r.size} {r.old:.2f}x -> {r.new:.2f}x ({r.change:+.0%})" for r in rows)


def compare_speedups(
    baseline: Sequence[Cell], current: Sequence[Cell], tolerance: float, refresh: str
) -> tuple[list[Verdict], list[Verdict], LatencySummary]:
    """Regressions (speedup fell at every size beyond the allowed drop) and notes (it rose)."""
    before, now = speedups(baseline, JUDGED_VARIANT), speedups(current, JUDGED_VARIANT)
    changes = [
        SpeedupChange(key[0], JUDGED_VARIANT, key[1], key[2], before[key], speedup)
        for key, speedup in now.items()
        if key in before
    ]
    noise = run_noise(changes)
    allowed = max(tolerance, (1 - math.exp(-NOISE_SIGMAS * noise)) if noise else 0.0)
    series: dict[tuple[str, str], list[SpeedupChange]] = defaultdict(list)
    for change in changes:
        series[(change.scenario, change.backend)].append(change)
    regressions: list[Verdict] = []
    notes: list[Verdict] = []
    judged = []
    single = [key for key, rows in series.items() if len(rows) < MIN_SIZES]
    for (scenario, backend), rows in series.items():
        if len(rows) < MIN_SIZES:
            continue
        rows.sort(key=lambda row: row.size)
        least = max(rows, key=lambda row: row.change)  # the size that dropped least decides
        judged.append(least.change)
        if least.change < -allowed:
            summary = (
                f"speedup over naive fell by more than {allowed:.0%} at every size: "
                f"{_figures(rows)} (fastest rounds)"
            )
            hint = f"Fix the code, or accept with: {refresh}"
            place = (scenario, JUDGED_VARIANT, None, backend)
            regressions.append(Verdict("latency", *place, summary, hint, least.old, least.new))
        elif min(row.change for row in rows) > allowed:
            summary = f"speedup over naive rose at every size: {_figures(rows)}"
            notes.append(Verdict("improved", scenario, JUDGED_VARIANT, None, backend, summary))
    overview = LatencySummary(
        judged=len(judged),
        single_size=len(single),
        tolerance=tolerance,
        noise=noise,
        allowed_drop=allowed,
        worst_change=min(judged, default=None),
        worst_cell_change=min((change.change for change in changes), default=None),
    )
    return regressions, notes, overview


def _significantly_slower(cell: Cell, old: Cell, tolerance: float, refresh: str) -> Verdict | None:
    """The verdict on one cell whose both sides have enough samples, or None if not slower."""

    assert old.latency is not None and cell.latency is not None  # noqa: PT018  # checked by caller
    before, after = old.latency, cell.latency
    ratio = after.median / before.median
    if ratio <= 1 + tolerance:
        return None
    p_value = greater_p_value(after.samples, before.samples)
    if p_value >= ALPHA:
        return None
    summary = (
        f"latency median {before.median * 1e3:.3g} ms -> {after.median * 1e3:.3g} ms "
        f"({ratio - 1:+.0%}, Mann-Whitney p={p_value:.2g} over {len(before.samples)} and "
        f"{len(after.samples)} rounds)"
    )
    place = (cell.scenario, cell.variant, cell.size, cell.backend)
    hint = f"Fix the code, or accept with: {refresh}"
    return Verdict("latency", *place, summary, hint, before.median, after.median)


def compare_absolute(
    baseline: Sequence[Cell], current: Sequence[Cell], tolerance: float, refresh: str
) -> tuple[list[Verdict], int, int]:
    """Cells significantly slower than in the baseline; also how many were judged and skipped."""
    base_by_key = {cell.key: cell for cell in baseline}
    regressions = []
    judged = skipped = 0
    for cell in current:
        old = base_by_key.get(cell.key)
        if old is None or _fastest(old) is None or _fastest(cell) is None:
            continue
        counts = [len(c.latency.samples) if c.latency else 0 for c in (old, cell)]
        if min(counts) < MIN_SAMPLES:
            skipped += 1
            continue
        judged += 1
        verdict = _significantly_slower(cell, old, tolerance, refresh)
        if verdict is not None:
            regressions.append(verdict)
    return regressions, judged, skipped
