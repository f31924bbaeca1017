"""The probes a built dataset guarantees, and the ``querybench_meta`` table that records them.

``querybench_meta`` is a key/value table. Its ``owner`` row is the ownership mark: only tables
listed in ``owned_tables`` under that mark are ever dropped or replaced by a build.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Connection, Engine

from querybench.errors import BackendError
from querybench.payments.models import PaymentStatus

META_TABLE_NAME = "querybench_meta"
OWNER_MARK = "querybench"

# Kept out of Base.metadata: the content digest covers the payments tables, not this one.
meta_metadata = sa.MetaData()
meta_table = sa.Table(
    META_TABLE_NAME,
    meta_metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    # The probes of a large dataset run to hundreds of kilobytes; MySQL's TEXT stops at 64 KB.
    sa.Column(
        "value", sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb"), nullable=False
    ),
)


@dataclass(frozen=True)
class Probes:
    """Rows a built dataset guarantees for every size N in ``sizes`` (M = the largest).

    - ``user_with_payments[N]``: an active user with exactly N payments, all in status
      ``user_payments_status`` (COMPLETED); ``email_of_user_with_payments[N]`` is its email.
    - ``recent_payment_ids``: the M newest payments (``ORDER BY created_at DESC, id DESC``),
      newest first, all in status ``recent_status`` (REFUNDED), strictly newer than every other
      payment, owned by the M distinct users ``recent_user_ids`` (none a probe user above);
      ``recent_stripe_payment_ids`` are their Stripe ids.
    - ``active_user_ids``: the first M active users by id; each has at least one payment.
    """

    sizes: tuple[int, ...]
    user_with_payments: dict[int, int]
    email_of_user_with_payments: dict[int, str]
    user_payments_status: PaymentStatus
    recent_status: PaymentStatus
    recent_payment_ids: tuple[int, ...]
    recent_user_ids: tuple[int, ...]
    recent_stripe_payment_ids: tuple[str, ...]
    active_user_ids: tuple[int, ...]

    @property
    def max_size(self) -> int:
        """M, the largest size the probes hold."""
        return max(self.sizes)

    def to_json(self) -> str:
        """Canonical JSON of the probes, as stored in ``querybench_meta``."""
        document = {
            "sizes": list(self.sizes),
            "user_with_payments": {str(n): uid for n, uid in self.user_with_payments.items()},
            "email_of_user_with_payments": {
                str(n): email for n, email in self.email_of_user_with_payments.items()
            },
            "user_payments_status": self.user_payments_status.value,
            "recent_status": self.recent_status.value,
            "recent_payment_ids": list(self.recent_payment_ids),
            "recent_user_ids": list(self.recent_user_ids),
            "recent_stripe_payment_ids": list(self.recent_stripe_payment_ids),
            "active_user_ids": list(self.active_user_ids),
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Probes:
        """Parse what ``to_json`` wrote."""
        document: dict[str, Any] = json.loads(text)
        return cls(
            sizes=tuple(document["sizes"]),
            user_with_payments={int(n): u for n, u in document["user_with_payments"].items()},
            email_of_user_with_payments={
                int(n): e for n, e in document["email_of_user_with_payments"].items()
            },
            user_payments_status=PaymentStatus(document["user_payments_status"]),
            recent_status=PaymentStatus(document["recent_status"]),
            recent_payment_ids=tuple(document["recent_payment_ids"]),
            recent_user_ids=tuple(document["recent_user_ids"]),
            recent_stripe_payment_ids=tuple(document["recent_stripe_payment_ids"]),
            active_user_ids=tuple(document["active_user_ids"]),
        )


def read_meta(conn: Connection) -> dict[str, str] | None:
    """The ``querybench_meta`` rows, or None when the table is missing or is not ours in shape."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(META_TABLE_NAME):
        return None
    columns = {column["name"] for column in inspector.get_columns(META_TABLE_NAME)}
    if columns != {"name", "value"}:
        return None
    rows = conn.execute(sa.select(meta_table.c.name, meta_table.c.value)).all()
    return {row.name: row.value for row in rows}


def write_meta(conn: Connection, values: Mapping[str, str]) -> None:
    """Insert or replace the given ``querybench_meta`` rows."""
    conn.execute(sa.delete(meta_table).where(meta_table.c.name.in_(list(values))))
    conn.execute(sa.insert(meta_table), [{"name": k, "value": v} for k, v in values.items()])


def read_source_probes(bind: Engine | Connection) -> Mapping[str, Any]:
    """The probes the dataset in ``bind``'s database stored, as the JSON its source returned.

    For a scenario's ``prepare``: raises a one-line ``BackendError`` when the database holds no
    querybench dataset, or an incomplete one.
    """
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return read_source_probes(conn)
    meta = read_meta(bind)
    where = bind.engine.url.render_as_string(hide_password=True)
    if meta is None or meta.get("owner") != OWNER_MARK:
        raise BackendError(
            f"{where}: no querybench dataset here (no {META_TABLE_NAME} table);"
            " build one with: querybench datasets NAME --db URL"
        )
    if meta.get("state") != "complete" or "probes" not in meta:
        raise BackendError(f"{where}: the querybench dataset here is incomplete; build it again")
    document: dict[str, Any] = json.loads(meta["probes"])
    return document


def dump_probes(document: Mapping[str, Any]) -> str:
    """Canonical JSON of a probe document, as stored in ``querybench_meta``."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def read_probes(bind: Engine | Connection) -> Probes:
    """The probes of the payments dataset built into ``bind``'s database."""
    return Probes.from_json(dump_probes(read_source_probes(bind)))
