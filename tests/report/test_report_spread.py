"""Measurement spread: every timed cell's CV, and one summary sentence for every renderer."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console

from querybench.report.html import render_html
from querybench.report.markdown import render_markdown
from querybench.report.spread import percent, spread_summary
from querybench.report.terminal import print_summary
from querybench.runner.results import Cell, Environment, Results
from querybench.runner.timing import Latency
from querybench.runner.timing import is_disturbed as is_noisy

Parse = Callable[[str], Any]
COUNT = "QueryHelper.count"
# The three timed cells of ``mixed`` and the failed one, as the summary names them.
SENTENCE = (
    "Spread: coefficient of variation under 10% in 1 of 3 timed cells (33%); "
    "2 at 10% or more: QueryHelper.count[naive] @ N=100 on sqlite 30.0%, "
    "QueryHelper.count[eager] @ N=10 on sqlite 12.0%."
)


def timed(make_cell: Callable[..., Cell], variant: str, size: int, cv: float, **kw: int) -> Cell:
    """A QueryHelper.count cell whose rounds have a mean of 1 ms and the given CV."""
    latency = Latency(
        median=0.001, q1=0.0009, q3=0.0011, minimum=0.0008, mean=0.001, stdev=0.001 * cv,
        rounds=kw.get("rounds", 12), calls_per_round=kw.get("calls", 40),
    )  # fmt: skip
    return dataclasses.replace(make_cell(COUNT, variant, size, 1), latency=latency)


@pytest.fixture
def mixed(make_cell: Callable[..., Cell], make_environment: Callable[..., Environment]) -> Results:
    """CVs of 5%, 12% and 30%, and a failed cell, in an order the table must not keep."""
    cells = (
        timed(make_cell, "naive", 100, 0.30, rounds=6, calls=1),
        timed(make_cell, "eager", 10, 0.12),
        timed(make_cell, "naive", 10, 0.05, rounds=25, calls=80),
        make_cell(COUNT, "eager", 100, 0, status="failed", error="OperationalError: locked"),
    )
    return Results(environment=make_environment(), cells=cells)


def test_summary_counts_only_timed_cells_and_names_those_over_the_limit(mixed: Results) -> None:
    spread = spread_summary(mixed.cells)
    assert (spread.timed, spread.steady, spread.noisy) == (3, 1, 2)
    assert spread.share == pytest.approx(1 / 3)
    assert [cell.size for cell in spread.worst] == [100, 10, 10]  # 30%, 12%, then 5%
    assert spread.sentence() == SENTENCE


def test_the_machine_noise_is_quoted_in_every_renderer(mixed: Results) -> None:
    noisy_machine = dataclasses.replace(
        mixed, environment=dataclasses.replace(mixed.environment, machine_noise=0.0735)
    )
    clause = (
        " The machine's own noise (a CPU-bound control loop timed the same way, before the "
        "first cell): CV 7.3%."
    )
    assert spread_summary(mixed.cells, machine_noise=0.0735).sentence() == SENTENCE + clause
    html = render_html(noisy_machine).replace("&#39;", "'")  # autoescape
    assert (SENTENCE + clause) in html
    assert "CPU-bound control loop" in render_markdown(noisy_machine)
    out = io.StringIO()
    print_summary(Console(file=out, width=400), mixed.cells, machine_noise=0.0735)
    assert (SENTENCE + clause) in out.getvalue()


def test_cells_measured_again_are_counted(make_cell: Callable[..., Cell]) -> None:
    first = timed(make_cell, "naive", 1, 0.05)
    again = timed(make_cell, "naive", 10, 0.04)
    assert again.latency is not None
    again = dataclasses.replace(again, latency=dataclasses.replace(again.latency, attempts=2))
    assert spread_summary([first, again]).sentence() == (
        "Spread: coefficient of variation under 10% in every timed cell (2); the highest: "
        "QueryHelper.count[naive] @ N=1 on sqlite 5.0%. 1 cell was measured again after a "
        "disturbed attempt (CV 10% or more; the last attempt is kept)."
    )


def test_more_than_three_over_the_limit_names_the_worst_three(
    make_cell: Callable[..., Cell],
) -> None:
    cvs = {1: 0.11, 2: 0.15, 3: 0.40, 4: 0.20, 5: 0.12, 6: 0.02}
    cells = [timed(make_cell, "naive", size, cv) for size, cv in cvs.items()]
    assert spread_summary(cells).sentence() == (
        "Spread: coefficient of variation under 10% in 1 of 6 timed cells (16%); "
        "5 at 10% or more, the worst: QueryHelper.count[naive] @ N=3 on sqlite 40.0%, "
        "QueryHelper.count[naive] @ N=4 on sqlite 20.0%, "
        "QueryHelper.count[naive] @ N=2 on sqlite 15.0%."
    )


def test_a_run_with_every_cell_under_the_limit_says_so(make_cell: Callable[..., Cell]) -> None:
    cells = [timed(make_cell, "naive", 10, 0.02), timed(make_cell, "eager", 10, 0.07)]
    assert spread_summary(cells).sentence() == (
        "Spread: coefficient of variation under 10% in every timed cell (2); "
        "the highest: QueryHelper.count[eager] @ N=10 on sqlite 7.0%."
    )


def test_a_run_where_every_cell_failed_has_no_spread(make_cell: Callable[..., Cell]) -> None:
    spread = spread_summary([make_cell(COUNT, "naive", 1, 0, status="failed", error="boom")])
    assert (spread.timed, spread.share, spread.worst) == (0, None, ())
    assert spread.sentence() == (
        "Spread: no cell was timed, so there is no coefficient of variation to report."
    )


@pytest.mark.parametrize(
    ("fraction", "decimals", "text"),
    [
        (0.0996, 1, "9.9%"),  # truncated: it is under 10%, so it never reads 10.0%
        (0.123, 1, "12.3%"),  # 0.123 * 1000 is 122.99999999999999 in floating point
        (0.3, 1, "30.0%"),
        (0.0, 1, "0.0%"),
        (0.896, 0, "89%"),  # short of a 90% target, so it does not read 90%
        (0.1, 0, "10%"),
        (1.0, 0, "100%"),
    ],
)
def test_percent_truncates_so_no_text_crosses_a_threshold(
    fraction: float, decimals: int, text: str
) -> None:
    assert percent(fraction, decimals) == text


def test_a_stdev_of_exactly_a_tenth_of_the_mean_counts_as_ten_percent() -> None:
    # 0.0013 * 0.1 / 0.0013 is 0.09999999999999999: it reads 10.0%, so it must count as 10%.
    cv = Latency(0.0013, 0.0012, 0.0014, 0.0011, 0.0013, 0.0013 * 0.1, 5).cv
    assert cv < 0.1
    assert (percent(cv), is_noisy(cv)) == ("10.0%", True)
    assert is_noisy(0.0999) is False


def test_terminal_prints_the_sentence_on_one_line_after_the_tables(mixed: Results) -> None:
    out = io.StringIO()
    print_summary(Console(file=out, width=100, color_system=None), mixed.cells)
    lines = out.getvalue().splitlines()
    spread_line = f"{SENTENCE} Every cell's CV is in results.csv and report.html."
    assert lines.count(spread_line) == 1
    headline = next(i for i, line in enumerate(lines) if line.startswith("Before / after on"))
    failed = next(i for i, line in enumerate(lines) if line.startswith("failed "))
    assert headline < lines.index(spread_line) < failed


def test_markdown_has_the_sentence_escaped(mixed: Results) -> None:
    lines = render_markdown(mixed).splitlines()
    escaped = SENTENCE.replace("[", "\\[").replace("]", "\\]")
    assert lines.count(escaped) == 1
    assert lines.index(escaped) > lines.index("### On sqlite")


def test_html_lists_every_timed_cell_sorted_with_its_cv_and_marks_the_noisy(
    mixed: Results, parse: Parse
) -> None:
    page = parse(render_html(mixed))
    (section,) = [s for s in page.find_all("section") if s.attrs.get("id") == "spread"]
    (summary,) = section.find_all("p", "spread-summary")
    assert summary.text() == SENTENCE
    (details,) = section.find_all("details")
    assert "open" not in details.attrs
    (table,) = details.find_all("table", "spread")
    assert table.rows() == [
        [
            "operation",
            "variant",
            "N",
            "backend",
            "median",
            "IQR",
            "CV",
            "rounds × calls",
            "attempt",
        ],
        [COUNT, "naive", "10", "sqlite", "1.00 ms", "200 µs", "5.0%", "25 × 80", "1"],
        [COUNT, "naive", "100", "sqlite", "1.00 ms", "200 µs", "30.0%", "6 × 1", "1"],
        [COUNT, "eager", "10", "sqlite", "1.00 ms", "200 µs", "12.0%", "12 × 40", "1"],
    ]
    # Every cell of the 30% and 12% rows carries the mark, no cell of the 5% row does.
    marks = [["noisy" in td.classes for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]]
    assert marks == [[False] * 9, [True] * 9, [True] * 9]
    assert [td.text() for td in table.find_all("td", "cv") if "noisy" in td.classes] == [
        "30.0%",
        "12.0%",
    ]
    toc = page.find_all("nav", "toc")[0]
    assert "#spread" in [a.attrs.get("href") for a in toc.find_all("a")]


def test_html_without_a_timed_cell_has_the_sentence_and_no_table(
    mixed: Results, parse: Parse
) -> None:
    failed_only = dataclasses.replace(mixed, cells=mixed.cells[3:])
    page = parse(render_html(failed_only))
    (section,) = [s for s in page.find_all("section") if s.attrs.get("id") == "spread"]
    assert section.find_all("p", "spread-summary")[0].text().startswith("Spread: no cell was timed")
    assert section.find_all("table") == []
