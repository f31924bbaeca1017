"""The paired latency verdict on synthetic rounds: exact decisions, no timing involved."""

from __future__ import annotations

import random

import pytest
from scipy.stats import wilcoxon

from querybench.gate.paired import MIN_PAIRS, holm, judge_paired, paired_change, signed_rank_p
from querybench.runner.results import Cell
from querybench.runner.timing import Latency

JITTER = (1.00, 1.03, 0.98, 1.01, 0.97, 1.02, 0.99, 1.04, 0.96, 1.00, 1.01, 0.99, 1.02, 0.98, 1.0)


def cell(name: str, samples: list[float]) -> Cell:
    return Cell(name, "eager", 10, "sqlite", 1, 1, Latency.of(samples))


def rounds(scale: float = 1.0, jitter: tuple[float, ...] = JITTER) -> list[float]:
    """Fifteen round times around ``scale`` ms, each with its own bit of noise."""
    return [scale * 1e-3 * factor for factor in jitter]


@pytest.mark.parametrize("count", [6, 9, 15, 30])
@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_the_signed_rank_p_value_is_scipys_exact_one(count: int, alternative: str) -> None:
    draw = random.Random(count)
    for _ in range(25):
        differences = [draw.gauss(0.1, 1.0) for _ in range(count)]
        expected = wilcoxon(differences, alternative=alternative, method="exact").pvalue
        assert signed_rank_p(differences, alternative) == pytest.approx(expected, abs=1e-12)  # type: ignore[arg-type]


def test_the_smallest_signed_rank_p_is_one_over_two_to_the_pairs() -> None:
    assert signed_rank_p([0.5] * 15, "greater") == 1 / 2**15
    assert signed_rank_p([0.5] * 15, "less") == 1.0
    assert signed_rank_p([0.0] * 15, "greater") == 1.0


def test_holm_adjusts_step_down_and_keeps_the_order() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])
    assert holm([]) == []


def test_a_1_5x_slower_cell_among_190_unchanged_ones_is_the_only_regression() -> None:
    draw = random.Random(7)
    base, head = [], []
    for number in range(190):
        name = f"Demo.scenario{number}"
        shuffled = list(JITTER)
        draw.shuffle(shuffled)  # head's noise is not base's: pairs differ a little both ways
        base.append(cell(name, rounds()))
        slowed = number == 42  # exactly 1.5x in every pair: the smallest p, 2**-15
        head.append(cell(name, rounds(1.5) if slowed else rounds(1.0, tuple(shuffled))))
    regressions, notes, summary = judge_paired(base, head)
    (regression,) = regressions
    assert regression.where == "Demo.scenario42[eager] @ N=10 on sqlite"
    assert regression.summary == (
        "latency 1.50x the base's (median of 15 paired rounds; Wilcoxon signed-rank against "
        f"1.10x, Holm-adjusted p={190 / 2**15:.2g})"
    )
    assert notes == []
    assert (summary.judged, summary.pairs, summary.method) == (190, 15, "paired")


def test_a_consistent_difference_below_the_minimum_effect_is_no_regression() -> None:
    base, head = cell("Demo.a", rounds()), cell("Demo.a", rounds(1.08))
    assert judge_paired([base], [head], min_effect=0.10)[0] == []
    assert len(judge_paired([base], [head], min_effect=0.05)[0]) == 1


def test_a_faster_cell_is_a_note_not_a_regression() -> None:
    regressions, notes, _ = judge_paired([cell("Demo.a", rounds())], [cell("Demo.a", rounds(0.5))])
    assert regressions == []
    (note,) = notes
    assert note.kind == "improved"
    assert note.summary.startswith("latency 0.50x the base's")


def test_one_disturbed_pair_does_not_hide_a_real_slowdown_nor_make_one() -> None:
    burst = [*rounds()]
    burst[3] *= 5  # one round of the base hit by a burst of load
    slower = [1.5 * value for value in rounds()]
    assert len(judge_paired([cell("Demo.a", rounds())], [cell("Demo.a", burst)])[0]) == 0
    assert len(judge_paired([cell("Demo.a", burst)], [cell("Demo.a", slower)])[0]) == 1


def test_too_few_pairs_are_not_judged() -> None:
    few = rounds()[: MIN_PAIRS - 1]
    assert paired_change(("Demo.a", "eager", 10, "sqlite"), few, few) is None
    _, _, summary = judge_paired([cell("Demo.a", few)], [cell("Demo.a", few)])
    assert summary.judged == 0
