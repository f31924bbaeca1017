"""The report of a requests file (what the ASGI/WSGI middleware recorded), per route."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from querybench.report.page import page, table
from querybench.web.records import RequestRecord


@dataclass(frozen=True)
class RouteSummary:
    """One route's requests: how many, statements per request, database share, findings."""

    route: str
    requests: int
    statements_p50: float
    statements_max: int
    db_share: float
    findings: tuple[tuple[str, int], ...]  # (finding text, requests it was seen in)


def summarise(records: Sequence[RequestRecord]) -> list[RouteSummary]:
    """Per ``METHOD route``, most statements per request first."""
    groups: dict[str, list[RequestRecord]] = {}
    for record in records:
        groups.setdefault(record.label, []).append(record)
    summaries = []
    for label, group in groups.items():
        seen: dict[str, tuple[str, int]] = {}
        for record in group:
            for finding in record.findings:
                text, count = seen.get(finding.id, (finding.text, 0))
                seen[finding.id] = (text, count + 1)
        total = sum(r.total_seconds for r in group)
        summaries.append(
            RouteSummary(
                route=label,
                requests=len(group),
                statements_p50=statistics.median(r.statements for r in group),
                statements_max=max(r.statements for r in group),
                db_share=sum(r.db_seconds for r in group) / total if total else 0.0,
                findings=tuple(seen.values()),
            )
        )
    return sorted(summaries, key=lambda s: (-s.statements_max, s.route))


def render_requests(records: Sequence[RequestRecord], source: str = "", dropped: int = 0) -> str:
    """The HTML page of recorded requests."""
    summaries = summarise(records)
    rows = [
        (s.route, s.requests, f"{s.statements_p50:g}", s.statements_max, f"{s.db_share:.1%}",
         sum(count for _, count in s.findings))
        for s in summaries
    ]  # fmt: skip
    header = ("route", "requests", "statements p50", "statements max", "database time",
              "requests with N+1")  # fmt: skip
    findings = "".join(
        f"<h3>{escape(s.route)}</h3><ul>"
        + "".join(
            f"<li>{escape(text)} <i>(in {count} requests)</i></li>" for text, count in s.findings
        )
        + "</ul>"
        for s in summaries
        if s.findings
    )
    note = (
        f"<p class=note>{len(records)} requests"
        f"{f' (and {dropped} more not kept)' if dropped else ''}"
        f"{f' from {escape(source)}' if source else ''}. Database time is the share of the"
        " requests' time spent in database cursors.</p>"
    )
    sections = [note, table(header, rows), "<h2>N+1 findings</h2>", findings or "<p>None.</p>"]
    return page("querybench requests", sections)
