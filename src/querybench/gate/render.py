"""The check's report as text (the terminal), markdown (a pull request) or JSON (a program)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict

from querybench.gate.latency import JUDGED_VARIANT, NOISE_SIGMAS
from querybench.gate.verdict import CheckReport, LatencySummary, Verdict

NOTES_SHOWN = 20


def headline(report: CheckReport) -> str:
    """``querybench check: 2 regressions (...)`` or ``querybench check: no regression (...)``."""
    count = len(report.regressions)
    verdict = f"{count} regression{'s' if count != 1 else ''}" if count else "no regression"
    return (
        f"querybench check: {verdict} in {report.results_path} against {report.baseline_path} "
        f"({report.compared} cells compared)"
    )


def latency_line(report: CheckReport) -> str:
    """How latency was judged, in one line."""
    latency = report.latency
    if latency.method == "paired":
        return paired_line(latency)
    if not latency.judged:
        return "latency: no speedup to judge (no naive and eager cells in both runs)"
    noise = f"±{latency.noise:.0%}" if latency.noise is not None else "unknown: too few cells"
    worst = latency.worst_change
    line = (
        f"latency: speedup of {JUDGED_VARIANT} over naive judged for {latency.judged} scenarios "
        f"on their fastest rounds; a drop counts beyond {latency.allowed_drop:.0%} at every size "
        f"(the larger of the {latency.tolerance:.0%} tolerance and {NOISE_SIGMAS:g}x this run's "
        f"noise, {noise})" + (f"; worst change {worst:+.0%}" if worst is not None else "")
    )
    if latency.single_size:
        line += (
            f"; {latency.single_size} scenarios measured at one size only are not judged "
            "(one cell cannot be told from a burst of load)"
        )
    if latency.absolute_judged or latency.absolute_skipped:
        line += f"; absolute latency judged for {latency.absolute_judged} cells"
    return line


def paired_line(latency: LatencySummary) -> str:
    """How an interleaved comparison judged latency, in one line."""
    if not latency.judged:
        return "latency: no cell measured on both sides to compare"
    worst = latency.worst_change
    return (
        f"latency: {latency.judged} cells compared in {latency.pairs} interleaved paired rounds "
        f"each; a cell counts as slower when its ratio to the base exceeds "
        f"{1 + latency.allowed_drop:.2f}x (one-sided Wilcoxon signed-rank, Holm-corrected over "
        f"the {latency.judged} cells, alpha {latency.alpha:g})"
        + (f"; worst median ratio {1 + worst:.2f}x" if worst is not None else "")
        + (f"; {latency.placement}" if latency.placement else "")
    )


def _notes_text(notes: tuple[Verdict, ...]) -> list[str]:
    lines = [f"{note.kind:<9} {note.line}" for note in notes[:NOTES_SHOWN]]
    hidden = Counter(note.kind for note in notes[NOTES_SHOWN:])
    if hidden:
        more = ", ".join(f"{count} {kind}" for kind, count in hidden.items())
        lines.append(f"          ... and {more} more")
    return lines


def render_text(report: CheckReport) -> str:
    """The terminal report: headline, each regression on one line, notes, latency."""
    lines = [headline(report)]
    lines += [f"REGRESSION {regression.line}" for regression in report.regressions]
    lines += _notes_text(report.notes)
    lines.append(latency_line(report))
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: CheckReport) -> str:
    """The report for a pull request or ``$GITHUB_STEP_SUMMARY``."""
    count = len(report.regressions)
    title = f"❌ {count} regression{'s' if count != 1 else ''}" if count else "✅ no regression"
    lines = [
        f"## querybench check: {title}",
        "",
        f"`{_cell(report.results_path)}` against `{_cell(report.baseline_path)}`: "
        f"{report.compared} cells compared.",
        "",
    ]
    if report.regressions:
        lines += ["| where | what | how to fix or accept |", "|---|---|---|"]
        lines += [
            f"| `{_cell(r.where)}` | {_cell(r.summary)} | {_cell(r.hint)} |"
            for r in report.regressions
        ]
        lines.append("")
    if report.warnings:
        lines += [f"> [!WARNING]\n> {_cell(warning)}\n" for warning in report.warnings]
    if report.notes:
        count = len(report.notes)
        lines += [f"<details><summary>{count} note{'s' if count != 1 else ''}</summary>", ""]
        lines += [
            f"- {note.kind}: `{_cell(note.where)}`: {_cell(note.summary)}" for note in report.notes
        ]
        lines += ["", "</details>", ""]
    lines += [_cell(latency_line(report)), ""]
    return "\n".join(lines)


def render_json(report: CheckReport) -> str:
    """The report as JSON: every verdict with its fields and its one-line form."""

    def verdict(item: Verdict) -> dict[str, object]:
        return {**asdict(item), "where": item.where, "line": item.line}

    data = {
        "status": "regression" if report.regressions else "ok",
        "exit_code": report.exit_code,
        "results": report.results_path,
        "baseline": report.baseline_path,
        "compared": report.compared,
        "regressions": [verdict(item) for item in report.regressions],
        "notes": [verdict(item) for item in report.notes],
        "warnings": list(report.warnings),
        "latency": asdict(report.latency),
    }
    return json.dumps(data, indent=1)


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
