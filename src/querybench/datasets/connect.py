"""Database URLs and engines for a build, with every driver failure turned into one line.

Messages name the database with ``render_as_string(hide_password=True)``; a URL that cannot be
parsed is never echoed at all, since the text may hold a password.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import URL, Engine, make_url

from querybench.errors import BackendError


def parse_url(url: str | URL) -> URL:
    """The URL parsed, or a ``BackendError`` that does not echo it (it may hold a password)."""
    try:
        return make_url(url)
    except (exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise BackendError(
            "cannot parse the database URL: expected dialect+driver://user:password@host/database"
        ) from None


def open_engine(url: URL) -> Engine:
    """An engine for ``url``, or a one-line ``BackendError`` if its dialect or driver is missing."""
    shown = url.render_as_string(hide_password=True)
    try:
        return sa.create_engine(url)
    except exc.NoSuchModuleError:
        raise BackendError(
            f"{shown}: no SQLAlchemy dialect {url.drivername!r} is installed"
        ) from None
    except (exc.ArgumentError, ImportError) as error:
        raise BackendError(f"{shown}: cannot use this URL: {one_line(error, url)}") from None


@contextlib.contextmanager
def backend_errors(url: URL, doing: str) -> Iterator[None]:
    """Turn driver and file errors into a one-line ``BackendError`` naming the database."""
    try:
        yield
    except (exc.DBAPIError, OSError) as error:
        shown = url.render_as_string(hide_password=True)
        cause: BaseException = error
        if isinstance(error, exc.DBAPIError) and error.orig is not None:
            cause = error.orig
        raise BackendError(f"{shown}: {doing}: {one_line(cause, url)}") from error


def one_line(error: BaseException, url: URL) -> str:
    """The error as one line, with the URL's password (should a driver echo it) masked."""
    text = " ".join(str(error).split())
    if url.password:
        text = text.replace(str(url.password), "***")
    return f"{type(error).__name__}: {text}"
