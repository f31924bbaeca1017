"""What a recorder can watch, and the SQLAlchemy objects each kind of bind stands for."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, scoped_session

__all__ = ["Bind", "resolve_bind", "session_connections"]

Bind = Engine | Connection | Session | AsyncEngine | AsyncConnection | AsyncSession
"""What a recorder can watch; None means every engine in the process."""


def resolve_bind(bind: Any) -> tuple[Engine | Connection | type[Engine] | None, Session | None]:
    """The cursor-event target and the Session (if any) a ``bind`` argument stands for."""
    if bind is None:
        return Engine, None
    if isinstance(bind, scoped_session):
        bind = bind()
    if isinstance(bind, AsyncEngine):
        return bind.sync_engine, None
    if isinstance(bind, AsyncConnection):
        if bind.sync_connection is None:
            raise TypeError("count_queries(AsyncConnection): start the connection first")
        return bind.sync_connection, None
    if isinstance(bind, AsyncSession):
        return None, bind.sync_session
    if isinstance(bind, Engine | Connection):
        return bind, None
    if isinstance(bind, Session):
        return None, bind
    raise TypeError(
        f"count_queries() watches an Engine, Connection or Session (sync or async) or None for "
        f"every engine, not {type(bind).__name__}"
    )


def session_connections(session: Session) -> list[Connection]:
    """Connections the Session already holds: they began before the recorder could see them."""
    transaction = session.get_transaction()
    if transaction is None:
        return []
    # SessionTransaction has no public listing of its connections; each entry is
    # (connection, transaction, should_commit, autoclose), stored under two keys.
    entries = transaction._connections.values()
    return list({id(entry[0]): entry[0] for entry in entries}.values())
