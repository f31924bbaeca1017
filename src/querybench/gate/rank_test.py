"""The one-sided Mann-Whitney U test the ``--absolute`` gate asks: are these rounds slower?

A few lines in place of scipy (142 MB installed) for the one function the harness used. It
follows ``scipy.stats.mannwhitneyu(x, y, alternative="greater")`` with its default method: the
exact distribution of U when either sample has at most 8 values and none are tied, else the
normal approximation with the tie correction and the continuity correction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EXACT_MAX_SIZE = 8


def _ranks(values: Sequence[float]) -> tuple[list[float], list[int]]:
    """Ranks from 1 (ties get their average rank) and the size of each group of tied values."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    groups: list[int] = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        groups.append(end - start + 1)
        start = end + 1
    return ranks, groups


def _u_counts(n1: int, n2: int) -> list[int]:
    """How many of the C(n1 + n2, n1) orderings give U = 0, 1, ..., n1 * n2 (no ties).

    They are the coefficients of the Gaussian binomial [n1 + n2 choose n1] in q, the product of
    (1 - q^(n2 + i)) / (1 - q^i) for i = 1..n1, computed on truncated series: dividing by
    (1 - q^i) is a running sum with stride i.
    """
    size = n1 * n2 + 1
    counts = [1] + [0] * (size - 1)
    for i in range(1, n1 + 1):
        for degree in range(size - 1, n2 + i - 1, -1):
            counts[degree] -= counts[degree - n2 - i]
        for degree in range(i, size):
            counts[degree] += counts[degree - i]
    return counts


def greater_p_value(x: Sequence[float], y: Sequence[float]) -> float:
    """The p-value of "x tends to be greater than y" (one-sided Mann-Whitney U)."""
    n1, n2 = len(x), len(y)
    if not n1 or not n2:
        raise ValueError("the rank test needs at least one value on each side")
    ranks, groups = _ranks([*x, *y])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    tied = any(group > 1 for group in groups)
    if min(n1, n2) <= EXACT_MAX_SIZE and not tied:
        counts = _u_counts(n1, n2)
        return sum(counts[round(u1) :]) / math.comb(n1 + n2, n1)
    n = n1 + n2
    tie_term = sum(group**3 - group for group in groups) / (n * (n - 1))
    spread = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term))
    if spread == 0:  # every value equal: nothing is greater
        return 1.0
    z = (u1 - n1 * n2 / 2 - 0.5) / spread
    return min(1.0, max(0.0, 0.5 * math.erfc(z / math.sqrt(2))))
