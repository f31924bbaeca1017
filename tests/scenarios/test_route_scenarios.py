"""The seed's routes through the ASGI app: the statements of every request equal the repository
scenario's, on every backend, endpoint, variant and size; naive and eager send the same bytes."""

from __future__ import annotations

import pytest
from expected_counts import EXPECTED, ROUTE_OF
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.payments.route_client import RouteResponse
from querybench.recorder import count_queries
from querybench.scenarios.builtin import payments_registry
from querybench.scenarios.route_scenarios import request_route

REGISTRY = payments_registry()
SIZES = (1, 10, 100)


def _run(engine: Engine, name: str, variant: str, size: int) -> tuple[int, object]:
    scenario = REGISTRY.get(name)
    with Session(engine) as session:
        inputs = scenario.prepare(session, size)
        with count_queries(session) as recorder:
            result = scenario.variants[variant].run(session, inputs)
        session.rollback()
    return recorder.count, result


ROUTE_CELLS = [
    (route, variant, size)
    for route in ROUTE_OF
    for variant in ("naive", "eager")
    for size in REGISTRY.get(route).sizes_in(SIZES)
]


@pytest.mark.parametrize(("route", "variant", "size"), ROUTE_CELLS)
def test_statements_per_request_equal_the_repository_scenarios(
    tiny_engine: Engine, route: str, variant: str, size: int
) -> None:
    through_http, response = _run(tiny_engine, route, variant, size)
    direct, data = _run(tiny_engine, ROUTE_OF[route], variant, size)
    assert through_http == direct == EXPECTED[route][variant](size)
    assert isinstance(response, RouteResponse)
    assert response.status == 200
    assert response.json() == data  # the route serves what the repository scenario returns


@pytest.mark.parametrize("route", list(ROUTE_OF))
def test_naive_and_eager_routes_send_the_same_bytes(tiny_engine: Engine, route: str) -> None:
    for size in REGISTRY.get(route).sizes_in(SIZES):
        _, naive = _run(tiny_engine, route, "naive", size)
        _, eager = _run(tiny_engine, route, "eager", size)
        assert isinstance(naive, RouteResponse)
        assert naive == eager
        assert naive.response_bytes == len(naive.body) > 2


def test_a_missing_payment_is_a_404_and_fails_the_request(tiny_engine: Engine) -> None:
    with Session(tiny_engine) as session, pytest.raises(AssertionError, match="answered 404"):
        request_route("/eager/payments/999999999", session)


def test_a_bad_status_is_refused_by_validation(tiny_engine: Engine) -> None:
    with Session(tiny_engine) as session, pytest.raises(AssertionError, match="answered 422"):
        request_route("/naive/payments?status=lost", session)
