"""Check constraints the generator can honour: ``col IN (...)`` and ranges.

Read forms, joined by ``AND``: ``col IN ('a', 'b')`` or numbers, ``col >= x`` (and ``>``, ``<=``,
``<``, with the column on either side), ``col BETWEEN a AND b``. Anything else (``OR``,
functions, several columns) is skipped, and the skip is listed in the build's notes: give that
column an override if its generated values break the constraint.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

_IDENT = r'"?`?\[?(?P<col>[A-Za-z_][A-Za-z0-9_]*)\]?`?"?'
_NUMBER = r"(?P<num>-?\d+(?:\.\d+)?)"
_IN = re.compile(rf"^{_IDENT}\s+IN\s*\((?P<items>[^()]*)\)$", re.IGNORECASE)
_BETWEEN = re.compile(
    rf"^{_IDENT}\s+BETWEEN\s+(?P<low>-?\d+(?:\.\d+)?)\s+AND\s+(?P<high>-?\d+(?:\.\d+)?)$",
    re.IGNORECASE,
)
_LEFT = re.compile(rf"^{_IDENT}\s*(?P<op><=|>=|<|>)\s*{_NUMBER}$")
_RIGHT = re.compile(rf"^{_NUMBER}\s*(?P<op><=|>=|<|>)\s*{_IDENT}$")
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


@dataclass
class ColumnRule:
    """What the checks of one column allow: a set of choices, or bounds (inclusive)."""

    choices: list[object] | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    low_open: bool = False
    high_open: bool = False


@dataclass
class TableChecks:
    """The rules read from a table's check constraints, and the constraints skipped."""

    rules: dict[str, ColumnRule] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def read_checks(table: sa.Table) -> TableChecks:
    """The column rules of every check constraint of ``table`` that has a readable form."""
    found = TableChecks()
    for constraint in sorted(
        (c for c in table.constraints if isinstance(c, sa.CheckConstraint)),
        key=lambda c: str(c.sqltext),
    ):
        text = " ".join(str(constraint.sqltext).split())
        parts = re.split(r"\s+AND\s+", _strip(text), flags=re.IGNORECASE)
        # BETWEEN's own AND was split off: join "x BETWEEN a" back with "b".
        merged: list[str] = []
        for part in parts:
            if merged and re.search(r"\sBETWEEN\s+\S+$", merged[-1], re.IGNORECASE):
                merged[-1] += f" AND {part}"
            else:
                merged.append(part)
        if not all(_apply(found, _strip(part), table) for part in merged):
            found.skipped.append(f"{table.name}: check {text!r} not read (give an override)")
    return found


def _strip(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _apply(found: TableChecks, part: str, table: sa.Table) -> bool:
    if match := _IN.match(part):
        items = _literals(match["items"])
        if items is None or match["col"] not in table.c:
            return False
        found.rules.setdefault(match["col"], ColumnRule()).choices = items
        return True
    if match := _BETWEEN.match(part):
        if match["col"] not in table.c:
            return False
        rule = found.rules.setdefault(match["col"], ColumnRule())
        _bound(rule, ">=", Decimal(match["low"]))
        _bound(rule, "<=", Decimal(match["high"]))
        return True
    for pattern, flip in ((_LEFT, False), (_RIGHT, True)):
        if (match := pattern.match(part)) and match["col"] in table.c:
            op = _FLIP[match["op"]] if flip else match["op"]
            _bound(found.rules.setdefault(match["col"], ColumnRule()), op, Decimal(match["num"]))
            return True
    return False


def _bound(rule: ColumnRule, op: str, value: Decimal) -> None:
    if op.startswith(">"):
        if rule.low is None or value >= rule.low:
            rule.low, rule.low_open = value, op == ">"
    elif rule.high is None or value <= rule.high:
        rule.high, rule.high_open = value, op == "<"


def _literals(items: str) -> list[object] | None:
    """``'a', 'b'`` or ``1, 2`` as Python values; None when they are not plain literals."""
    try:
        value = ast.literal_eval(f"[{items}]")
    except (ValueError, SyntaxError):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        return None
    return value
