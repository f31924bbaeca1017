"""Async routes with an AsyncSession through the ASGI middleware: lazy loads and loops are
N+1, a fan-out of concurrent independent queries (``asyncio.gather``) is not, and concurrent
requests never mix their statements."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from expected_counts import EXPECTED
from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from querybench.datasets import BuiltDataset
from querybench.payments import serialise
from querybench.payments.models import PaymentStatus, User
from querybench.payments.repositories import PaymentRepository
from querybench.web import QueryCountMiddleware, RequestLog

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}


@pytest.fixture
def async_engine(tiny: BuiltDataset) -> Iterator[AsyncEngine]:
    backend = tiny.url.get_backend_name()
    if backend not in ASYNC_DRIVERS:
        pytest.skip(f"no async driver installed for {backend}")
    engine = create_async_engine(tiny.url.set(drivername=ASYNC_DRIVERS[backend]))
    yield engine
    asyncio.run(engine.dispose())


def async_app(engine: AsyncEngine, log: RequestLog) -> FastAPI:
    app = FastAPI()
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def session_dep() -> AsyncIterator[AsyncSession]:
        async with sessions() as session:
            yield session

    async def user_ids(session: AsyncSession, count: int) -> list[int]:
        return list(await session.scalars(sa.select(User.id).order_by(User.id).limit(count)))

    @app.get("/loop")
    async def loop(n: int, s: AsyncSession = Depends(session_dep)) -> Any:  # noqa: B008
        ids = await user_ids(s, n)
        emails = []
        for user_id in ids:  # one SELECT after another: an N+1
            emails.append(await s.scalar(sa.select(User.email).where(User.id == user_id)))
        return emails

    @app.get("/fanout")
    async def fanout(n: int, s: AsyncSession = Depends(session_dep)) -> Any:  # noqa: B008
        ids = await user_ids(s, n)
        # Every task connects first, then all send their SELECT at once: on a loaded machine,
        # connecting one by one could otherwise finish a task before the next one starts.
        connected = asyncio.Barrier(len(ids))

        async def email_of(user_id: int) -> str | None:
            async with sessions() as own:  # a session per task: they run side by side
                await own.connection()
                await connected.wait()
                return await own.scalar(sa.select(User.email).where(User.id == user_id))

        return await asyncio.gather(*(email_of(user_id) for user_id in ids))

    @app.get("/lazy")
    async def lazy(limit: int, strategy: str, s: AsyncSession = Depends(session_dep)) -> Any:  # noqa: B008
        def run(sync_session: Any) -> Any:
            payments = PaymentRepository.get_payments_by_status(
                sync_session, PaymentStatus.REFUNDED, limit=limit, strategy=strategy
            )
            return [serialise.payment_with_user(p) for p in payments]

        return await s.run_sync(run)

    app.add_middleware(QueryCountMiddleware, log=log)
    return app


async def _get(app: FastAPI, *paths: str) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return list(await asyncio.gather(*(client.get(path) for path in paths)))


@pytest.mark.parametrize("size", [1, 10, 100])
@pytest.mark.parametrize("strategy", ["naive", "eager"])
def test_async_session_lazy_loads_counted_exactly(
    async_engine: AsyncEngine, strategy: str, size: int
) -> None:
    log = RequestLog()
    (response,) = asyncio.run(
        _get(async_app(async_engine, log), f"/lazy?limit={size}&strategy={strategy}")
    )
    assert response.status_code == 200
    assert len(response.json()) == size
    (record,) = log.records
    expected = EXPECTED["PaymentRepository.get_payments_by_status"][strategy](size)
    assert record.statements == expected
    assert f'desc="{expected} statement' in response.headers["server-timing"]
    assert bool(record.findings) == (strategy == "naive" and size >= 3)


def test_a_loop_of_awaited_selects_is_n_plus_one(
    async_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    log = RequestLog()
    with caplog.at_level(logging.WARNING, logger="querybench.web"):
        (response,) = asyncio.run(_get(async_app(async_engine, log), "/loop?n=6"))
    assert response.status_code == 200
    (record,) = log.records
    assert record.statements == 1 + 6
    assert [f.id.split(":")[0] for f in record.findings] == ["repeated_select"]
    assert "test_async_routes.py:" in record.findings[0].id
    assert any("N+1 in GET /loop: same SELECT" in r.getMessage() for r in caplog.records)


def test_a_gather_fan_out_is_not_n_plus_one(
    async_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    log = RequestLog()
    with caplog.at_level(logging.WARNING, logger="querybench.web"):
        (response,) = asyncio.run(_get(async_app(async_engine, log), "/fanout?n=6"))
    assert response.status_code == 200
    assert len(set(response.json())) == 6
    (record,) = log.records
    assert record.statements == 1 + 6  # every task's statement is the request's
    assert record.findings == ()
    assert not [r for r in caplog.records if r.name == "querybench.web"]


def test_concurrent_requests_never_mix_their_statements(async_engine: AsyncEngine) -> None:
    log = RequestLog()
    sizes = [3, 4, 5, 6, 7, 8]
    responses = asyncio.run(_get(async_app(async_engine, log), *(f"/loop?n={n}" for n in sizes)))
    assert [r.status_code for r in responses] == [200] * len(sizes)
    assert sorted(record.statements for record in log.records) == [1 + n for n in sizes]
