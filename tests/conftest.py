"""Backends for the whole suite: SQLite always, PostgreSQL and MariaDB where their servers answer.

Each server test gets a database created for this test run (``querybench_t_<random>``) and
dropped at the end; nothing that existed before the run is touched. Without a server a test
skips with a reason naming it, except under ``CI=true``, where an unreachable server fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

SERVERS = {
    "postgres": ("QUERYBENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mysql": ("QUERYBENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
REDIS = ("QUERYBENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = ["sqlite", "postgres", "mysql"]


def in_ci() -> bool:
    """CI=true turns a missing server from a skip into a failure."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def server_unavailable(name: str, url: str, reason: BaseException) -> None:
    """Fail in CI, skip elsewhere, naming the server and the URL (password hidden)."""
    shown = make_url(url).render_as_string(hide_password=True) if "://" in url else url
    message = f"{name} server unreachable at {shown}: {type(reason).__name__}: {reason}"
    if in_ci():
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def _admin_url(name: str) -> str:
    env, default = SERVERS[name]
    return os.environ.get(env) or default


def _create_scratch_database(name: str) -> URL:
    """Create an empty database of our own on the server and return its URL."""
    admin = make_url(_admin_url(name))
    scratch = f"querybench_t_{secrets.token_hex(4)}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {scratch}"))
    except Exception as error:  # any driver or network error means: no server
        server_unavailable(name, str(admin), error)
    finally:
        engine.dispose()
    return admin.set(database=scratch)


def _drop_scratch_database(name: str, url: URL) -> None:
    """Drop the database this run created, and only that one."""
    assert url.database is not None
    assert url.database.startswith("querybench_t_")
    admin = make_url(_admin_url(name))
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if name == "postgres":
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)"))
        else:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {url.database}"))
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[URL]:
    """A PostgreSQL database created for this test run."""
    url = _create_scratch_database("postgres")
    yield url
    _drop_scratch_database("postgres", url)


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[URL]:
    """A MariaDB/MySQL database created for this test run."""
    url = _create_scratch_database("mysql")
    yield url
    _drop_scratch_database("mysql", url)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server's URL, after a PING proves it answers."""
    import redis

    url = os.environ.get(REDIS[0]) or REDIS[1]
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as error:
        server_unavailable("redis", url, error)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> URL:
    """A fresh SQLite file in the test's own folder."""
    return make_url(f"sqlite:///{tmp_path / 'test.sqlite'}")


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> URL:
    """Each backend in turn: SQLite, then PostgreSQL and MariaDB where their servers answer."""
    name: str = request.param
    fixture = {"sqlite": "sqlite_url", "postgres": "postgres_url", "mysql": "mysql_url"}[name]
    url: URL = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def make_engine() -> Iterator[Callable[[URL | str], Engine]]:
    """A factory of engines that are all disposed when the test ends."""
    engines: list[Engine] = []

    def make(url: URL | str) -> Engine:
        engine = sa.create_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture(scope="session")
def scratch_database() -> Iterator[Callable[[str], URL]]:
    """A factory of extra databases on a server ("postgres" or "mysql"), dropped at the end."""
    created: list[tuple[str, URL]] = []

    def make(name: str) -> URL:
        url = _create_scratch_database(name)
        created.append((name, url))
        return url

    yield make
    for name, url in created:
        _drop_scratch_database(name, url)
