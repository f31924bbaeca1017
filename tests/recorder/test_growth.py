"""classify_growth: constant, linear or superlinear from counts at several sizes."""

from __future__ import annotations

import pytest

from querybench import Growth, classify_growth


@pytest.mark.parametrize(
    ("counts", "verdict", "slope"),
    [
        ({1: 2, 10: 2, 100: 2}, "constant", 0.0),
        ({1: 2, 10: 2, 100: 2, 1000: 3}, "constant", 0.05),
        ({1: 0, 10: 0, 100: 0}, "constant", 0.0),
        ({1: 2, 10: 11, 100: 101}, "linear", 0.85),
        ({1: 1, 10: 10, 100: 100}, "linear", 1.0),
        ({1: 3, 10: 21, 100: 201}, "linear", 0.91),
        ({10: 11, 100: 101, 1000: 1001}, "linear", 0.98),
        ({1: 1, 10: 100, 100: 10_000}, "superlinear", 2.0),
        ({1: 3, 10: 111, 100: 10_101}, "superlinear", 1.76),
        ({1: 10, 100: 2}, "constant", -0.35),
        ({1: 0, 10: 9, 100: 99}, "linear", 1.04),
    ],
)
def test_verdicts_and_fitted_slopes(counts: dict[int, int], verdict: str, slope: float) -> None:
    growth = classify_growth(counts)
    assert growth.verdict == verdict
    assert growth.slope == pytest.approx(slope, abs=0.005)


def test_explanations_are_one_line() -> None:
    assert str(classify_growth({1: 2, 10: 11, 100: 101})) == (
        "linear: 2 -> 101 statements from N=1 to N=100, log-log slope 0.85; "
        "statements grow with N, the mark of an N+1"
    )
    assert str(classify_growth({1: 3, 10: 3})) == (
        "constant: 3 statements at every N (3 -> 3 statements from N=1 to N=10)"
    )
    assert str(classify_growth({1: 1, 10: 100, 100: 10_000})) == (
        "superlinear: 1 -> 10000 statements from N=1 to N=100, log-log slope 2.00; "
        "faster than N, look for nested loops"
    )
    assert str(classify_growth({1: 0, 10: 9, 100: 99})).endswith(
        "log-log slope 1.04 (sizes with 0 statements left out of the fit); "
        "statements grow with N, the mark of an N+1"
    )


def test_one_size_or_one_nonzero_count_is_unknown() -> None:
    assert classify_growth({10: 11}) == Growth(
        "unknown", None, "unknown: counts at N=10 only; measure two sizes or more", ((10, 11),)
    )
    assert classify_growth({}).verdict == "unknown"
    assert classify_growth({1: 0, 10: 0, 100: 5}) == Growth(
        "unknown",
        None,
        "unknown: 0 -> 5 statements from N=1 to N=100, but only one size has a nonzero count "
        "to fit",
        ((1, 0), (10, 0), (100, 5)),
    )


@pytest.mark.parametrize("counts", [{0: 1, 10: 2}, {1: -1, 10: 2}])
def test_sizes_must_be_positive_and_counts_not_negative(counts: dict[int, int]) -> None:
    with pytest.raises(ValueError, match="sizes must be > 0 and counts >= 0"):
        classify_growth(counts)
