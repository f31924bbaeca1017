"""The seed's HTTP API over payments (``backend/app/routes/payments.py``) as a FastAPI app.

Four endpoints, each mounted twice: under ``/naive`` calling the repositories with lazy loading
(what the seed's routes did before), and under ``/eager`` with each method's chosen eager
strategy (what they do after). The two trees share one handler per endpoint, so the pair
differs in loading and nothing else:

- ``GET /{variant}/payments/{payment_id}``: a payment with its user;
- ``GET /{variant}/users/{user_id}/payments``: a user's payments, each with that user;
- ``GET /{variant}/payments?status=refunded&limit=100``: the newest payments of a status;
- ``GET /{variant}/users/active?limit=100``: a page of active users with their payments.

Handlers are plain ``def`` functions over a sync ``Session``, as in the seed: FastAPI runs them
in its thread pool, and each request holds a pooled connection for all of its statements.
Where sessions come from is the caller's choice (:data:`SessionScope`): a sessionmaker for a
server, the harness's own measured Session for the in-process scenarios.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated, Final

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from querybench.payments import serialise
from querybench.payments.models import PaymentStatus
from querybench.payments.repositories import PaymentRepository, UserRepository

SessionScope = Callable[[], AbstractContextManager[Session]]
"""Opens the Session one request uses and closes it (or hands it back) afterwards."""

VARIANTS: Final = ("naive", "eager")
"""The two trees of the API: lazy loading as shipped first, and the repositories' eager loads."""

URL_ENV: Final = "QUERYBENCH_ROUTES_URL"
POOL_SIZE_ENV: Final = "QUERYBENCH_ROUTES_POOL_SIZE"
MAX_OVERFLOW_ENV: Final = "QUERYBENCH_ROUTES_MAX_OVERFLOW"
POOL_TIMEOUT_ENV: Final = "QUERYBENCH_ROUTES_POOL_TIMEOUT"

MAX_LIMIT: Final = 1000


def _session(request: Request) -> Iterator[Session]:
    scope: SessionScope = request.app.state.session_scope
    with scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(_session)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Skip = Annotated[int, Query(ge=0)]


def _json(content: object) -> JSONResponse:
    # The serialisers return JSON-ready values already; FastAPI's jsonable_encoder walk over
    # them would only add per-item cost that has nothing to do with the database.
    return JSONResponse(content)


def variant_router(strategy: str) -> APIRouter:
    """The four endpoints, calling the repositories with ``strategy`` (``naive`` or ``eager``)."""
    router = APIRouter(prefix=f"/{strategy}", tags=[strategy])

    @router.get("/payments/{payment_id}")
    def payment_with_user(payment_id: int, session: SessionDep) -> JSONResponse:
        """A payment with its user (the seed's first migrated endpoint)."""
        payment = PaymentRepository.get_payment_with_user(session, payment_id, strategy=strategy)
        if payment is None:
            raise HTTPException(status_code=404, detail=f"no payment {payment_id}")
        return _json(serialise.payment_with_user(payment))

    @router.get("/users/{user_id}/payments")
    def user_payments(user_id: int, session: SessionDep) -> JSONResponse:
        """Every payment of one user, each with that user (the seed's second endpoint)."""
        payments = PaymentRepository.get_user_payments_with_user(
            session, user_id, strategy=strategy
        )
        return _json([serialise.payment_with_user(payment) for payment in payments])

    @router.get("/payments")
    def payments_by_status(
        session: SessionDep, status: PaymentStatus, limit: Limit = 100, skip: Skip = 0
    ) -> JSONResponse:
        """The newest payments of one status, each with its user."""
        payments = PaymentRepository.get_payments_by_status(
            session, status, skip=skip, limit=limit, strategy=strategy
        )
        return _json([serialise.payment_with_user(payment) for payment in payments])

    @router.get("/users/active")
    def active_users(session: SessionDep, limit: Limit = 100, skip: Skip = 0) -> JSONResponse:
        """A page of active users, each with every payment."""
        users = UserRepository.get_active_users_with_payments(
            session, skip=skip, limit=limit, strategy=strategy
        )
        return _json([serialise.user_with_payments(user) for user in users])

    return router


def create_app(session_scope: SessionScope) -> FastAPI:
    """The payments API, every request's Session opened by ``session_scope``."""
    app = FastAPI(title="querybench payments routes", openapi_url=None, docs_url=None)
    app.state.session_scope = session_scope
    for strategy in VARIANTS:
        app.include_router(variant_router(strategy))
    return app


def sessionmaker_scope(factory: sessionmaker[Session]) -> SessionScope:
    """A scope that opens a new Session from ``factory`` per request and closes it after."""

    @contextmanager
    def scope() -> Iterator[Session]:
        with factory() as session:
            yield session

    return scope


def engine_from_env() -> sa.Engine:
    """The engine a server process uses: ``QUERYBENCH_ROUTES_URL`` and the pool's bounds.

    The pool is bounded on purpose (size, overflow and timeout from the environment, defaults
    5, 0 and 30 s): a load run measures what happens when requests outnumber connections.
    """
    url = os.environ.get(URL_ENV)
    if not url:
        raise RuntimeError(f"{URL_ENV} is not set: the database URL the routes serve")
    return sa.create_engine(
        url,
        pool_size=int(os.environ.get(POOL_SIZE_ENV, "5")),
        max_overflow=int(os.environ.get(MAX_OVERFLOW_ENV, "0")),
        pool_timeout=float(os.environ.get(POOL_TIMEOUT_ENV, "30")),
        pool_pre_ping=False,
    )


def app_from_env() -> FastAPI:
    """The app over :func:`engine_from_env` (``uvicorn --factory`` target)."""
    factory = sessionmaker(engine_from_env(), expire_on_commit=False)
    return create_app(sessionmaker_scope(factory))
