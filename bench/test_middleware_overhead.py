"""What the middleware costs per request: a request with 10 statements, with and without it.

    .venv/bin/pytest bench/test_middleware_overhead.py -p no:cacheprovider -s

Four apps run side by side in one process, on one SQLite file with the same handler (10
primary-key SELECTs in a fresh Session): FastAPI through httpx's ASGI transport, bare and with
``QueryCountMiddleware``; Flask through its test client, bare and with
``QueryCountWSGIMiddleware``. Rounds of ``BATCH`` requests per app are interleaved, in an order
that rotates each round (a shared machine drifts), and the median time per request of each app
gives the ratio with/without. The middleware does all its work: recorder, Server-Timing header,
N+1 detection (the ten SELECTs are one), record kept in a ``RequestLog``; only the log line is
filtered out, so that the measurement does not time the terminal.

The ratios are printed and recorded in ``extra_info``; nothing is asserted about them.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from querybench.payments.route_client import InProcessClient
from querybench.web import QueryCountMiddleware, QueryCountWSGIMiddleware, RequestLog

STATEMENTS = 10
BATCH = 20
ROUNDS = 60


class Base(DeclarativeBase):
    """Base of the one-table model below."""


class Account(Base):
    """A row to select by primary key."""

    __tablename__ = "bench_web_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


def ten_statements(engine: sa.Engine) -> int:
    """The handler's work: 10 SELECTs in a fresh Session."""
    with Session(engine) as session:
        for account_id in range(1, STATEMENTS + 1):
            session.execute(sa.select(Account.name).where(Account.id == account_id)).one()
    return STATEMENTS


def fastapi_app(engine: sa.Engine, log: RequestLog | None) -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/ten")
    def ten() -> dict[str, int]:
        return {"statements": ten_statements(engine)}

    if log is not None:
        app.add_middleware(QueryCountMiddleware, log=log)
    return app


def flask_app(engine: sa.Engine, log: RequestLog | None) -> Any:
    from flask import Flask

    app = Flask("querybench_bench_web")
    app.add_url_rule("/ten", "ten", lambda: {"statements": ten_statements(engine)})
    if log is not None:
        app.wsgi_app = QueryCountWSGIMiddleware(app.wsgi_app, log=log)  # type: ignore[method-assign]
    return app


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    path: Path = tmp_path_factory.mktemp("web") / "bench.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Account(id=i, name=f"a{i}") for i in range(1, STATEMENTS + 1))
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def quiet() -> Iterator[None]:
    logger = logging.getLogger("querybench.web")
    level, logger.level = logger.level, logging.CRITICAL
    yield
    logger.setLevel(level)


def _requesters(engine: sa.Engine) -> tuple[dict[str, Callable[[], object]], list[Any]]:
    asgi_bare = InProcessClient(fastapi_app(engine, None))
    asgi_recorded = InProcessClient(fastapi_app(engine, RequestLog(max_requests=0)))
    wsgi_bare = flask_app(engine, None).test_client()
    wsgi_recorded = flask_app(engine, RequestLog(max_requests=0)).test_client()
    requesters = {
        "asgi bare": lambda: asgi_bare.get("/ten"),
        "asgi + middleware": lambda: asgi_recorded.get("/ten"),
        "wsgi bare": lambda: wsgi_bare.get("/ten").data,
        "wsgi + middleware": lambda: wsgi_recorded.get("/ten").data,
    }
    return requesters, [asgi_bare, asgi_recorded]


@pytest.mark.usefixtures("quiet")
def test_middleware_cost_per_request(benchmark: BenchmarkFixture, engine: sa.Engine) -> None:
    """Median time per 10-statement request of each app, interleaved; ratios with/without."""
    requesters, clients = _requesters(engine)
    names = list(requesters)
    samples: dict[str, list[float]] = {name: [] for name in names}
    try:
        for request in requesters.values():  # warm up every path once
            for _ in range(BATCH):
                request()
        for round_number in range(ROUNDS):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                request = requesters[name]
                started = time.perf_counter()
                for _ in range(BATCH):
                    request()
                samples[name].append((time.perf_counter() - started) / BATCH)
        benchmark.pedantic(requesters["asgi + middleware"], rounds=20, iterations=BATCH)
    finally:
        for client in clients:
            client.close()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    asgi = medians["asgi + middleware"] / medians["asgi bare"]
    wsgi = medians["wsgi + middleware"] / medians["wsgi bare"]
    benchmark.extra_info.update(
        statements=STATEMENTS,
        median_us={name: round(value * 1e6, 1) for name, value in medians.items()},
        asgi_ratio=round(asgi, 3),
        wsgi_ratio=round(wsgi, 3),
    )
    for name, value in medians.items():
        print(f"{name:>18}: {value * 1e6:8.1f} us per request ({STATEMENTS} statements)")
    print(f"ASGI (FastAPI) with/without middleware: {asgi:.3f}x")
    print(f"WSGI (Flask)   with/without middleware: {wsgi:.3f}x")
