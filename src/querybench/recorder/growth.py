"""Scaling verdicts: how a statement count grows with the data, from counts at several sizes."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

GrowthVerdict = Literal["constant", "linear", "superlinear", "unknown"]

CONSTANT_BELOW = 0.1
"""Log-log slopes under this are constant: 2, 2, 2, 3 statements at N = 1, 10, 100, 1000
(selectinload's 500-key chunks) fits a slope of 0.05."""

SUPERLINEAR_ABOVE = 1.2
"""Log-log slopes over this are superlinear: N log N fits about 1.4, N squared 2. Linear counts
with a constant part fit under 1 (1 + N over 1, 10, 100 fits 0.85), and 2N - 1 fits 1.15."""


@dataclass(frozen=True, slots=True)
class Growth:
    """A verdict on growth, the fitted log-log slope (None if no fit), and why, in one line."""

    verdict: GrowthVerdict
    slope: float | None
    explanation: str
    counts: tuple[tuple[int, int], ...]

    def __str__(self) -> str:
        return self.explanation


def classify_growth(
    counts: Mapping[int, int],
    *,
    constant_below: float = CONSTANT_BELOW,
    superlinear_above: float = SUPERLINEAR_ABOVE,
) -> Growth:
    """Classify statement counts measured at several sizes N as constant, linear or superlinear.

    The verdict comes from the slope of a least-squares line through (log N, log count), so
    a count proportional to N**k fits slope k. Counts equal at every size are constant, zeros
    included. Sizes with a count of 0 cannot be on a log scale and are left out of the fit; with
    fewer than two sizes left (or measured) the verdict is ``unknown``.
    """
    points = tuple(sorted(counts.items()))
    for size, count in points:
        if size <= 0 or count < 0:
            raise ValueError(
                f"classify_growth: sizes must be > 0 and counts >= 0, got {size}: {count}"
            )
    if len(points) < 2:
        shown = ", ".join(f"N={size}" for size, _ in points) or "no size"
        return Growth(
            "unknown", None, f"unknown: counts at {shown} only; measure two sizes or more", points
        )
    (first_size, first_count), (last_size, last_count) = points[0], points[-1]
    span = f"{first_count} -> {last_count} statements from N={first_size} to N={last_size}"
    if len({count for _, count in points}) == 1:
        return Growth(
            "constant", 0.0, f"constant: {first_count} statements at every N ({span})", points
        )
    fitted = [(size, count) for size, count in points if count > 0]
    if len(fitted) < 2:
        return Growth(
            "unknown",
            None,
            f"unknown: {span}, but only one size has a nonzero count to fit",
            points,
        )
    slope = statistics.linear_regression(
        [math.log(size) for size, _ in fitted], [math.log(count) for _, count in fitted]
    ).slope
    left_out = " (sizes with 0 statements left out of the fit)" if len(fitted) < len(points) else ""
    fit = f"{span}, log-log slope {slope:.2f}{left_out}"
    if slope < constant_below:
        return Growth("constant", slope, f"constant: {fit}; the count does not grow with N", points)
    if slope > superlinear_above:
        return Growth(
            "superlinear",
            slope,
            f"superlinear: {fit}; faster than N, look for nested loops",
            points,
        )
    return Growth(
        "linear", slope, f"linear: {fit}; statements grow with N, the mark of an N+1", points
    )
