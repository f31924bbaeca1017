"""The tests' own apps: the seed's four endpoints in Flask and in FastAPI, each wrapped in the
querybench middleware, calling the payments repositories with ``?strategy=naive|eager``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from querybench.payments import serialise
from querybench.payments.models import PaymentStatus
from querybench.payments.repositories import PaymentRepository, UserRepository
from querybench.web import QueryCountMiddleware, QueryCountWSGIMiddleware, RequestLog

Endpoint = Callable[[Session, str, dict[str, Any]], object]


def payment(session: Session, strategy: str, args: dict[str, Any]) -> object:
    found = PaymentRepository.get_payment_with_user(session, args["id"], strategy=strategy)
    return None if found is None else serialise.payment_with_user(found)


def user_payments(session: Session, strategy: str, args: dict[str, Any]) -> object:
    payments = PaymentRepository.get_user_payments_with_user(session, args["id"], strategy=strategy)
    return [serialise.payment_with_user(p) for p in payments]


def by_status(session: Session, strategy: str, args: dict[str, Any]) -> object:
    payments = PaymentRepository.get_payments_by_status(
        session, PaymentStatus(args["status"]), limit=args["limit"], strategy=strategy
    )
    return [serialise.payment_with_user(p) for p in payments]


def active_users(session: Session, strategy: str, args: dict[str, Any]) -> object:
    users = UserRepository.get_active_users_with_payments(
        session, limit=args["limit"], strategy=strategy
    )
    return [serialise.user_with_payments(u) for u in users]


def flask_app(engine: Engine, log: RequestLog) -> Any:
    """A Flask app with the four endpoints and the WSGI middleware."""
    from flask import Flask, jsonify, request

    app = Flask("querybench_test_flask")
    sessions = sessionmaker(engine)

    def serve(endpoint: Endpoint, **args: Any) -> Any:
        strategy = request.args.get("strategy", "eager")
        args.update({key: int(value) for key, value in request.args.items() if key == "limit"})
        if "status" in request.args:
            args["status"] = request.args["status"]
        with sessions() as session:
            return jsonify(endpoint(session, strategy, args))

    app.add_url_rule("/payments/<int:id>", "payment", lambda id: serve(payment, id=id))
    app.add_url_rule(
        "/users/<int:id>/payments", "user_payments", lambda id: serve(user_payments, id=id)
    )
    app.add_url_rule("/payments", "by_status", lambda: serve(by_status))
    app.add_url_rule("/users/active", "active_users", lambda: serve(active_users))
    app.wsgi_app = QueryCountWSGIMiddleware(app.wsgi_app, log=log)  # type: ignore[method-assign]
    return app


def fastapi_app(engine: Engine, log: RequestLog) -> Any:
    """A FastAPI app with the four endpoints (sync handlers) and the ASGI middleware."""
    from fastapi import Depends, FastAPI

    app = FastAPI()
    sessions = sessionmaker(engine)

    def session_dep() -> Iterator[Session]:
        with sessions() as session:
            yield session

    @app.get("/payments/{id}")
    def get_payment(id: int, strategy: str, s: Session = Depends(session_dep)) -> Any:  # noqa: B008
        return payment(s, strategy, {"id": id})

    @app.get("/users/{id}/payments")
    def get_user_payments(id: int, strategy: str, s: Session = Depends(session_dep)) -> Any:  # noqa: B008
        return user_payments(s, strategy, {"id": id})

    @app.get("/payments")
    def get_by_status(
        status: str,
        limit: int,
        strategy: str,
        s: Session = Depends(session_dep),  # noqa: B008
    ) -> Any:
        return by_status(s, strategy, {"status": status, "limit": limit})

    @app.get("/users/active")
    def get_active(limit: int, strategy: str, s: Session = Depends(session_dep)) -> Any:  # noqa: B008
        return active_users(s, strategy, {"limit": limit})

    app.add_middleware(QueryCountMiddleware, log=log)
    return app
