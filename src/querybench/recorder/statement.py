"""The records a recorder hands out: statements, call sites, origins, transaction events."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

from querybench.recorder.fingerprint import Kind, fingerprint, statement_kind

SCHEMA_VERSION = 1
"""Version of the record layout below; bump it when a field changes meaning."""

__all__ = [
    "SCHEMA_VERSION",
    "CallSite",
    "Kind",
    "LoadedBy",
    "Origin",
    "OriginKind",
    "Statement",
    "TransactionAction",
    "TransactionEvent",
]

OriginKind = Literal["query", "lazy_load", "eager_load", "column_load", "flush", "core"]
"""Why a statement ran: see :class:`Origin`."""

TransactionAction = Literal[
    "begin", "commit", "rollback", "savepoint", "release_savepoint", "rollback_to_savepoint"
]


def display_path(filename: str) -> str:
    """``filename`` relative to the working directory when it lies below it, else unchanged."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive on Windows
        return filename
    return filename if relative.startswith("..") else relative


@dataclass(frozen=True, slots=True)
class CallSite:
    """The first frame outside SQLAlchemy and the recorder: the line that caused a statement."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        return f"{display_path(self.filename)}:{self.lineno}"


@dataclass(frozen=True, slots=True)
class LoadedBy:
    """How the object a lazy or column load ran for had been loaded: the ORM's run id of the
    query that loaded it (None: unknown), its load path from that query's entity (mappers and
    relationships alternating), and the relationship being loaded now (None: columns)."""

    run: int | None
    path: tuple[Any, ...]
    relationship: Any


@dataclass(frozen=True, slots=True)
class Origin:
    """Why a statement ran, as the ORM told it (``do_orm_execute``) or the unit of work implies.

    ``kind`` is one of:

    - ``query``: an ORM statement (``select(User)``, ``session.get``, ``insert(User)``) run
      explicitly; ``entity`` is its first mapped class.
    - ``lazy_load``: a lazy load of ``relationship`` for the object ``parent``.
    - ``eager_load``: a relationship loader's own SELECT; ``detail`` names the strategy
      (``selectin``, ``subquery``, ``immediate``). Joined eager loads are part of their parent
      statement and never appear on their own.
    - ``column_load``: columns of one object loaded after the fact; ``detail`` says ``deferred``
      (columns deferred in the mapping or the query), ``expired`` (e.g. by a commit) or
      ``refresh`` (``Session.refresh``); ``attributes`` lists what was loaded.
    - ``flush``: an INSERT, UPDATE or DELETE written by the unit of work.
    - ``core``: anything else: a Core construct, ``text()`` or driver SQL.
    """

    kind: OriginKind
    entity: type[Any] | None = None
    relationship: str | None = None
    collection: bool | None = None
    detail: str | None = None
    parent: str | None = None
    attributes: tuple[str, ...] = ()
    loaded_by: LoadedBy | None = field(default=None, compare=False, repr=False)
    """For a lazy or column load: how its object had been loaded (see :class:`LoadedBy`)."""

    def __str__(self) -> str:
        if self.kind == "lazy_load":
            return f"lazy load of {self.relationship} for {self.parent}"
        if self.kind == "eager_load":
            return f"{self.detail} eager load of {self.relationship}"
        if self.kind == "column_load":
            return f"{self.detail} column load of {self.parent} ({', '.join(self.attributes)})"
        if self.kind == "query" and self.entity is not None:
            return f"query for {self.entity.__name__}"
        return self.kind


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement as it reached the DBAPI cursor.

    ``params`` is the object SQLAlchemy passed to the cursor (a sequence of parameter sets for
    an executemany, whose size is ``batch_size``). ``rows`` is ``cursor.rowcount`` where the
    driver reports one (rows returned by a SELECT on PostgreSQL and MySQL, rows written by DML
    everywhere); for a SELECT on sqlite3, which reports none, the rows fetched by the time the
    statements were first read; else None. ``error`` names the exception class when the
    statement failed.
    """

    sql: str
    params: Any
    started_ns: int
    duration_ns: int
    batch_size: int
    executemany: bool
    rows: int | None
    callsite: CallSite | None
    origin: Origin
    error: str | None = None
    run: int | None = field(default=None, compare=False, repr=False)
    """The ORM's run id of the query context that loaded this statement's rows (ORM statements
    only): objects loaded by it carry the same id, which ties them back to this statement."""

    @property
    def duration(self) -> float:
        """Time spent in the cursor call, in seconds."""
        return self.duration_ns / 1e9

    @property
    def fingerprint(self) -> str:
        """The SQL with literals and bound values as ``?``, IN-lists collapsed, case folded."""
        return fingerprint(self.sql)

    @property
    def kind(self) -> Kind:
        """What the statement does: select, insert, update, delete, ddl, transaction or other."""
        return statement_kind(self.sql)


@dataclass(frozen=True, slots=True)
class TransactionEvent:
    """A piece of transaction control, reported apart from the statements.

    BEGIN, COMMIT and ROLLBACK usually go through the DBAPI connection rather than a cursor, so
    ``sql`` is None for them; SAVEPOINT and its kin are real statements and carry their SQL.
    """

    action: TransactionAction
    sql: str | None
    callsite: CallSite | None
