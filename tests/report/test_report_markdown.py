"""The markdown summary: headline, claims, findings and the changed cells, as GitHub pipe tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from querybench.report.markdown import render_markdown
from querybench.runner.results import Cell, Results


def _table_rows(text: str, heading: str) -> list[list[str]]:
    """The rows of the first pipe table after ``heading``, as lists of cell texts."""
    lines = text.splitlines()
    after = lines.index(heading)
    start = next(i for i, line in enumerate(lines) if i > after and line.startswith("| "))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return [rows[0], *rows[2:]]  # without the |:---| rule


def test_headline_is_a_pipe_table_with_the_claims(sample_results: Results) -> None:
    text = render_markdown(sample_results)
    rows = _table_rows(text, "### On sqlite")
    assert rows[0][:8] == [
        "operation", "N", "naive queries", "eager queries", "reduction",
        "naive latency", "eager latency", "speedup",
    ]  # fmt: skip
    wrong = [row for row in rows if row[-1].endswith("WRONG")]
    assert [(row[0], row[1], row[-2], row[-1]) for row in wrong] == [
        ("PaymentRepository.get_user_payments_with_user", "10", "11 -> 1", "✗ 2 -> 1 WRONG"),
        ("PaymentRepository.get_user_payments_with_user", "100", "101 -> 1", "✗ 2 -> 1 WRONG"),
    ]
    assert "**2 of the seed's claims measured wrong**" in text
    assert "PARTIAL RUN" not in text


def test_findings_table_and_folded_example_statement(sample_results: Results) -> None:
    text = render_markdown(sample_results)
    (finding,) = _table_rows(text, "### N+1 findings")[1:]
    assert finding == [
        "PaymentRepository.get_payments_by_status[naive]",
        "lazy_load",
        "Payment.user at serialise.py:81",
        "10 at N=10, 100 at N=100",
        ".options(joinedload(Payment.user)) on the query at repositories.py:65",
    ]
    assert "```sql\nSELECT users.id,\n       users.email," in text
    assert "<details><summary>PaymentRepository.get_payments_by_status[naive]: Payment.user" in text


def test_baseline_section_lists_only_changed_cells(
    sample_results: Results, make_cell: Callable[..., Cell]
) -> None:
    slower = make_cell("QueryHelper.count", "naive", 100, 1, ms=5.0)  # now 10.3 ms
    baseline = dataclasses.replace(
        sample_results,
        cells=tuple(slower if c.key == slower.key else c for c in sample_results.cells),
    )
    text = render_markdown(sample_results, baseline=baseline)
    assert "**1 regression**, 38 cells unchanged." in text
    rows = _table_rows(text, "### Against the baseline")
    assert rows[1:] == [
        [
            "▲ regression", "QueryHelper.count", "naive", "100", "sqlite", "1",
            "5.00 ms -> 10.30 ms", "2.06x slower",
        ]
    ]  # fmt: skip


def test_failed_cells_make_a_partial_warning(
    sample_results: Results, make_cell: Callable[..., Cell]
) -> None:
    broken = make_cell("QueryHelper.count", "eager", 1000, 0, status="failed", error="boom | <b>")
    text = render_markdown(dataclasses.replace(sample_results, cells=(broken,)))
    assert "> **PARTIAL RUN**" in text
    assert "> - failed: QueryHelper.count\\[eager\\] @ N=1000 on sqlite: boom \\| &lt;b>" in text
