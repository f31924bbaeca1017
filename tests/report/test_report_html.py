"""The HTML report's content: headline, claims, charts, findings, statements, baseline, banner."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from querybench.report.html import render_html
from querybench.runner.results import Cell, Results

Parse = Callable[[str], Any]


def _headline_rows(page: Any) -> list[list[str]]:
    (table,) = page.find_all("table", "headline")
    return table.rows()


def test_headline_has_the_seeds_columns_and_measured_numbers(
    sample_html: str, parse: Parse
) -> None:
    rows = _headline_rows(parse(sample_html))
    assert rows[0][:8] == [
        "operation", "N", "naive queries", "eager queries", "reduction",
        "naive latency", "eager latency", "speedup",
    ]  # fmt: skip
    by_status_100 = next(
        r for r in rows if r[0] == "PaymentRepository.get_payments_by_status" and r[1] == "100"
    )
    # naive 101 statements and 20.50 ms, eager 1 statement and 5.40 ms (see conftest)
    assert by_status_100[2:8] == ["101", "1", "101.0x", "20.50 ms", "5.40 ms", "3.8x"]
    assert len(rows) == 1 + 3 * 3  # header + three scenarios at three sizes


def test_wrong_seed_claim_is_marked_and_a_true_one_is_not(sample_html: str, parse: Parse) -> None:
    page = parse(sample_html)
    (table,) = page.find_all("table", "headline")
    wrong = [td.text() for td in table.find_all("td", "claim-wrong")]
    holds = [td.text() for td in table.find_all("td", "claim-holds")]
    # The seed says 11 -> 1 and 101 -> 1 for one user's payments; naive emits 2 (identity map).
    assert wrong == ["11 -> 1", "✗ 2 -> 1 WRONG", "101 -> 1", "✗ 2 -> 1 WRONG"]
    assert holds == ["11 -> 1", "✓ 11 -> 1 holds", "101 -> 1", "✓ 101 -> 1 holds"]
    callout = next(p for p in page.find_all("p", "callout"))
    assert callout.text().startswith("2 of 4 measured seed claims are wrong")
    (claims,) = page.find_all("table", "claims")
    assert [row[-1] for row in claims.rows()[1:]].count("WRONG") == 2


def test_every_scenario_has_its_charts_as_inline_svg(
    sample_html: str, parse: Parse, expected_charts: int
) -> None:
    page = parse(sample_html)
    sections = page.find_all("section", "scenario")
    charts = {s.find_all("h2")[0].text(): len(s.find_all("svg")) for s in sections}
    assert charts == {
        "PaymentRepository.get_payments_by_status": 3,  # statements, latency, strategies
        "PaymentRepository.get_user_payments_with_user": 4,  # ... and rows fetched
        "QueryHelper.count": 2,  # no loader strategies, no rows
    }
    assert len(page.find_all("svg")) == expected_charts
    captions = [f.find_all("figcaption")[0].text() for f in page.find_all("figure")]
    assert sum(c.startswith("Latency vs N.") and "interquartile" in c for c in captions) == 3


def test_strategy_chart_marks_the_fastest_loader_at_every_size(
    sample_html: str, parse: Parse
) -> None:
    page = parse(sample_html)
    (section,) = [s for s in page.find_all("section", "scenario") if "by-status" in s.attrs["id"]]
    strategy = section.find_all("svg")[2]
    labels = [t.text() for t in strategy.find_all("text")]
    # joined is the fastest of the three at N=1, 10 and 100 in the sample: one "best" per size
    assert labels.count("best") == 3
    assert {"joined", "selectin", "subquery"} <= set(labels)


def test_rows_not_reported_are_said_so_not_plotted_as_zero(sample_html: str, parse: Parse) -> None:
    page = parse(sample_html)
    notes = {
        s.attrs["id"]: " ".join(p.text() for p in s.find_all("p", "note"))
        for s in page.find_all("section", "scenario")
    }
    by_status = next(text for anchor, text in notes.items() if "by-status" in anchor)
    assert "not reported by the driver (pysqlite) for any variant" in by_status
    reported = next(text for anchor, text in notes.items() if "with-user" in anchor)
    assert "not reported" not in reported


def test_findings_show_relationship_repeats_formatted_sql_and_fix(
    sample_html: str, parse: Parse
) -> None:
    page = parse(sample_html)
    (finding,) = page.find_all("article", "finding")
    text = finding.text()
    assert "PaymentRepository.get_payments_by_status[naive]: lazy load of Payment.user" in text
    assert "Payment.user at serialise.py:81" in text
    assert "10 at N=10, 100 at N=100" in text
    assert ".options(joinedload(Payment.user))" in text
    (sql,) = finding.find_all("pre", "sql")
    # sqlparse reindented it: one column per line, keywords upper-case
    assert sql.children[0].splitlines() == [
        "SELECT users.id,",
        "       users.email,",
        "       users.full_name",
        "FROM users",
        "WHERE users.id = ?",
    ]


def test_statements_are_grouped_by_fingerprint_with_counts_per_size(
    sample_html: str, parse: Parse
) -> None:
    page = parse(sample_html)
    section = page.find_all("section", "scenario")[0]
    (table,) = section.find_all("table", "statements")
    rows = table.rows()
    assert rows[0] == [
        "variant",
        "N=1",
        "N=10",
        "N=100",
        "time at largest N",
        "statement (fingerprint)",
    ]
    assert rows[1] == ["naive", "2", "11", "101", "10.25 ms", "SELECT naive FROM t WHERE n = ?"]


def test_partial_banner_lists_failed_cells(
    sample_results: Results, sample_html: str, parse: Parse, make_cell: Callable[..., Cell]
) -> None:
    assert parse(sample_html).find_all("div", "partial") == []
    broken = make_cell(
        "QueryHelper.count", "eager", 1000, 0, status="failed", error="OperationalError: locked"
    )
    failed = dataclasses.replace(sample_results, cells=(*sample_results.cells, broken))
    (banner,) = parse(render_html(failed)).find_all("div", "partial")
    assert banner.text().startswith("PARTIAL RUN")
    assert "QueryHelper.count[eager] @ N=1000 on sqlite: OperationalError: locked" in banner.text()
    interrupted = dataclasses.replace(sample_results, partial=True)
    (banner,) = parse(render_html(interrupted)).find_all("div", "partial")
    assert "interrupted" in banner.text()


def test_baseline_lists_regressions_first_and_marks_them(
    sample_results: Results, parse: Parse
) -> None:
    def fewer_queries(cell: Cell) -> Cell:
        if (cell.scenario, cell.variant, cell.size) == ("QueryHelper.count", "eager", 100):
            return dataclasses.replace(cell, queries=0)  # so this run has 1 more
        return cell

    baseline = dataclasses.replace(
        sample_results, cells=tuple(fewer_queries(c) for c in sample_results.cells)
    )
    page = parse(render_html(sample_results, baseline=baseline))
    (table,) = page.find_all("table", "baseline")
    first = table.find_all("tr")[1]
    assert [td.text() for td in first.find_all("td")] == [
        "▲ regression", "QueryHelper.count", "eager", "100", "sqlite", "0 -> 1", "300 µs",
        "1 more statements",
    ]  # fmt: skip
    assert all("regression" in td.classes for td in first.find_all("td"))
    statuses = [tr.find_all("td")[0].text() for tr in table.find_all("tr")[1:]]
    assert statuses.count("▲ regression") == 1
    assert set(statuses[1:]) == {"unchanged"}


def test_environment_names_versions_backend_rtt_dataset_machine_commit_date(
    sample_html: str, parse: Parse
) -> None:
    (env,) = parse(sample_html).find_all("section", "env")
    text = env.text()
    for expected in (
        "Python 3.11.7", "SQLAlchemy 2.1.9", "querybench 0.1.0",
        "sqlite via pysqlite, server 3.40.1", "+2.5 ms added to every statement",
        "dataset tiny", "dataset digest d1g35t", "machine Linux 6.1 x86_64",
        "CPU Test CPU (2 cores)", "git commit abc123def456", "date 2026-11-25T12:00:00+00:00",
    ):  # fmt: skip
        assert expected in text


def test_render_is_reproducible_and_svg_ids_are_unique(sample_results: Results) -> None:
    first, second = render_html(sample_results), render_html(sample_results)
    assert first == second
    ids = re.findall(r'\sid="([^"]+)"', first)
    assert len(ids) == len(set(ids))


def test_page_has_viewport_print_styles_and_a_scrolling_table_wrapper(
    sample_html: str, parse: Parse
) -> None:
    html = sample_html
    page = parse(html)
    viewport = [m for m in page.find_all("meta") if m.attrs.get("name") == "viewport"]
    assert "width=device-width" in viewport[0].attrs["content"]
    assert "@media print" in html
    assert "@media (max-width: 640px)" in html
    (headline,) = page.find_all("table", "headline")
    wrapper = next(d for d in page.find_all("div", "table-scroll") if headline in d.iter())
    assert wrapper is not None
    assert re.search(r"\.table-scroll \{ overflow-x: auto;", html)
