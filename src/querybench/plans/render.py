"""Plan findings, advice, index proofs and schema gains of a results file, as plain text."""

from __future__ import annotations

from typing import Any

from querybench.plans.inventory import DEFAULT_THRESHOLD


def render_plan_findings(results: Any) -> str:
    """Each finding once per backend (with the cells that showed it), its advice, its proofs."""
    lines: list[str] = []
    seen: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    examples: dict[tuple[str, str, str, tuple[str, ...]], Any] = {}
    for cell in results.cells:
        for finding in cell.plan_findings:
            key = (cell.backend, finding.kind, finding.table, finding.columns)
            seen.setdefault(key, []).append(f"{cell.scenario}[{cell.variant}] @ N={cell.size}")
            examples.setdefault(key, finding)
    unused = render_unused_indexes(results)
    if not seen:
        planned = any(group.plan for cell in results.cells for group in cell.statements)
        if not planned:
            return "no plans in this file (run with --plans)\n"
        return "no plan findings\n" + unused
    for key, where in seen.items():
        finding = examples[key]
        columns = ", ".join(finding.columns) or "-"
        lines.append(
            f"{key[0]}: {finding.kind} on {finding.table} ({columns}) at {finding.callsite}"
        )
        lines.append(f"  {finding.detail}")
        lines.append(f"  in {len(where)} cell(s), e.g. {where[0]}")
        if finding.model_index:
            lines.append(f"  model:   {finding.model_index}")
            lines.append(f"  alembic: {finding.alembic}")
    proofs = [(cell, proof) for cell in results.cells for proof in cell.index_proofs]
    if proofs:
        lines.append("")
        lines.append("index proofs (median latency without -> with the index):")
        for cell, proof in proofs:
            lines.append(f"  {cell.scenario}[{cell.variant}] @ N={cell.size}: {proof}")
    return "\n".join(lines) + "\n" + unused


def render_unused_indexes(results: Any) -> str:
    """Per planned backend: the indexes of large tables no plan of the run read, or why that
    is not knowable; empty for a run without plans."""
    from querybench.plans.unused import unused_indexes

    lines = []
    for answer in unused_indexes(results.cells):
        if answer.unknown:
            lines.append(f"{answer.backend}: unused indexes not knowable: {answer.unknown}")
            continue
        if not answer.judged:
            lines.append(
                f"{answer.backend}: no secondary index on a table of {DEFAULT_THRESHOLD} rows"
                " or more: no unused index to look for"
            )
        elif not answer.findings:
            lines.append(
                f"{answer.backend}: each of the {answer.judged} indexes of large tables was read"
                f" by a plan ({answer.planned} statements planned in {answer.cells} cells)"
            )
        for finding in answer.findings:
            lines.append(
                f"{answer.backend}: unused_index on {finding.table} ({', '.join(finding.columns)})"
            )
            lines.append(f"  {finding.detail}")
            lines.append(f"  alembic: {finding.alembic}")
    return "".join(f"{line}\n" for line in lines)


def render_schema_gain(without: Any, with_indexes: Any) -> str:
    """Median latency per cell on the Phase 3.2 schema over today's, where both ran."""
    indexed = {cell.key: cell for cell in with_indexes.cells if cell.latency is not None}
    lines = ["cell | phase3 ms | indexed ms | phase3 / indexed"]
    for cell in without.cells:
        other = indexed.get(cell.key)
        if cell.latency is None or other is None or other.latency is None:
            continue
        before, after = cell.latency.median, other.latency.median
        ratio = before / after if after > 0 else 0.0
        lines.append(
            f"{cell.scenario}[{cell.variant}] @ N={cell.size} on {cell.backend} |"
            f" {before * 1e3:.3g} | {after * 1e3:.3g} | {ratio:.2f}x"
        )
    return "\n".join(lines) + "\n"
