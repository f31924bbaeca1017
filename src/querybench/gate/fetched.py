"""Rows and bytes fetched, compared between two revisions on the same data: exact, like counts.

Fetching more rows or bytes to return the *same* result is pure waste (a joined eager load that
multiplies rows, a deferred column loaded again): a regression. When the result changed too,
more may be what the change is for, so it is a note. Fewer is always a note.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from querybench.gate.verdict import Verdict
from querybench.runner.results import Cell

Key = tuple[str, str, int, str]


def _figures(name: str, old: int, new: int) -> str:
    return f"{name} fetched {old} -> {new} ({new - old:+d})"


def compare_fetched(
    base: Sequence[Cell], head: Sequence[Cell], changed_results: Collection[Key], hint: str
) -> tuple[list[Verdict], list[Verdict]]:
    """Regressions (more fetched for the same result) and notes (fewer, or a changed result)."""
    by_key = {cell.key: cell for cell in base}
    regressions: list[Verdict] = []
    notes: list[Verdict] = []
    for cell in head:
        old = by_key.get(cell.key)
        if old is None or cell.status != "ok" or old.status != "ok":
            continue
        pairs = [("rows", old.rows, cell.rows)]
        if old.bytes is not None and cell.bytes is not None:
            pairs.append(("bytes", old.bytes, cell.bytes))
        moved = [(name, before, after) for name, before, after in pairs if before != after]
        if not moved:
            continue
        summary = ", ".join(_figures(*move) for move in moved)
        grew = any(after > before for _, before, after in moved)
        if grew and cell.key not in changed_results:
            verdict = Verdict("fetched", *cell.key, f"{summary} for the same result", hint)
            regressions.append(verdict)
        else:
            why = "; the result changed too" if cell.key in changed_results else ""
            notes.append(Verdict("fetched", *cell.key, summary + why))
    return regressions, notes
