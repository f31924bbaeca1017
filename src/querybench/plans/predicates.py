"""What a statement asks of each table: the columns it compares, ranges over and sorts by.

Read from the SQL as SQLAlchemy renders it, where every column is qualified by its table or
alias (``payments_1.user_id``). Unqualified columns of hand-written SQL are not attributed to a
table; such a statement still gets its plan, only no advice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_KEYWORDS = {
    "where", "on", "left", "right", "inner", "outer", "full", "cross", "join", "order",
    "group", "limit", "offset", "having", "union", "natural", "using", "for", "window",
}  # fmt: skip
_FROM = re.compile(r"\b(?:FROM|JOIN)\s+([A-Za-z_][\w.]*)(?:\s+(?:AS\s+)?([A-Za-z_]\w*))?", re.I)
_QUALIFIED = r"([A-Za-z_]\w*)\.([A-Za-z_]\w*)"
_LEFT_OP = re.compile(
    _QUALIFIED + r"\s*(<=>|!=|<>|=|<=|>=|<|>|\bIN\b|\bIS\b|\bBETWEEN\b|\bLIKE\b)", re.I
)
_RIGHT_OP = re.compile(r"(<=>|=|<=|>=|<|>)\s*" + _QUALIFIED)
_ORDER_BY = re.compile(r"\bORDER BY\s+(.+?)(?=\bLIMIT\b|\bOFFSET\b|\bFOR\b|\)|$)", re.I | re.S)
_LIMIT = re.compile(r"\bLIMIT\b", re.I)
_LEFT_JOIN = re.compile(r"\bLEFT (?:OUTER )?JOIN\s+([A-Za-z_]\w*)", re.I)
_RANGES = {"<", ">", "<=", ">=", "between", "like"}
_ON = re.compile(
    r"\bON\b(.+?)(?=\bWHERE\b|\b(?:LEFT|RIGHT|INNER|FULL|CROSS|JOIN)\b|\bORDER BY\b"
    r"|\bGROUP BY\b|\bLIMIT\b|\)|$)",
    re.I | re.S,
)


@dataclass
class TableUse:
    """The columns of one table a statement filters or sorts on, each list in SQL order."""

    equal: list[str] = field(default_factory=list)
    join: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    sort: list[str] = field(default_factory=list)

    def add(self, kind: list[str], column: str) -> None:
        """Append ``column`` to ``kind`` unless already there."""
        if column not in kind:
            kind.append(column)


@lru_cache(maxsize=4096)
def aliases(sql: str) -> dict[str, str]:
    """Alias (or bare table name) -> table name, for every table the SQL reads."""
    found: dict[str, str] = {}
    for table, alias in _FROM.findall(sql):
        name = table.split(".")[-1]
        found.setdefault(name, name)
        if alias and alias.lower() not in _KEYWORDS:
            found[alias] = name
    return found


def table_uses(sql: str) -> dict[str, TableUse]:
    """Table -> what the statement compares, joins on, ranges over and sorts by on it.

    Join columns are kept apart: they serve the table only when it is the one probed.
    """
    names = aliases(sql)
    uses: dict[str, TableUse] = {}

    def use(alias: str) -> TableUse | None:
        table = names.get(alias)
        return None if table is None else uses.setdefault(table, TableUse())

    for clause in _ON.findall(sql):
        for alias, column in re.findall(_QUALIFIED, clause):
            if (target := use(alias)) is not None:
                target.add(target.join, column)
    sql = _ON.sub(" ", sql)
    for alias, column, operator in _LEFT_OP.findall(sql):
        target = use(alias)
        if target is not None:
            kind = target.range if operator.lower() in _RANGES else target.equal
            target.add(kind, column)
    for _operator, alias, column in _RIGHT_OP.findall(sql):
        target = use(alias)
        if target is not None:
            target.add(target.equal, column)
    for clause in _ORDER_BY.findall(sql):
        for term in clause.split(","):
            match = re.match(r"\s*" + _QUALIFIED, term)
            if match and (target := use(match[1])) is not None:
                target.add(target.sort, match[2])
    return uses


def has_limit(sql: str) -> bool:
    """Whether the statement (or a subquery of it) has a LIMIT."""
    return _LIMIT.search(sql) is not None


def left_joined_tables(sql: str) -> list[str]:
    """Tables the statement LEFT OUTER JOINs (the form a joined eager load takes)."""
    names = aliases(sql)
    return [names.get(name, name) for name in _LEFT_JOIN.findall(sql)]


def advised_columns(use: TableUse, primary_key: tuple[str, ...]) -> tuple[str, ...]:
    """The index columns a predicate asks for: equality columns first (the join columns when
    nothing else filters the table), then one range column, or (without a range) the sort
    columns; a trailing primary key is dropped, since InnoDB and
    SQLite keep it in every index and sorting one key's rows by it is cheap elsewhere."""
    columns = list(use.equal)
    if not (columns or use.range or use.sort):
        columns = list(use.join)
    if use.range:
        columns.append(use.range[0])
    else:
        columns += [column for column in use.sort if column not in columns]
    while columns and columns[-1] in primary_key:
        columns.pop()
    return tuple(columns)
