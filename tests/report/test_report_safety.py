"""The page is inert and self-contained: hostile names and SQL are escaped, nothing is fetched."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import pytest

from querybench.report.html import render_html
from querybench.report.markdown import render_markdown
from querybench.runner.results import Cell, Environment, FindingRecord, Results, StatementGroup

Parse = Callable[[str], Any]
ATTACK = "</script><script>alert(1)</script>\"'><img src=x onerror=alert(2)>"
URL_ATTRIBUTES = {"src", "href", "xlink:href", "srcset", "action", "formaction", "data", "poster"}


@pytest.fixture(scope="module")
def hostile() -> Results:
    """Results whose every free-text field carries markup, quotes and a mathtext '$'."""
    finding = FindingRecord(
        kind=f"lazy_load{ATTACK}",
        target=f"Payment.user{ATTACK}",
        repeats=10,
        example_sql=f"SELECT '{ATTACK}' FROM users WHERE name = \"{ATTACK}\"",
        callsite=f"app.py:1{ATTACK}",
        fix=f".options({ATTACK})",
    )
    scenario = f"Evil.{ATTACK}"

    def cell(variant: str, size: int, **changes: Any) -> Cell:
        values: dict[str, Any] = {
            "scenario": scenario, "variant": variant, "size": size, "backend": f"db{ATTACK}",
            "queries": size + 1, "rows": size, "latency": None, "findings": (finding,),
            "statements": (StatementGroup(f"SELECT '{ATTACK}' FROM t", size + 1, 0.001),),
        }  # fmt: skip
        values.update(changes)
        return Cell(**values)

    from querybench.runner.timing import Latency

    timed = Latency(0.001, 0.0009, 0.0011, 0.0008, 0.001, 0.0001, 5)
    cells = [
        cell(variant, size, latency=timed)
        for size in (1, 10)
        for variant in ("naive", "eager", "joined", "selectin", f"$x${ATTACK}")
    ]
    cells.append(cell("eager", 100, status="failed", error=f"OperationalError: {ATTACK}"))
    environment = Environment(
        python=ATTACK, sqlalchemy=ATTACK, querybench=ATTACK, machine=ATTACK, cpu=ATTACK,
        git_commit=ATTACK, started_at=ATTACK, dataset=ATTACK, dataset_digest=ATTACK,
    )  # fmt: skip
    return Results(environment=environment, cells=tuple(cells))


def test_hostile_names_sql_and_errors_render_as_text_never_as_markup(
    hostile: Results, parse: Parse
) -> None:
    html = render_html(hostile, baseline=hostile)
    page = parse(html)
    tags = {node.tag for node in page.iter()}
    assert "script" not in tags
    assert "img" not in tags
    assert not re.search(r"<\s*script", html, re.IGNORECASE)
    handlers = [
        (node.tag, name) for node in page.iter() for name in node.attrs if name.startswith("on")
    ]
    assert handlers == []
    # ... and the text is still there for the reader, escaped: in the headline, the banner,
    # the finding, the statements table and the environment.
    text = page.text()
    assert f"Evil.{ATTACK}" in text
    assert f"OperationalError: {ATTACK}" in text
    assert f"SELECT '{ATTACK}' FROM t" in text
    assert f"'{ATTACK}'" in page.find_all("pre", "sql")[0].text()
    (spread,) = page.find_all("table", "spread")
    assert spread.rows()[1][:4] == [f"Evil.{ATTACK}", "naive", "1", f"db{ATTACK}"]
    assert page.find_all("div", "partial")


def test_hostile_input_cannot_break_out_of_the_markdown(hostile: Results) -> None:
    text = render_markdown(hostile, baseline=hostile)
    outside_fences = re.sub(r"(`{3,})sql\n.*?\n\1", "", text, flags=re.DOTALL)
    tags = set(re.findall(r"<(/?[a-zA-Z][\w-]*)", outside_fences))
    assert tags <= {"details", "/details", "summary", "/summary"}
    table_rows = [line for line in text.splitlines() if line.startswith("|")]
    widths = {line.count("|") - line.count("\\|") for line in table_rows}
    # every row of every table has its own column count: no value added a column
    header_widths = {line.count("|") - line.count("\\|") for line in table_rows if "---" in line}
    assert widths == header_widths


def test_no_src_or_href_points_outside_the_file(sample_html: str, parse: Parse) -> None:
    page = parse(sample_html)
    references = [
        (node.tag, name, value)
        for node in page.iter()
        for name, value in node.attrs.items()
        if name in URL_ATTRIBUTES
    ]
    assert references, "the page links its own sections"
    outside = [ref for ref in references if not (ref[2] or "").startswith(("#", "data:"))]
    assert outside == []
    assert {node.tag for node in page.iter()}.isdisjoint(
        {"script", "link", "iframe", "object", "embed", "img", "audio", "video", "base"}
    )
    # CSS can fetch too: only in-page url(#id) references (matplotlib's clip paths) are allowed
    css_urls = set(re.findall(r"url\(([^)]*)\)", sample_html))
    assert css_urls
    assert all(re.fullmatch(r"#[\w-]+", url) for url in css_urls)
    assert "@import" not in sample_html


def test_content_security_policy_forbids_scripts_and_remote_loads(
    sample_html: str, parse: Parse
) -> None:
    (policy,) = [
        node.attrs["content"]
        for node in parse(sample_html).find_all("meta")
        if node.attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policy.startswith("default-src 'none';")
    assert "script-src" not in policy


def test_a_variant_named_like_mathtext_is_shown_literally(hostile: Results, parse: Parse) -> None:
    page = parse(render_html(dataclasses.replace(hostile, cells=hostile.cells[:10])))
    legend_text = [t.text() for svg in page.find_all("svg") for t in svg.find_all("text")]
    assert any(text.startswith("$x$</script>") for text in legend_text)
