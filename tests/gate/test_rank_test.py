"""The gate's rank test against its definition: the share of all orderings as extreme as seen.

(Checked once against scipy.stats.mannwhitneyu(..., alternative="greater") on 3,000 random
pairs of samples of 1-15 values, ties included: equal to 1e-15. scipy is no longer installed.)
"""

from __future__ import annotations

import itertools
import random

import pytest

from querybench.gate.rank_test import greater_p_value


def permutation_p_value(x: list[float], y: list[float]) -> float:
    """P(U >= observed U) over every way to split the pooled values into samples of these sizes."""

    def u_statistic(first: tuple[float, ...], second: list[float]) -> float:
        return sum((a > b) + 0.5 * (a == b) for a in first for b in second)

    pooled = [*x, *y]
    observed = u_statistic(tuple(x), y)
    splits = list(itertools.combinations(range(len(pooled)), len(x)))
    extreme = 0
    for chosen in splits:
        first = tuple(pooled[i] for i in chosen)
        rest = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        extreme += u_statistic(first, rest) >= observed - 1e-9
    return extreme / len(splits)


@pytest.mark.parametrize("sizes", [(1, 1), (3, 5), (5, 5), (8, 3), (2, 9)])
def test_small_samples_without_ties_get_the_exact_p_value(sizes: tuple[int, int]) -> None:
    rng = random.Random(sum(sizes))
    for _ in range(5):
        x = [rng.random() + 0.3 for _ in range(sizes[0])]
        y = [rng.random() for _ in range(sizes[1])]
        assert greater_p_value(x, y) == pytest.approx(permutation_p_value(x, y), abs=1e-12)


def test_larger_or_tied_samples_are_close_to_the_exact_p_value() -> None:
    rng = random.Random(7)
    x = [rng.random() + 0.2 for _ in range(9)]
    y = [rng.random() for _ in range(9)]
    assert greater_p_value(x, y) == pytest.approx(permutation_p_value(x, y), abs=0.01)
    tied_x = [rng.randint(0, 4) + 1.0 for _ in range(6)]
    tied_y = [rng.randint(0, 4) + 0.0 for _ in range(6)]
    assert greater_p_value(tied_x, tied_y) == pytest.approx(
        permutation_p_value(tied_x, tied_y), abs=0.03
    )


def test_slower_rounds_are_significant_and_equal_ones_are_not() -> None:
    faster = [1.0, 1.1, 0.9, 1.05, 0.95, 1.02]
    assert greater_p_value([x * 2 for x in faster], faster) < 0.01
    assert greater_p_value(faster, faster) > 0.4
    assert greater_p_value([1.0] * 5, [1.0] * 5) == 1.0
    with pytest.raises(ValueError, match="at least one value on each side"):
        greater_p_value([], [1.0])
