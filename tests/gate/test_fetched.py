"""Rows and bytes fetched between two revisions: more for the same result is a regression."""

from __future__ import annotations

from querybench.gate.fetched import compare_fetched
from querybench.runner.results import Cell


def cell(rows: int, fetched: int | None) -> Cell:
    return Cell("Demo.a", "eager", 10, "sqlite", 2, rows, None, bytes=fetched)


KEY = ("Demo.a", "eager", 10, "sqlite")


def test_more_rows_for_the_same_result_is_a_regression_naming_both_figures() -> None:
    regressions, notes = compare_fetched([cell(10, 400)], [cell(110, 4400)], (), "Fix it")
    (regression,) = regressions
    assert regression.line == (
        "Demo.a[eager] @ N=10 on sqlite: rows fetched 10 -> 110 (+100), bytes fetched "
        "400 -> 4400 (+4000) for the same result. Fix it"
    )
    assert notes == []


def test_more_bytes_alone_is_a_regression_and_unknown_bytes_are_not_compared() -> None:
    assert len(compare_fetched([cell(10, 400)], [cell(10, 480)], (), "")[0]) == 1
    assert compare_fetched([cell(10, None)], [cell(10, 480)], (), "") == ([], [])


def test_more_fetched_with_a_changed_result_or_fewer_fetched_is_a_note() -> None:
    regressions, notes = compare_fetched([cell(10, 400)], [cell(20, 800)], {KEY}, "")
    assert regressions == []
    assert [note.summary for note in notes] == [
        "rows fetched 10 -> 20 (+10), bytes fetched 400 -> 800 (+400); the result changed too"
    ]
    regressions, notes = compare_fetched([cell(10, 400)], [cell(5, 200)], (), "")
    assert regressions == []
    assert notes[0].summary == "rows fetched 10 -> 5 (-5), bytes fetched 400 -> 200 (-200)"
