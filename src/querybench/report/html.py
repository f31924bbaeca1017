"""The self-contained HTML report: a Jinja2 template (autoescaped) filled from a results table.

Nothing in the page is fetched: the CSS is inline, the charts are inline SVG made by
matplotlib, and a Content-Security-Policy forbids scripts and remote loads outright. Every
name, SQL text and error message goes through Jinja2's autoescaping or pandas' escaping; the
only markup inserted as-is is what pandas and matplotlib generated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from querybench.errors import QuerybenchError
from querybench.report.charts import scenario_charts, unreported_rows, without_statements
from querybench.report.compare import CellChange, compare
from querybench.report.findings import FindingGroup, group_findings
from querybench.report.headline import HeadlineRow, headline
from querybench.report.per_request import request_html
from querybench.report.spread import spread_summary
from querybench.report.spread_table import spread_html
from querybench.report.tables import baseline_html, claims_html, headline_html, statements_html
from querybench.runner.results import Cell, Results, write_atomic


@dataclass(frozen=True)
class ChartView:
    """A chart as the template shows it; the SVG is markup because matplotlib made it."""

    title: str
    caption: str
    svg: Markup


@dataclass(frozen=True)
class ScenarioSection:
    """One scenario on one backend: its charts, notes, findings and statements."""

    anchor: str
    scenario: str
    backend: str
    variants: tuple[str, ...]
    sizes: tuple[int, ...]
    charts: tuple[ChartView, ...]
    notes: tuple[str, ...]
    findings: tuple[tuple[str, FindingGroup], ...]  # (anchor of its card, finding)
    statements: Markup
    failed: tuple[Cell, ...] = field(default=())


def _anchor(index: int, scenario: str) -> str:
    """A fragment id made only of safe characters, unique by its index."""
    slug = re.sub(r"[^a-z0-9]+", "-", scenario.lower()).strip("-")[:60]
    return f"s{index}-{slug}" if slug else f"s{index}"


def _rows_note(cells: Sequence[Cell], driver: str) -> str:
    """Which variants' rows the driver did not report (never plotted as zero)."""
    silent = unreported_rows(cells)
    if not silent:
        return ""
    by = f"the driver ({driver})" if driver else "the driver"
    if len(silent) == len({c.variant for c in cells if c.status == "ok"}):
        return f"Rows fetched: not reported by {by} for any variant, so not plotted."
    return f"Rows fetched: not reported by {by} for {', '.join(silent)}; those are not plotted."


def numbered_findings(cells: Sequence[Cell]) -> list[tuple[str, FindingGroup]]:
    """Every finding with the fragment id of its card in the findings section."""
    return [(f"f{i}", group) for i, group in enumerate(group_findings(cells), 1)]


def scenario_sections(
    results: Results, findings: Sequence[tuple[str, FindingGroup]]
) -> list[ScenarioSection]:
    """One section per scenario and backend, in the order the run measured them."""
    drivers = {b.label: b.driver for b in results.environment.backends}
    groups: dict[tuple[str, str], list[Cell]] = {}
    for cell in results.cells:
        groups.setdefault((cell.scenario, cell.backend), []).append(cell)
    sections = []
    for index, ((scenario, backend), cells) in enumerate(groups.items()):
        ok = [cell for cell in cells if cell.status == "ok"]
        notes = [_rows_note(ok, drivers.get(backend, ""))] if ok else []
        if silent := without_statements(ok):
            notes.append(
                f"Statements: {', '.join(silent)} emitted none at some N (answered without the "
                "database); a log scale cannot show 0, so those points are not plotted."
            )
        sections.append(
            ScenarioSection(
                anchor=_anchor(index, scenario),
                scenario=scenario,
                backend=backend,
                variants=tuple(dict.fromkeys(c.variant for c in cells)),
                sizes=tuple(sorted({c.size for c in cells})),
                charts=tuple(
                    ChartView(chart.title, chart.caption, Markup(chart.svg))
                    for chart in (scenario_charts(ok, str(index)) if ok else ())
                ),
                notes=tuple(note for note in notes if note),
                findings=tuple(
                    (anchor, group)
                    for anchor, group in findings
                    if (group.scenario, group.backend) == (scenario, backend)
                ),
                statements=Markup(statements_html(ok)),
                failed=tuple(cell for cell in cells if cell.status != "ok"),
            )
        )
    return sections


def _headline_tables(rows: Sequence[HeadlineRow]) -> list[tuple[str, Markup]]:
    backends = dict.fromkeys(row.backend for row in rows)
    return [
        (
            backend,
            Markup(
                headline_html(
                    [row for row in rows if row.backend == backend], table_id=f"headline{index}"
                )
            ),
        )
        for index, backend in enumerate(backends)
    ]


def _template_environment() -> Environment:
    return Environment(
        loader=PackageLoader("querybench.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(results: Results, *, baseline: Results | None = None, source: str = "") -> str:
    """The whole report as one HTML document."""
    rows = headline(results.cells)
    changes: list[CellChange] = compare(baseline.cells, results.cells) if baseline else []
    failed = [cell for cell in results.cells if cell.status != "ok"]
    findings = numbered_findings(results.cells)
    template = _template_environment().get_template("report.html.j2")
    return template.render(
        results=results,
        env=results.environment,
        source=source,
        partial=results.partial or bool(failed),
        interrupted=results.partial,
        failed=failed,
        headline_tables=_headline_tables(rows),
        claims_total=sum(1 for row in rows if row.claim_holds is not None),
        claims_wrong=[row for row in rows if row.claim_holds is False],
        claims_table=Markup(claims_html(rows)),
        baseline=baseline,
        changes=changes,
        changes_html=Markup(baseline_html(changes)) if changes else Markup(""),
        regressions=sum(1 for c in changes if c.status == "regression"),
        findings=findings,
        sections=scenario_sections(results, findings),
        spread=spread_summary(results.cells, machine_noise=results.environment.machine_noise),
        spread_table=Markup(spread_html(results.cells)),
        per_request_table=Markup(request_html(results.cells)),
    )


def write_text(path: Path, text: str, what: str) -> Path:
    """Write ``text`` atomically; an unwritable path is one QuerybenchError line."""
    try:
        write_atomic(path, text)
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        raise QuerybenchError(f"cannot write {what} to {path}: {reason}") from None
    return path


def write_html(
    results: Results,
    path: Path,
    *,
    baseline: Results | None = None,
    source: str = "",
    partial: bool = False,
) -> Path:
    """Render and write the report; ``partial`` marks it so even if the results are not."""
    if partial and not results.partial:
        results = replace(results, partial=True)
    return write_text(path, render_html(results, baseline=baseline, source=source), "report")
