"""Per-cell changes against a baseline: exact counts, noise-aware latency, regressions first."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from querybench.report.compare import compare
from querybench.runner.results import Cell

MakeCell = Callable[..., Cell]


@pytest.mark.parametrize(
    ("base", "now", "status", "reasons"),
    [
        ({"queries": 2}, {"queries": 3}, "regression", ("1 more statements",)),
        ({"queries": 12}, {"queries": 2}, "improved", ("10 fewer statements",)),
        ({"ms": 1.0}, {"ms": 2.0}, "regression", ("2.00x slower",)),
        ({"ms": 2.0}, {"ms": 1.0}, "improved", ("2.00x faster",)),
        ({"ms": 1.0}, {"ms": 1.2}, "unchanged", ()),  # within the 25% tolerance
        ({"ms": 1.0}, {"ms": 1.0}, "unchanged", ()),
    ],
)
def test_counts_are_exact_and_latency_needs_tolerance_and_no_overlap(
    make_cell: MakeCell,
    base: dict[str, float],
    now: dict[str, float],
    status: str,
    reasons: tuple[str, ...],
) -> None:
    before = make_cell("S.m", "naive", 10, **{"queries": 2, **base})
    after = make_cell("S.m", "naive", 10, **{"queries": 2, **now})
    (change,) = compare([before], [after])
    assert (change.status, change.reasons) == (status, reasons)


def test_a_slower_median_inside_the_noise_is_not_a_regression(make_cell: MakeCell) -> None:
    before = make_cell("S.m", "naive", 10, 2, ms=1.0)
    noisy = make_cell("S.m", "naive", 10, 2, ms=1.5)
    assert noisy.latency is not None
    # 1.5x the median, but the rounds spread down to 0.9 ms: the IQRs overlap
    wide = dataclasses.replace(noisy, latency=dataclasses.replace(noisy.latency, q1=0.0009))
    (change,) = compare([before], [wide])
    assert change.status == "unchanged"
    assert change.latency_ratio == pytest.approx(1.5)


def test_failed_missing_and_new_cells_and_the_order(make_cell: MakeCell) -> None:
    base = [
        make_cell("S.m", "naive", 1, 2),
        make_cell("S.m", "eager", 1, 1),
        make_cell("S.m", "joined", 1, 1),
    ]
    now = [
        make_cell("S.m", "naive", 1, 2),
        make_cell("S.m", "eager", 1, 0, status="failed", error="OperationalError: gone"),
        make_cell("S.m", "selectin", 1, 2),
    ]
    changes = compare(base, now)
    assert [(c.variant, c.status, c.reasons) for c in changes] == [
        ("eager", "regression", ("failed: OperationalError: gone",)),
        ("joined", "missing", ("in the baseline, not in this run",)),
        ("selectin", "new", ("not in the baseline",)),
        ("naive", "unchanged", ()),
    ]
    assert changes[0].queries is None
    assert changes[0].base_queries == 1
