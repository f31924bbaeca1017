"""Fixtures of the recorder tests: seeded engines on every backend and the independent oracles.

The oracles are the database's own view of what ran, which nobody in this project wrote:
sqlite3's ``set_trace_callback`` on the raw DBAPI connection, and PostgreSQL's statement log
(``log_statement = all``, set per connection at startup and read back by backend pid).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

# The suite imports test modules in importlib mode, which leaves sys.path alone; the helper
# modules beside this file (models, code paths, oracles) are made importable here.
sys.path.insert(0, str(Path(__file__).parent))

import library_models
from recorder_models import Base, make_seeded_engine, seed
from recorder_oracles import PostgresLog, SqliteTrace


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A seeded SQLite file shared by the tests that only read it (or roll back)."""
    engine = make_seeded_engine(f"sqlite:///{tmp_path_factory.mktemp('recorder') / 'seeded.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_postgres(postgres_url: URL) -> Iterator[Engine]:
    """The seeded tables in this run's PostgreSQL database."""
    engine = make_seeded_engine(postgres_url)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_mysql(mysql_url: URL) -> Iterator[Engine]:
    """The seeded tables in this run's MariaDB/MySQL database."""
    engine = make_seeded_engine(mysql_url)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def library_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The library models (20 parents per shape) on a SQLite file."""
    folder = tmp_path_factory.mktemp("library")
    engine = library_models.make_library_engine(f"sqlite:///{folder / 'library.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def library_postgres(postgres_url: URL) -> Iterator[Engine]:
    """The library models in this run's PostgreSQL database."""
    engine = library_models.make_library_engine(postgres_url)
    yield engine
    library_models.Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def library_mysql(mysql_url: URL) -> Iterator[Engine]:
    """The library models in this run's MariaDB/MySQL database."""
    engine = library_models.make_library_engine(mysql_url)
    yield engine
    library_models.Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def library(request: pytest.FixtureRequest) -> Engine:
    """The library on each backend in turn; tests only read it."""
    engine: Engine = request.getfixturevalue(f"library_{request.param}")
    return engine


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def seeded(request: pytest.FixtureRequest) -> Engine:
    """A seeded engine on each backend in turn; tests roll back whatever they write."""
    engine: Engine = request.getfixturevalue(f"seeded_{request.param}")
    return engine


@pytest.fixture
def sqlite_engine(sqlite_url: URL) -> Iterator[Engine]:
    """A seeded engine on a SQLite file."""
    engine = make_seeded_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def traced_sqlite(sqlite_url: URL) -> Iterator[tuple[Engine, SqliteTrace]]:
    """A seeded SQLite engine whose every raw connection reports to a :class:`SqliteTrace`."""
    trace = SqliteTrace()
    engine = sa.create_engine(sqlite_url)

    @event.listens_for(engine, "connect")
    def hook(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.set_trace_callback(trace.lines.append)

    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
    trace.clear()
    yield engine, trace
    engine.dispose()


@pytest.fixture
def postgres_log() -> PostgresLog:
    """The PostgreSQL server log, when this process can read it (else the test skips)."""
    logs = sorted(Path("/var/log/postgresql").glob("*.log"))
    if not logs:
        pytest.skip("no PostgreSQL server log under /var/log/postgresql to read statements from")
    path = logs[-1]
    try:
        path.open("rb").close()
    except OSError as error:
        pytest.skip(f"cannot read the PostgreSQL server log {path}: {error}")
    return PostgresLog(path)


@pytest.fixture
def logged_postgres(seeded_postgres: Engine) -> Iterator[Engine]:
    """An engine on the seeded PostgreSQL tables whose connections log every statement."""
    engine = sa.create_engine(seeded_postgres.url, connect_args={"options": "-c log_statement=all"})
    yield engine
    engine.dispose()
