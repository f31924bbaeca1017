"""Which query loaded the objects a lazy load ran for, and along which path from its root.

The ORM numbers every query context it loads rows with (a run id, from one counter), and each
object it creates keeps the run id of the query that loaded it (``InstanceState.runid``; a
later query that returns the object again leaves it alone, a refresh overwrites it) and its load
path from that query's entity. The cursor event peeks at the counter for every statement
(one ``repr`` call): the number it reads is the run id the statement's query context takes right
after the cursor returns. A lazy load's tag keeps its parent's run id and load path. Together
they tie every lazy load to the statement that loaded its parent, and, through lazy loads of
lazy loads, to the explicit query at the root of the chain: where the fix goes, with the whole
path (``joinedload(Comment.user).joinedload(User.team)``).

The counter is SQLAlchemy's own (``sqlalchemy.orm.loading._new_runid``); where it cannot be read
the run ids are None and the findings fall back to the last query for the parent's class.
Another thread's query between a statement's cursor call and its query context (a few lines
of SQLAlchemy) would shift one id: the placement is then a guess, never a failure.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from querybench.recorder.statement import LoadedBy, Statement

__all__ = ["Root", "RunCounter", "peek_run", "roots", "run_of"]

_MAX_DEPTH = 64
"""Lazy loads of lazy loads followed back at most this far (a deep tree: the root is unknown)."""


def _run_counter() -> itertools.count[int] | None:
    try:
        from sqlalchemy.orm import loading

        for cell in loading._new_runid.__closure__ or ():
            value = cell.cell_contents
            if isinstance(value, itertools.count):
                return value
    except Exception:  # another SQLAlchemy: no run ids, the fallback placement applies
        return None
    return None


RunCounter = _run_counter()
"""SQLAlchemy's run id counter, or None when this SQLAlchemy does not have it where expected."""


def peek_run() -> str | None:
    """The counter's next value as ``repr`` shows it (``count(41)``); parsed by :func:`run_of`
    only when someone reads the statements, so the hot path pays one ``repr``. A statement that
    takes no number (Core, DML) reads the one the next ORM query takes; the later reader wins."""
    counter = RunCounter
    return None if counter is None else repr(counter)


def run_of(peeked: str | None) -> int | None:
    """The run id a peeked ``count(41)`` stands for."""
    if not peeked or not peeked.startswith("count(") or not peeked.endswith(")"):
        return None
    try:
        return int(peeked[6:-1].split(",")[0])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Root:
    """The explicit query at the root of a chain, and the load path from its entity."""

    statement: Statement
    path: tuple[Any, ...]


def _starts_with(path: tuple[Any, ...], prefix: tuple[Any, ...]) -> bool:
    return len(path) >= len(prefix) and all(a is b for a, b in zip(path, prefix, strict=False))


class _Resolver:
    def __init__(self, statements: Sequence[Statement]):
        self.statements = statements
        self.by_run: dict[int, int] = {}
        for index, statement in enumerate(statements):
            if statement.run is not None:
                # the last statement that read a number is the one whose context took it
                self.by_run[statement.run] = index
        self.memo: dict[tuple[int, int], Root | None] = {}

    def root(self, loaded_by: LoadedBy | None, depth: int = 0) -> Root | None:
        """The root of the object ``loaded_by`` describes, None when unknown."""
        if loaded_by is None or loaded_by.run is None or depth > _MAX_DEPTH:
            return None
        index = self.by_run.get(loaded_by.run)
        if index is None:
            return None
        key = (index, id(loaded_by.path))
        if key not in self.memo:
            self.memo[key] = self._root(index, loaded_by.path, depth)
        return self.memo[key]

    def _root(self, index: int, path: tuple[Any, ...], depth: int) -> Root | None:
        statement = self.statements[index]
        origin = statement.origin
        if origin.kind == "query":
            return Root(statement, path)
        if origin.kind == "column_load":  # a refresh: the object had been loaded before
            return self.root(origin.loaded_by, depth + 1)
        if origin.kind == "lazy_load" and origin.loaded_by is not None:
            base = self.root(origin.loaded_by, depth + 1)
            if base is None:
                return None
            theirs = origin.loaded_by.path
            # without loader options a lazy load restarts the path at the parent's mapper
            rest = path[len(theirs) :] if _starts_with(path, theirs) else path[1:]
            return Root(base.statement, (*base.path, *rest))
        if origin.kind == "eager_load" and path:
            # a selectin or subquery load: its objects' path runs from the root query's entity
            for earlier in reversed(self.statements[:index]):
                entity = earlier.origin.entity
                if (
                    earlier.origin.kind == "query"
                    and getattr(entity, "__mapper__", None) is (path[0])
                ):
                    return Root(earlier, path)
        return None


def roots(statements: Sequence[Statement], group: Sequence[Statement]) -> list[Root | None]:
    """For each lazy load of ``group`` (statements of ``statements``), the root of its parent
    with the lazily loaded relationship appended to the path; None where unknown."""
    resolver = _Resolver(statements)
    found: list[Root | None] = []
    for statement in group:
        loaded_by = statement.origin.loaded_by
        root = resolver.root(loaded_by)
        if root is None or loaded_by is None or loaded_by.relationship is None:
            found.append(None)
        else:
            found.append(Root(root.statement, (*root.path, loaded_by.relationship)))
    return found
