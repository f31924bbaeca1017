"""N+1 findings as a report shows them: one entry per place, its repeat count at every size.

A naive variant repeats the same finding at each size of the sweep (10 lazy loads at N=10, 100
at N=100): the report shows it once, with the counts side by side, and the example statement
of the largest size, formatted by sqlparse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlparse

from querybench.runner.results import Cell, ProofRecord


@lru_cache(maxsize=1024)
def pretty_sql(sql: str) -> str:
    """``sql`` reindented with upper-case keywords, for reading (never for running)."""
    return str(sqlparse.format(sql, reindent=True, keyword_case="upper")).strip()


@dataclass(frozen=True)
class FindingGroup:
    """One N+1 pattern of one variant: where it comes from, how often it repeats, how to fix it."""

    scenario: str
    variant: str
    backend: str
    kind: str
    target: str
    callsite: str
    fix: str
    example_sql: str
    repeats: tuple[tuple[int, int], ...]  # (size, repeated statements), by size
    proofs: tuple[tuple[int, ProofRecord], ...] = ()  # (size, prove_fix's verdict), by size

    @property
    def where(self) -> str:
        """The relationship (or statement) and the call site, as one phrase."""
        site = self.callsite or "unknown call site"
        return f"{self.target} at {site}" if self.target else site

    @property
    def repeats_text(self) -> str:
        """``10 at N=10, 100 at N=100``."""
        return ", ".join(f"{count} at N={size}" for size, count in self.repeats)

    @property
    def proof_text(self) -> str:
        """``11 -> 1 statements at N=10, 101 -> 1 at N=100 with joinedload(Payment.user)``."""
        proven = [(size, proof) for size, proof in self.proofs if proof.proven]
        if not proven:
            return ""
        counts = ", ".join(
            f"{p.before_queries} -> {p.after_queries} statements at N={size}" for size, p in proven
        )
        options = sorted({option for _, proof in proven for option in proof.options})
        return f"{counts} with {', '.join(options)}"


def group_findings(cells: Sequence[Cell]) -> list[FindingGroup]:
    """Every finding of ``cells`` grouped over sizes, in the order the cells come."""
    grouped: dict[tuple[str, ...], list[tuple[Cell, int]]] = {}
    for cell in cells:
        for index, finding in enumerate(cell.findings):
            key = (
                cell.scenario, cell.variant, cell.backend,
                finding.kind, finding.target, finding.callsite, finding.fix,
            )  # fmt: skip
            grouped.setdefault(key, []).append((cell, index))
    groups = []
    for place_key, places in grouped.items():
        scenario, variant, backend, kind, target, callsite, fix = place_key
        places.sort(key=lambda place: place[0].size)
        largest, index = places[-1]
        groups.append(
            FindingGroup(
                scenario=scenario,
                variant=variant,
                backend=backend,
                kind=kind,
                target=target,
                callsite=callsite,
                fix=fix,
                example_sql=pretty_sql(largest.findings[index].example_sql),
                repeats=tuple((cell.size, cell.findings[i].repeats) for cell, i in places),
                proofs=tuple((cell.size, cell.proof) for cell, _ in places if cell.proof),
            )
        )
    return groups
