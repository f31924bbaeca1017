"""Through the middleware, in a Flask app and a FastAPI app of the tests' own: every request's
statement count equals the repository scenario's, for every endpoint, variant and size; the
Server-Timing header says the same; N+1 findings are logged with the route and call site."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from expected_counts import EXPECTED
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from web_apps import fastapi_app, flask_app

from querybench.payments.route_client import InProcessClient
from querybench.scenarios.inputs import PaymentInputs, limit_of, probe_payment, probe_user
from querybench.web import RequestLog

SIZES = (1, 10, 100)
# endpoint: (repository scenario, how its inputs are picked, its path, Flask's route, FastAPI's)
ENDPOINTS: dict[str, tuple[str, Callable[[Session, int], PaymentInputs], Any, str, str]] = {
    "payment": (
        "PaymentRepository.get_payment_with_user",
        probe_payment,
        lambda i: f"/payments/{i.payment_id}",
        "/payments/<int:id>",
        "/payments/{id}",
    ),
    "user_payments": (
        "PaymentRepository.get_user_payments_with_user",
        probe_user,
        lambda i: f"/users/{i.user_id}/payments",
        "/users/<int:id>/payments",
        "/users/{id}/payments",
    ),
    "by_status": (
        "PaymentRepository.get_payments_by_status",
        limit_of,
        lambda i: f"/payments?status={i.status.value}&limit={i.size}",
        "/payments",
        "/payments",
    ),
    "active_users": (
        "UserRepository.get_active_users_with_payments",
        limit_of,
        lambda i: f"/users/active?limit={i.size}",
        "/users/active",
        "/users/active",
    ),
}
CASES = [
    (endpoint, variant, size)
    for endpoint in ENDPOINTS
    for variant in ("naive", "eager")
    for size in ((1,) if endpoint == "payment" else SIZES)
]
TIMING = re.compile(r'^db;dur=\d+\.\d;desc="(\d+) statements?"$')


class Client:
    """One GET on either app: status, JSON body and Server-Timing header."""

    def __init__(self, kind: str, engine: Engine) -> None:
        self.kind = kind
        self.log = RequestLog()
        if kind == "flask":
            self._client: Any = flask_app(engine, self.log).test_client()
        else:
            self._client = InProcessClient(fastapi_app(engine, self.log))

    def get(self, path: str) -> tuple[int, Any, str]:
        if self.kind == "flask":
            response = self._client.get(path)
            return response.status_code, response.get_json(), response.headers["Server-Timing"]
        answer = self._client.get(path)
        return answer.status, answer.json(), answer.header("Server-Timing") or ""

    def close(self) -> None:
        if self.kind == "fastapi":
            self._client.close()


@pytest.fixture(params=["flask", "fastapi"])
def client(request: pytest.FixtureRequest, tiny_engine: Engine) -> Iterator[Client]:
    made = Client(request.param, tiny_engine)
    yield made
    made.close()


def _inputs(engine: Engine, endpoint: str, size: int) -> PaymentInputs:
    with Session(engine) as session:
        return ENDPOINTS[endpoint][1](session, size)


@pytest.mark.parametrize(("endpoint", "variant", "size"), CASES)
def test_statements_per_request_equal_the_repository_scenarios(
    client: Client, tiny_engine: Engine, endpoint: str, variant: str, size: int
) -> None:
    method, _, path, flask_route, fastapi_route = ENDPOINTS[endpoint]
    inputs = _inputs(tiny_engine, endpoint, size)
    url = path(inputs)
    status, body, timing = client.get(f"{url}{'&' if '?' in url else '?'}strategy={variant}")
    assert status == 200
    expected = EXPECTED[method][variant](size)
    (record,) = client.log.records
    assert record.statements == expected
    assert record.route == (flask_route if client.kind == "flask" else fastapi_route)
    assert record.method == "GET"
    assert record.status == 200
    assert 0 < record.db_seconds < record.total_seconds
    match = TIMING.match(timing)
    assert match is not None, timing
    assert int(match.group(1)) == expected
    assert len(body if isinstance(body, list) else [body]) == size


def test_naive_n_plus_one_is_logged_with_route_and_call_site(
    client: Client, tiny_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    inputs = _inputs(tiny_engine, "by_status", 10)
    path = f"/payments?status={inputs.status.value}&limit=10"
    with caplog.at_level(logging.WARNING, logger="querybench.web"):
        client.get(f"{path}&strategy=naive")
        client.get(f"{path}&strategy=eager")
    (message,) = [r.getMessage() for r in caplog.records if r.name == "querybench.web"]
    assert message.startswith("N+1 in GET /payments: lazy load of Payment.user for 10 parents")
    assert "(10 statements) at " in message
    assert "querybench/payments/serialise.py:" in message  # where payment.user is read
    naive, eager = client.log.records
    assert [f.id.split("@")[0] for f in naive.findings] == ["lazy_load:Payment.user"]
    assert eager.findings == ()


def test_server_timing_can_be_turned_off(tiny_engine: Engine) -> None:
    from flask import Flask

    from querybench.web import QueryCountWSGIMiddleware

    app = Flask("querybench_test_off")
    app.add_url_rule("/", "root", lambda: "ok")
    log = RequestLog()
    app.wsgi_app = QueryCountWSGIMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, log=log, server_timing=False
    )
    response = app.test_client().get("/")
    assert response.data == b"ok"  # the request is recorded when its body has been sent
    assert "Server-Timing" not in response.headers
    assert [(r.route, r.statements) for r in log.records] == [("/", 0)]
