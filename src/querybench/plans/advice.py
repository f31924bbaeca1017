"""Index advice as code to paste: the model's ``Index(...)`` and Alembic's ``op.create_index``."""

from __future__ import annotations

MAX_NAME = 63
"""PostgreSQL's limit on an identifier; MariaDB's is 64."""


def index_name(table: str, columns: tuple[str, ...]) -> str:
    """``ix_<table>_<col>_<col>``: SQLAlchemy's ``index=True`` naming, cut to 63 characters."""
    return f"ix_{table}_{'_'.join(columns)}"[:MAX_NAME]


def model_index(table: str, columns: tuple[str, ...]) -> str:
    """The ``Index`` to add to the model's ``__table_args__``."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    return f'Index("{index_name(table, columns)}", {quoted})'


def alembic_line(table: str, columns: tuple[str, ...]) -> str:
    """The Alembic migration's line that creates the same index."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    return f'op.create_index("{index_name(table, columns)}", "{table}", [{quoted}])'
