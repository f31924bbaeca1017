"""The seed's routes through the ASGI app: the statements of every request equal the repository
scenario's, on every backend, endpoint, variant and size; naive and eager send the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from expected_counts import EXPECTED, ROUTE_OF
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.cli import main
from querybench.datasets import CACHE_ENV
from querybench.payments.route_client import RouteResponse
from querybench.recorder import count_queries
from querybench.runner.results import read_results
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


def test_a_run_keeps_response_bytes_and_pool_use_and_shows_the_per_request_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    out = tmp_path / "out"
    status = main([
        "run", "-k", "routes.get_payments_by_status", "--dataset", "tiny", "--sizes", "1,10",
        "--rounds", "1", "--min-time", "0", "--out", str(out),
    ])  # fmt: skip
    assert status == 0
    cells = read_results(out / "results.json").cells
    assert {(c.variant, c.size, c.queries) for c in cells} == {
        ("naive", 1, 2), ("eager", 1, 1), ("naive", 10, 11), ("eager", 10, 1),
    }  # fmt: skip
    for cell in cells:
        assert cell.response_bytes is not None
        assert cell.response_bytes > 100 * cell.size
        assert cell.pool is not None
        assert cell.pool.checkouts == 1  # the recorded call: one Session, one connection
        assert cell.pool.timeouts == cell.pool.peak_overflow == 0
    printed = capsys.readouterr().out
    assert "Per request, through the HTTP stack" in printed
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<table class="per-request">' in html
    assert f"<td>{cells[0].response_bytes}</td>" in html
