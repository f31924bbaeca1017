"""The floor under the ORM: the same results through SQLAlchemy Core and through one raw statement.

``core`` selects exactly the columns the route needs, with no ORM objects built. ``raw`` sends
one hand-written SQL statement through the driver (``exec_driver_sql``: SQLAlchemy neither
compiles it nor processes its values) and builds the result from tuples. The raw variant is the
physical limit the ORM variants are measured against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from querybench import Variant
from querybench.payments import serialise
from querybench.payments.models import Payment, User
from querybench.scenarios.inputs import PaymentInputs

VariantRun = Callable[[Session, PaymentInputs], object]
_payments = Payment.__table__
_users = User.__table__
_PAYMENT_COLUMNS = "p.id, p.amount, p.currency, p.status, p.stripe_payment_id, p.created_at"
_USER_COLUMNS = "u.id, u.email, u.full_name, u.is_active, u.created_at"


@lru_cache(maxsize=64)
def _native(sql: str, dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """``sql`` with ``:name`` parameters in the driver's own paramstyle, compiled once."""
    compiled = sa.text(sql).compile(dialect=dialect)
    positions = tuple(compiled.positiontup) if compiled.positiontup else None
    return compiled.string, positions


def fetch_raw(session: Session, sql: str, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
    """Run one hand-written statement on the Session's connection and return its tuples."""
    connection = session.connection()
    native, positions = _native(sql, connection.dialect)
    if positions is None:
        return connection.exec_driver_sql(native, dict(params)).all()
    return connection.exec_driver_sql(native, tuple(params[name] for name in positions)).all()


def _payment_rows(rows: Iterable[Sequence[Any]]) -> list[serialise.Json]:
    """Rows of the six payment columns then user id and email, as payment_with_user."""
    out = []
    for row in rows:
        payment = serialise.payment_fields(*row[:6])
        payment["user"] = {"id": row[6], "email": row[7]}
        out.append(payment)
    return out


def _user_rows(rows: Iterable[Sequence[Any]]) -> list[serialise.Json]:
    """Rows of users LEFT JOIN payments ordered by user then payment, as user_with_payments."""
    users: dict[int, serialise.Json] = {}
    for row in rows:
        user = users.get(row[0])
        if user is None:
            user = users[row[0]] = serialise.user_fields(*row[:5])
            user["payments"] = []
        if row[5] is not None:
            user["payments"].append(serialise.payment_fields(*row[5:11]))
    return list(users.values())


# -- payments with their users, newest first -----------------------------------------------------


def _payments_core(session: Session, status: object | None, limit: int) -> list[serialise.Json]:
    p, u = _payments.c, _users.c
    stmt = (
        sa.select(p.id, p.amount, p.currency, p.status, p.stripe_payment_id, p.created_at)
        .add_columns(u.id, u.email)
        .join_from(_payments, _users, u.id == p.user_id)
        .order_by(p.created_at.desc(), p.id.desc())
        .limit(limit)
    )
    if status is not None:
        stmt = stmt.where(p.status == status)
    return _payment_rows(session.connection().execute(stmt))


_PAYMENTS_SQL = (
    f"SELECT {_PAYMENT_COLUMNS}, u.id, u.email FROM payments p JOIN users u ON u.id = p.user_id "
    "{where}ORDER BY p.created_at DESC, p.id DESC LIMIT :limit"
)


def payments_by_status_core(session: Session, inputs: PaymentInputs) -> object:
    """Core: one joined SELECT of the needed columns."""
    return _payments_core(session, inputs.status, inputs.size)


def payments_by_status_raw(session: Session, inputs: PaymentInputs) -> object:
    """Raw: one hand-written joined SELECT."""
    sql = _PAYMENTS_SQL.format(where="WHERE p.status = :status ")
    return _payment_rows(
        fetch_raw(session, sql, {"status": inputs.status.value, "limit": inputs.size})
    )


def recent_payments_core(session: Session, inputs: PaymentInputs) -> object:
    """Core: one joined SELECT of the needed columns."""
    return _payments_core(session, None, inputs.size)


def recent_payments_raw(session: Session, inputs: PaymentInputs) -> object:
    """Raw: one hand-written joined SELECT."""
    sql = _PAYMENTS_SQL.format(where="")
    return _payment_rows(fetch_raw(session, sql, {"limit": inputs.size}))


# -- users with their payments -------------------------------------------------------------------


def _users_core(session: Session, users: sa.Subquery) -> list[serialise.Json]:
    p, u = _payments.c, users.c
    stmt = (
        sa.select(u.id, u.email, u.full_name, u.is_active, u.created_at)
        .add_columns(p.id, p.amount, p.currency, p.status, p.stripe_payment_id, p.created_at)
        .select_from(users)
        .outerjoin(_payments, p.user_id == u.id)
        .order_by(u.id, p.id)
    )
    return _user_rows(session.connection().execute(stmt))


def active_users_core(session: Session, inputs: PaymentInputs) -> object:
    """Core: the page of users as a subquery, LEFT JOIN their payments, one SELECT."""
    page = (
        sa.select(_users)
        .where(_users.c.is_active.is_(True))
        .order_by(_users.c.id)
        .limit(inputs.size)
        .subquery()
    )
    return _users_core(session, page)


def active_users_raw(session: Session, inputs: PaymentInputs) -> object:
    """Raw: one hand-written SELECT of a page of users LEFT JOIN their payments."""
    sql = (
        f"SELECT {_USER_COLUMNS}, {_PAYMENT_COLUMNS} FROM "
        "(SELECT * FROM users WHERE is_active = :active ORDER BY id LIMIT :limit) u "
        "LEFT JOIN payments p ON p.user_id = u.id ORDER BY u.id, p.id"
    )
    return _user_rows(fetch_raw(session, sql, {"active": True, "limit": inputs.size}))


def user_with_payments_core(session: Session, inputs: PaymentInputs) -> object:
    """Core: the user LEFT JOIN their payments, one SELECT."""
    one = sa.select(_users).where(_users.c.id == inputs.user_id).subquery()
    found = _users_core(session, one)
    return found[0] if found else None


def user_with_payments_raw(session: Session, inputs: PaymentInputs) -> object:
    """Raw: one hand-written SELECT of the user LEFT JOIN their payments."""
    sql = (
        f"SELECT {_USER_COLUMNS}, {_PAYMENT_COLUMNS} FROM users u "
        "LEFT JOIN payments p ON p.user_id = u.id WHERE u.id = :user_id ORDER BY p.id"
    )
    found = _user_rows(fetch_raw(session, sql, {"user_id": inputs.user_id}))
    return found[0] if found else None


def ladder(core: VariantRun, raw: VariantRun) -> dict[str, Variant[PaymentInputs]]:
    """The core and raw variants of one read scenario (one statement each, at any N)."""
    return {
        "core": Variant("core", core, "constant", "SQLAlchemy Core, no ORM objects"),
        "raw": Variant("raw", raw, "constant", "one hand-written statement via the driver"),
    }
