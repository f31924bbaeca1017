"""What a recorder can watch, and the SQLAlchemy objects each kind of bind stands for."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

__all__ = ["Bind", "resolve_bind", "session_connections"]

Bind: TypeAlias = "Engine | Connection | Session | AsyncEngine | AsyncConnection | AsyncSession"
"""What a recorder can watch; None means every engine in the process."""

# SQLAlchemy's asyncio layer is never imported here: it needs greenlet, which SQLAlchemy 2.1 no
# longer installs, and a bind from that layer can only exist once its user has imported it.
ASYNCIO_MODULE = "sqlalchemy.ext.asyncio"


def _resolve_async(bind: Any) -> tuple[Connection | Engine | None, Session | None] | None:
    """What an async bind stands for, or None when ``bind`` is not one (or asyncio is unused)."""
    asyncio_layer = sys.modules.get(ASYNCIO_MODULE)
    if asyncio_layer is None:
        return None
    if isinstance(bind, asyncio_layer.AsyncEngine):
        return bind.sync_engine, None
    if isinstance(bind, asyncio_layer.AsyncConnection):
        if bind.sync_connection is None:
            raise TypeError("count_queries(AsyncConnection): start the connection first")
        return bind.sync_connection, None
    if isinstance(bind, asyncio_layer.AsyncSession):
        return None, bind.sync_session
    return None


def resolve_bind(bind: Any) -> tuple[Engine | Connection | type[Engine] | None, Session | None]:
    """The cursor-event target and the Session (if any) a ``bind`` argument stands for."""
    if bind is None:
        return Engine, None
    if isinstance(bind, scoped_session):
        bind = bind()
    if isinstance(bind, Engine | Connection):
        return bind, None
    if isinstance(bind, Session):
        return None, bind
    resolved = _resolve_async(bind)
    if resolved is not None:
        return resolved
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
