"""Where a load run goes: loopback only, and a scratch database the harness owns, never the
database the user named.

``--db`` names a server (its database is used only to connect and create the scratch one):
the dataset is built in ``querybench_load_<dataset>`` beside it, which the harness creates and
marks as its own (``querybench_meta``), so a load run never writes into ``test`` or any other
database it did not make.
"""

from __future__ import annotations

import ipaddress
from typing import Final

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import URL, make_url

from querybench.errors import BackendError, QuerybenchError
from querybench.runner.backends import safe_url

SCRATCH_PREFIX: Final = "querybench_load_"
LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class NotLoopback(QuerybenchError):
    """A load run was pointed at something other than this machine."""


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine: a loopback name or address (None: a local socket)."""
    if host is None or host == "" or host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_loopback(what: str, host: str | None) -> None:
    """Refuse a host that is not loopback, in one line."""
    if not is_loopback(host):
        raise NotLoopback(
            f"{what} {host!r} is not a loopback address: load runs target only this machine "
            "(127.0.0.1, ::1, localhost)"
        )


def server_url(text: str) -> URL:
    """The ``--db`` URL, checked: parseable, a server (not SQLite), on loopback."""
    try:
        url = make_url(text)
    except (exc.ArgumentError, ValueError):
        raise BackendError(f"malformed database URL {safe_url(text)!r}") from None
    if url.get_backend_name() not in ("postgresql", "mysql", "mariadb"):
        raise BackendError(
            f"load runs need a database server with a connection pool (PostgreSQL or "
            f"MariaDB), got {safe_url(url)}"
        )
    require_loopback("database host", url.host)
    return url


def scratch_database(url: URL, dataset: str) -> URL:
    """Create (if missing) the harness's scratch database for ``dataset``; its URL."""
    name = SCRATCH_PREFIX + "".join(c if c.isalnum() else "_" for c in dataset.lower())[:40]
    if url.database == name:
        return url
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if url.get_backend_name() == "postgresql":
                exists = connection.scalar(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
                )
                if not exists:
                    connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            else:
                connection.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{name}`"))
    except exc.DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise BackendError(
            f"cannot create the scratch database on {safe_url(url)}: {reason}"
        ) from None
    finally:
        admin.dispose()
    return url.set(database=name)
