"""The server a load run drives: the payments routes under uvicorn, with pool and request stats.

``load_app`` (a ``uvicorn --factory`` target) is :func:`querybench.payments.routes.app_from_env`
plus two loopback-only endpoints for the harness: ``GET /_querybench/stats`` (pool use since the
last reset, requests served and their total time) and ``POST /_querybench/reset``. Request time
is measured around the whole app, so "share of request time spent waiting for a connection" is
the pool's wait over the time requests spent in the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

from querybench.errors import BackendError
from querybench.payments.routes import create_app, engine_from_env, sessionmaker_scope
from querybench.runner.pool import PoolMonitor

STATS_PATH = "/_querybench/stats"
RESET_PATH = "/_querybench/reset"
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]


class RequestClock:
    """Pure ASGI middleware: how many requests, and how long they took in all (seconds)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start counting again."""
        with self.lock:
            self.requests = 0
            self.seconds = 0.0
            self.errors = 0
            self.in_flight = getattr(self, "in_flight", 0)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_querybench/"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        with self.lock:
            self.in_flight += 1

        async def send_status(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - started
            with self.lock:
                self.in_flight -= 1
                self.requests += 1
                self.seconds += elapsed
                self.errors += status >= 500


def load_app() -> Any:
    """The routes with a pool monitor and the harness's stats endpoints (the server's app)."""
    engine = engine_from_env()
    monitor = PoolMonitor(engine).start()
    app: FastAPI = create_app(sessionmaker_scope(sessionmaker(engine, expire_on_commit=False)))
    clock = RequestClock(app)

    @app.get(STATS_PATH)
    def stats() -> dict[str, Any]:
        with clock.lock:
            served = {
                "requests": clock.requests,
                "request_seconds": clock.seconds,
                "errors": clock.errors,
                "in_flight": clock.in_flight,
            }
        return {"pool": asdict(monitor.record()), **served}

    @app.post(RESET_PATH)
    def reset() -> dict[str, bool]:
        monitor.reset()
        clock.reset()
        return {"reset": True}

    return clock


class RoutesServer:
    """uvicorn serving :func:`load_app` in a process of its own, on loopback."""

    def __init__(self, database_url: str, *, port: int, pool_size: int, max_overflow: int,
                 pool_timeout: float) -> None:  # fmt: skip
        self.base_url = f"http://127.0.0.1:{port}"
        self.environment = {
            **os.environ,
            "QUERYBENCH_ROUTES_URL": database_url,
            "QUERYBENCH_ROUTES_POOL_SIZE": str(pool_size),
            "QUERYBENCH_ROUTES_MAX_OVERFLOW": str(max_overflow),
            "QUERYBENCH_ROUTES_POOL_TIMEOUT": str(pool_timeout),
        }
        self.command = [
            sys.executable, "-m", "uvicorn", "querybench.load.server:load_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until its stats endpoint answers."""
        self.process = subprocess.Popen(self.command, env=self.environment, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = (self.process.stderr.read() if self.process.stderr else b"").decode()
                last = error.strip().splitlines()[-1:] or ["no message"]
                raise BackendError(f"the routes server exited at start: {last[0]}")
            try:
                httpx.get(self.base_url + STATS_PATH, timeout=1.0).raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise BackendError(f"the routes server did not answer within {timeout:g} s")

    def stats(self) -> dict[str, Any]:
        """Pool use and request time since the last reset."""
        response = httpx.get(self.base_url + STATS_PATH, timeout=10.0)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def wait_idle(self, timeout: float) -> None:
        """Wait until no request is in the server: the clients of the last point are gone,
        but requests they left behind (a naive one holds its connection for seconds under
        load) still run, and must not land in the next point's figures."""
        deadline = time.monotonic() + timeout
        while self.stats()["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.1)

    def reset(self) -> None:
        """Zero the server's counters."""
        httpx.post(self.base_url + RESET_PATH, timeout=10.0).raise_for_status()

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 10 s)."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
