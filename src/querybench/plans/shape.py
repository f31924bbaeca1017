"""The one typed shape every backend's plan is parsed into, and the findings drawn from plans.

Only ``str``, ``int``, ``float``, ``bool``, ``X | None`` and ``tuple[X, ...]`` fields: the
results reader checks every field of these records by its annotation.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCESS_KINDS = ("full", "index", "index-only", "pk")
"""How a scan reads its table: every row of it or of one of its indexes (``full``; ``index``
then names the index read in its order), a search through a secondary index then the table
(``index``), a search of an index alone (``index-only``) or by primary key (``pk``)."""


@dataclass(frozen=True)
class Scan:
    """One read of one table in a plan.

    ``table`` is the table's real name where the plan or the SQL tells it, else the alias the
    plan shows; ``index_columns`` the columns of the index the plan says it searches on (SQLite
    and MariaDB tell them); ``rows`` the planner's estimate, ``actual_rows`` what an analysed
    plan counted (None where not analysed or not estimated, as on SQLite).
    """

    table: str
    access: str
    alias: str = ""
    index: str = ""
    index_columns: tuple[str, ...] = ()
    rows: float | None = None
    actual_rows: float | None = None
    condition: str = ""


@dataclass(frozen=True)
class Plan:
    """A statement's plan on the backend it ran on: its scans, sorts and temporary tables.

    ``sorts`` counts the sort steps (a sort node, a filesort, SQLite's temp B-tree for ORDER BY
    or DISTINCT); ``sorted_rows`` is the largest estimated input of one (None: not estimated);
    ``temporary`` counts temporary tables (a materialised subquery, GROUP BY or DISTINCT
    table). ``analysed`` when actual rows were measured (PostgreSQL's ANALYZE, rolled back).
    ``text`` is the plan as the backend printed it, cut to a few kilobytes.
    """

    backend: str
    scans: tuple[Scan, ...]
    sorts: int = 0
    sorted_rows: float | None = None
    temporary: int = 0
    analysed: bool = False
    text: str = ""

    @property
    def indexes(self) -> tuple[str, ...]:
        """Names of the indexes the plan reads, in order, each once."""
        return tuple(dict.fromkeys(scan.index for scan in self.scans if scan.index))

    def summary(self) -> str:
        """One line: ``payments: index ix_payments_user_id_status; users: pk; sort``."""
        parts = [
            f"{scan.table}: {scan.access}" + (f" {scan.index}" if scan.index else "")
            for scan in self.scans
        ]
        if self.sorts:
            parts.append("sort" if self.sorts == 1 else f"{self.sorts} sorts")
        if self.temporary:
            parts.append("temporary table")
        return "; ".join(parts) or "no table read"


@dataclass(frozen=True)
class TableIndex:
    """A non-unique index of a table a cell's statements read, from the database's catalog.

    Kept in the results (``Cell.plan_indexes``, with ``--plans``) so that the indexes no plan
    of the whole run read can be named (:mod:`querybench.plans.unused`). ``large`` when the
    table holds at least the plan rules' size threshold: a planner reads a small table whole
    whatever its indexes, so only a large table's unread index says anything.
    ``foreign_key`` when the index's leading columns are a foreign key's.
    """

    table: str
    name: str
    columns: tuple[str, ...]
    large: bool
    foreign_key: bool = False


@dataclass(frozen=True)
class PlanFinding:
    """Something a plan shows that an index (or another loader) would change.

    ``kind`` is ``full_scan``, ``unindexed_foreign_key``, ``joined_collection_limit`` or, for
    a whole run, ``unused_index`` (:mod:`querybench.plans.unused`);
    ``columns`` the advised index's columns in order (equality, then range or sort);
    ``model_index`` and ``alembic`` the advice as code to paste (empty where no index helps).
    """

    kind: str
    table: str
    columns: tuple[str, ...]
    callsite: str
    fingerprint: str
    example_sql: str
    detail: str
    model_index: str = ""
    alembic: str = ""


@dataclass(frozen=True)
class IndexProof:
    """An advised index measured: the cell without it, then with it, in a database we own.

    ``hypothetical`` is PostgreSQL's plan with the index created by hypopg only (None where
    hypopg is not installed, and on other backends). Latencies are the cell's median round
    times in seconds, measured as the run measures cells; the index is dropped afterwards.
    """

    backend: str
    table: str
    columns: tuple[str, ...]
    index: str
    before: Plan
    after: Plan
    before_seconds: float
    after_seconds: float
    hypothetical: Plan | None = None

    @property
    def uses_index(self) -> bool:
        """Whether the plan with the index reads it."""
        return self.index in self.after.indexes

    @property
    def speedup(self) -> float:
        """Median latency without the index over the median with it."""
        return self.before_seconds / self.after_seconds if self.after_seconds > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"{self.index} on {self.backend}: {self.before_seconds * 1e3:.3g} ms ->"
            f" {self.after_seconds * 1e3:.3g} ms ({self.speedup:.3g}x);"
            f" plan: {self.before.summary()} -> {self.after.summary()}"
        )
