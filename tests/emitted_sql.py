"""Expected SQL as the installed SQLAlchemy emits it: the suite runs on 2.0 and 2.1 (.ci/run).

SQLAlchemy 2.0 labels every column of a lazy load and of ``Session.get``'s SELECT
(``posts.id AS posts_id``); 2.1 does not. The statements, their number and their findings are
the same; tests write the 2.1 text and pass it through :func:`as_emitted`.
"""

from __future__ import annotations

import re

import sqlalchemy

LABELS_COLUMNS = tuple(int(part) for part in sqlalchemy.__version__.split(".")[:2]) < (2, 1)
# A lazy load (``WHERE ? = table.fk``) or a get by primary key (``WHERE table.id = ?``).
_LOADER_SELECT = re.compile(
    r"SELECT ((?:\w+\.\w+, )*\w+\.\w+) FROM (\w+) WHERE (?=\? = |\2\.id = \?)"
)


def _labelled(match: re.Match[str]) -> str:
    columns = ", ".join(
        f"{column} AS {column.replace('.', '_')}" for column in match[1].split(", ")
    )
    return f"SELECT {columns} FROM {match[2]} WHERE "


def as_emitted(text: str) -> str:
    """``text`` with each loader SELECT in it labelled as SQLAlchemy 2.0 emits it (2.1: as is)."""
    return _LOADER_SELECT.sub(_labelled, text) if LABELS_COLUMNS else text
