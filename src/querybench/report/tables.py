"""The report's tables, built with pandas: HTML (escaped, with classes for marks) and markdown.

Every value is formatted to text first, so a table shows exactly what the terminal shows.
HTML comes from a ``Styler`` with ``escape="html"`` on values and headers (cell classes carry
the marks: a wrong claim, a regression); markdown from ``to_markdown`` (tabulate), with the
characters that would break a pipe table escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from pandas.io.formats.style import Styler

from querybench.plans.shape import Plan
from querybench.report.claims import claim_for
from querybench.report.compare import CellChange
from querybench.report.findings import FindingGroup
from querybench.report.headline import HeadlineRow
from querybench.report.terminal import duration, times
from querybench.runner.results import Cell

VARIANT_ORDER = ("naive", "eager", "joined", "selectin", "subquery", "core", "raw")


def variant_rank(variant: str) -> tuple[int, str]:
    """Sort key putting the known variants in their usual order, unknown ones after."""
    known = VARIANT_ORDER.index(variant) if variant in VARIANT_ORDER else len(VARIANT_ORDER)
    return known, variant


def styled_html(
    frame: pd.DataFrame,
    classes: pd.DataFrame,
    css_class: str,
    table_id: str,
    breakable: Sequence[str] = (),
    *,
    cell_ids: bool = True,
) -> str:
    """``frame`` as an escaped HTML table whose cells carry ``classes``; ids start ``T_table_id``.

    Columns in ``breakable`` (dotted names) may wrap after dots and underscores; pandas escapes
    each value before the formatter adds the ``<wbr>`` tags. ``cell_ids=False`` leaves the
    cells without ids, for long tables that nothing links into.
    """
    styler = (
        Styler(frame, cell_ids=cell_ids)
        .hide(axis="index")
        .format(escape="html")
        .format(_breakable, escape="html", subset=list(breakable))
        .format_index(escape="html", axis=1)
        .set_td_classes(classes)
        .set_uuid(table_id)
    )
    html = styler.to_html(table_attributes=f'class="{css_class}"')
    # No cell styles are set, so the Styler's <style> element is empty: drop it.
    return html.replace('<style type="text/css">\n</style>\n', "")


def _plain_html(frame: pd.DataFrame, css_class: str) -> str:
    return frame.to_html(index=False, escape=True, classes=css_class, border=0)


def _markdown_cell(value: object) -> str:
    """A table cell's text: no HTML tag can open, no pipe can add a column, one line."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace("\n", " ")
    return text.replace("\\", "\\\\").replace("|", "\\|")


def to_markdown(frame: pd.DataFrame) -> str:
    """``frame`` as a GitHub pipe table; pipes and newlines in values cannot break it."""
    safe = frame.map(_markdown_cell).rename(columns=_markdown_cell)
    return str(safe.to_markdown(index=False, disable_numparse=True))


# -- headline ------------------------------------------------------------------------------------

HEADLINE_NUMERIC = (
    "N", "naive queries", "eager queries", "reduction", "naive latency", "eager latency", "speedup",
)  # fmt: skip
HEADLINE_COLUMNS = ["operation", *HEADLINE_NUMERIC, "seed claims", "measured"]
CLAIM_MARK = {True: "claim-holds", False: "claim-wrong", None: ""}


def _breakable(escaped: object) -> str:
    """Escaped ``Repository.method_name`` that may wrap after its dots and underscores."""
    return str(escaped).replace(".", ".<wbr>").replace("_", "_<wbr>")


def claimed_counts(row: HeadlineRow) -> str:
    """The seed's claimed statement counts (naive -> joinedload), or '-' where it claims none."""
    claim = claim_for(row.scenario, row.size)
    return f"{claim.naive(row.size)} -> {claim.joined(row.size)}" if claim else "-"


def claim_verdict(row: HeadlineRow) -> str:
    """The measured naive -> joined counts, marked as holding the claim or not."""
    if not row.claim:
        return "-"
    if row.claim_holds is None:
        return "not measured (no joined variant)"
    measured = f"{row.naive_queries} -> {row.joined_queries}"
    return f"✓ {measured} holds" if row.claim_holds else f"✗ {measured} WRONG"


def headline_frame(rows: Sequence[HeadlineRow]) -> pd.DataFrame:
    """The seed-shaped before/after table with the seed's claimed counts beside the measured."""
    return pd.DataFrame(
        [
            {
                "operation": row.scenario,
                "N": str(row.size),
                "naive queries": str(row.naive_queries),
                "eager queries": str(row.eager_queries),
                "reduction": times(row.reduction),
                "naive latency": duration(row.naive_median),
                "eager latency": duration(row.eager_median),
                "speedup": times(row.speedup),
                "seed claims": claimed_counts(row),
                "measured": claim_verdict(row),
            }
            for row in rows
        ],
        columns=HEADLINE_COLUMNS,
    )


def _headline_classes(frame: pd.DataFrame, rows: Sequence[HeadlineRow]) -> pd.DataFrame:
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    classes["operation"] = "op"
    for name in HEADLINE_NUMERIC:
        classes[name] = "num"
    for index, row in enumerate(rows):
        classes.loc[index, frame.columns[-2:]] = CLAIM_MARK[row.claim_holds]
    return classes


def headline_html(rows: Sequence[HeadlineRow], *, table_id: str = "headline") -> str:
    """The headline table as HTML, claims marked ``claim-wrong`` or ``claim-holds``."""
    frame = headline_frame(rows)
    classes = _headline_classes(frame, rows)
    return styled_html(frame, classes, "data headline", table_id, ["operation"])


def headline_markdown(rows: Sequence[HeadlineRow]) -> str:
    """The headline table as a markdown pipe table."""
    return to_markdown(headline_frame(rows))


def claims_frame(rows: Sequence[HeadlineRow]) -> pd.DataFrame:
    """Each claim of the seed quoted, with the operation it was measured on and the verdict."""
    verdicts = {True: "holds", False: "WRONG", None: "not measured"}
    return pd.DataFrame(
        [
            {
                "the seed says": row.claim,
                "measured on": row.scenario,
                "N": str(row.size),
                "naive -> joined": f"{row.naive_queries} -> {row.joined_queries}"
                if row.joined_queries is not None
                else "-",
                "verdict": verdicts[row.claim_holds],
            }
            for row in rows
            if row.claim
        ],
        columns=["the seed says", "measured on", "N", "naive -> joined", "verdict"],
    )


def claims_html(rows: Sequence[HeadlineRow]) -> str:
    """The seed's claims table as HTML (wrong ones marked), or '' when it makes none here."""
    claimed = [row for row in rows if row.claim]
    if not claimed:
        return ""
    frame = claims_frame(claimed)
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for index, row in enumerate(claimed):
        classes.loc[index, ["naive -> joined", "verdict"]] = CLAIM_MARK[row.claim_holds]
    classes["measured on"] = "op"
    return styled_html(frame, classes, "data claims", "claims", ["measured on"])


# -- statements ----------------------------------------------------------------------------------


def statements_frame(cells: Sequence[Cell]) -> pd.DataFrame:
    """Statements by variant and fingerprint: the count at every size, the time at the largest."""
    sizes = sorted({cell.size for cell in cells})
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for cell in sorted(cells, key=lambda c: (variant_rank(c.variant), c.size)):
        for group in cell.statements:
            row = rows.setdefault((cell.variant, group.fingerprint), {"variant": cell.variant})
            row[f"N={cell.size}"] = str(group.count)
            row["time at largest N"] = duration(group.total_seconds)
            if group.plan is not None:  # querybench run --plans: the plan beside the statement
                row["plan"] = _plan_text(group.plan, cell, group.fingerprint)
            row["statement (fingerprint)"] = group.fingerprint
    columns = ["variant", *(f"N={size}" for size in sizes), "time at largest N"]
    if any("plan" in row for row in rows.values()):
        columns.append("plan")
    frame = pd.DataFrame(list(rows.values()), columns=[*columns, "statement (fingerprint)"])
    return frame.fillna("")


def _plan_text(plan: Plan, cell: Cell, fingerprint: str) -> str:
    """The plan's one-line summary, then each plan finding on the statement and its advice."""
    notes = [
        f"{finding.kind}: {finding.model_index or finding.detail}"
        for finding in cell.plan_findings
        if finding.fingerprint == fingerprint
    ]
    return " | ".join([plan.summary(), *notes])


def statements_html(cells: Sequence[Cell]) -> str:
    """The statements table as HTML (the fingerprint column is the last one)."""
    return _plain_html(statements_frame(cells), "data statements")


# -- baseline ------------------------------------------------------------------------------------

CHANGE_MARK = {"regression": "▲ regression", "missing": "missing", "new": "new"}
CHANGE_MARK |= {"improved": "▼ improved", "unchanged": "unchanged"}


BASELINE_COLUMNS = ["change", "operation", "variant", "N", "backend", "queries", "median latency"]
BASELINE_COLUMNS += ["why"]


def _arrow(before: str, after: str) -> str:
    return after if before == after else f"{before} -> {after}"


def baseline_frame(changes: Sequence[CellChange]) -> pd.DataFrame:
    """Per cell: the verdict, the queries and the median latency in the baseline and now."""
    return pd.DataFrame(
        [
            {
                "change": CHANGE_MARK[change.status],
                "operation": change.scenario,
                "variant": change.variant,
                "N": str(change.size),
                "backend": change.backend,
                "queries": _arrow(
                    "-" if change.base_queries is None else str(change.base_queries),
                    "-" if change.queries is None else str(change.queries),
                ),
                "median latency": _arrow(duration(change.base_median), duration(change.median)),
                "why": "; ".join(change.reasons),
            }
            for change in changes
        ],
        columns=BASELINE_COLUMNS,
    )


def baseline_html(changes: Sequence[CellChange]) -> str:
    """The comparison as HTML, each row classed by its status (``regression`` is marked red)."""
    frame = baseline_frame(changes)
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for index, change in enumerate(changes):
        classes.loc[index, :] = change.status
    classes["N"] = classes["N"] + " num"
    classes["operation"] = classes["operation"] + " op"
    return styled_html(frame, classes, "data baseline", "baseline", ["operation"])


def baseline_markdown(changes: Sequence[CellChange]) -> str:
    """The changed cells as a markdown table (unchanged ones are only counted by the caller)."""
    return to_markdown(baseline_frame([c for c in changes if c.status != "unchanged"]))


# -- findings ------------------------------------------------------------------------------------


def findings_markdown(groups: Sequence[FindingGroup]) -> str:
    """The N+1 findings as a markdown table: where, how often, and the fix."""
    frame = pd.DataFrame(
        [
            {
                "operation": f"{group.scenario}[{group.variant}]",
                "kind": group.kind,
                "relationship / call site": group.where,
                "repeats": group.repeats_text,
                "fix": group.fix,
            }
            for group in groups
        ],
        columns=["operation", "kind", "relationship / call site", "repeats", "fix"],
    )
    return to_markdown(frame)
