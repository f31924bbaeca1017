"""The recorded requests go to a file that `querybench report` renders per route; the ASGI
middleware writes it when the app shuts down; a malformed file is one line and exit 2."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from web_apps import fastapi_app, flask_app

from querybench.cli import main
from querybench.report.requests_report import summarise
from querybench.scenarios.inputs import PaymentInputs
from querybench.web import QueryCountMiddleware, RequestLog, read_requests


def _by_status(client: object, variant: str, size: int) -> None:
    status = PaymentInputs(size=size).status.value
    path = f"/payments?status={status}&limit={size}&strategy={variant}"
    assert client.get(path).get_data()  # type: ignore[attr-defined]  # sent: recorded


def test_requests_file_is_rendered_per_route(tiny_engine: Engine, tmp_path: Path) -> None:
    log = RequestLog()
    client = flask_app(tiny_engine, log).test_client()
    for size in (1, 10, 100):
        _by_status(client, "naive", size)
    assert client.get("/users/active?limit=10&strategy=eager").get_data()
    path = log.write(tmp_path / "requests.json")
    records = read_requests(path)
    assert records == log.records
    by_status, active = sorted(summarise(records), key=lambda s: s.route)
    assert (by_status.route, by_status.requests) == ("GET /payments", 3)
    assert (by_status.statements_p50, by_status.statements_max) == (11, 101)
    assert 0 < by_status.db_share < 1
    assert [count for _, count in by_status.findings] == [2]  # N=10 and N=100
    assert (active.route, active.statements_max, active.findings) == ("GET /users/active", 2, ())
    assert main(["report", str(path), "-o", str(tmp_path / "report.html")]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<td class=text>GET /payments</td><td>3</td><td>11</td><td>101</td>" in html
    assert "lazy load of Payment.user for 10 parents" in html  # as first seen
    assert "<i>(in 2 requests)</i>" in html


def test_asgi_middleware_writes_the_file_at_shutdown(tiny_engine: Engine, tmp_path: Path) -> None:
    import httpx

    path = tmp_path / "requests.json"
    app = fastapi_app(tiny_engine, RequestLog())
    wrapped = QueryCountMiddleware(app, results_path=path)

    async def serve() -> None:
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
        sent: list[str] = []

        async def receive() -> dict[str, str]:
            return next(messages)

        async def send(message: dict[str, str]) -> None:
            sent.append(message["type"])

        transport = httpx.ASGITransport(app=wrapped)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/users/active?limit=1&strategy=naive")
        await wrapped({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
        assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]

    assert not path.exists()
    asyncio.run(serve())
    ((route, statements),) = [(r.route, r.statements) for r in read_requests(path)]
    assert (route, statements) == ("/users/active", 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"kind": "querybench-requests", "schema": 9, "requests": []},
         "unsupported requests schema"),
        ({"kind": "querybench-requests", "schema": 1, "requests": [{"method": "GET"}]},
         "requests[0].route: expected str"),
        ({"kind": "querybench-requests", "schema": 1, "requests": [
            {"method": "GET", "route": "/", "status": 200, "statements": -1, "db_seconds": 0,
             "total_seconds": 0}]}, "requests[0].statements: expected a number >= 0"),
    ],
)  # fmt: skip
def test_a_malformed_requests_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: object, message: str
) -> None:
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert not (tmp_path / "report.html").exists()


def test_listeners_are_held_until_close_and_then_removed(tiny_engine: Engine) -> None:
    from querybench.recorder.taps import active_taps

    log = RequestLog()
    app = flask_app(tiny_engine, log)
    assert active_taps() == 1  # held from the middleware's creation
    assert app.test_client().get("/users/active?limit=1&strategy=eager").get_data()
    assert active_taps() == 1
    app.wsgi_app.close()
    assert active_taps() == 0
    assert [r.statements for r in log.records] == [2]
