"""Database URLs the user gives: opened safely, named without passwords, optionally slowed down.

``--rtt MS`` models a remote database on a local one: every statement waits MS milliseconds
before it reaches the driver, as it would for a network round trip. ``time.sleep`` never wakes
early, so the modelled cost is at least MS per statement (a few tens of microseconds more).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url

from querybench.errors import BackendError


def safe_url(url: URL | str) -> str:
    """The URL as text with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "<malformed URL>"


@dataclass(frozen=True)
class Backend:
    """An open engine and what the report says about it."""

    engine: Engine
    name: str
    url: str
    server_version: str
    driver: str
    rtt_ms: float

    @property
    def label(self) -> str:
        """Backend name with its round-trip model, as tables show it."""
        return f"{self.name}+rtt{self.rtt_ms:g}ms" if self.rtt_ms else self.name

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _add_round_trip(engine: Engine, rtt_ms: float) -> None:
    delay = rtt_ms / 1000.0

    @event.listens_for(engine, "before_cursor_execute")
    def wait_a_round_trip(*_: Any) -> None:
        time.sleep(delay)


def open_backend(url_text: str | URL, *, rtt_ms: float = 0.0) -> Backend:
    """Parse, connect and describe a backend; every failure is one BackendError line."""
    if not rtt_ms >= 0:  # also refuses NaN
        raise BackendError(f"--rtt must be zero or more milliseconds, got {rtt_ms:g}")
    try:
        url = make_url(url_text)
    except (exc.ArgumentError, ValueError):
        raise BackendError(
            f"malformed database URL {safe_url(url_text)!r}: expected "
            "dialect+driver://user@host/database, for example sqlite:///bench.sqlite"
        ) from None
    shown = url.render_as_string(hide_password=True)
    try:
        engine = sa.create_engine(url, pool_pre_ping=True)
    except (exc.NoSuchModuleError, ImportError) as error:
        raise BackendError(f"no driver for {shown}: {type(error).__name__}: {error}") from None
    try:
        with engine.connect() as connection:
            info = connection.dialect.server_version_info or ()
    except exc.DBAPIError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise BackendError(f"cannot connect to {shown}: {reason}") from None
    if rtt_ms:
        _add_round_trip(engine, rtt_ms)
    return Backend(
        engine=engine,
        name=engine.dialect.name,
        url=shown,
        server_version=".".join(str(part) for part in info),
        driver=engine.dialect.driver,
        rtt_ms=rtt_ms,
    )
