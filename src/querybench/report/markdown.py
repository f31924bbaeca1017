"""The report in GitHub markdown, for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.

Short on purpose: the headline with the seed's claims, the N+1 findings (example statements
folded in ``<details>``), and against a baseline only the cells that changed.
"""

from __future__ import annotations

import re

from markupsafe import escape

from querybench.report.compare import compare
from querybench.report.findings import group_findings
from querybench.report.headline import headline
from querybench.report.spread import spread_summary
from querybench.report.tables import baseline_markdown, findings_markdown, headline_markdown
from querybench.runner.results import Results

EXAMPLES_SHOWN = 10


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``, so it cannot be closed early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _inline(text: str) -> str:
    """Plain text safe inside markdown prose: no HTML tags, no table or emphasis breaks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", " ")
    return re.sub(r"([\\`*_|\[\]])", r"\\\1", text)


def render_markdown(results: Results, *, baseline: Results | None = None) -> str:
    """The markdown summary of ``results`` (and of the changes against ``baseline``)."""
    env = results.environment
    lines = [
        "## querybench: before / after",
        "",
        f"Dataset {_inline(env.dataset or 'unknown')}, "
        f"commit {_inline(env.git_commit or '?')}, {len(results.cells)} cells, "
        f"started {_inline(env.started_at or 'unknown')}.",
        "",
    ]
    failed = [cell for cell in results.cells if cell.status != "ok"]
    if results.partial or failed:
        lines += [
            "> [!WARNING]",
            "> **PARTIAL RUN**" + (": interrupted" if results.partial else ""),
        ]
        lines += [
            f"> - failed: {_inline(f'{c.scenario}[{c.variant}] @ N={c.size} on {c.backend}')}: "
            f"{_inline(c.error)}"
            for c in failed
        ]
        lines.append("")
    rows = headline(results.cells)
    for backend in dict.fromkeys(row.backend for row in rows):
        lines += [f"### On {_inline(backend)}", ""]
        lines += [headline_markdown([row for row in rows if row.backend == backend]), ""]
    if any(row.claim for row in rows):
        lines += ["Seed claims and measured: statements of naive -> joinedload.", ""]
    wrong = [row for row in rows if row.claim_holds is False]
    if wrong:
        lines += [f"**{len(wrong)} of the seed's claims measured wrong** (marked ✗ above).", ""]
    spread = spread_summary(results.cells, machine_noise=results.environment.machine_noise)
    lines += [_inline(spread.sentence()), ""]
    if baseline is not None:
        changes = compare(baseline.cells, results.cells)
        regressions = sum(1 for change in changes if change.status == "regression")
        unchanged = sum(1 for change in changes if change.status == "unchanged")
        lines += ["### Against the baseline", ""]
        lines.append(f"**{regressions} regression{'s' if regressions != 1 else ''}**, {unchanged} ")
        lines[-1] += "cells unchanged."
        if len(changes) > unchanged:
            lines += ["", baseline_markdown(changes)]
        lines.append("")
    groups = group_findings(results.cells)
    lines += ["### N+1 findings", ""]
    if not groups:
        lines += ["None detected.", ""]
        return "\n".join(lines)
    lines += [findings_markdown(groups), ""]
    for group in groups[:EXAMPLES_SHOWN]:
        fence = _fence(group.example_sql)
        # Inside an HTML block markdown escapes do not apply: HTML-escape instead.
        summary = escape(f"{group.scenario}[{group.variant}]: {group.target or group.callsite}")
        lines += [f"<details><summary>{summary}</summary>", "", f"{fence}sql"]
        lines += [group.example_sql, fence, "", "</details>", ""]
    return "\n".join(lines)
