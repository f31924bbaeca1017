"""Requests to an ASGI app in process, through httpx's ASGI transport, from synchronous code.

The harness times synchronous calls; the app is asynchronous. Starting an event loop per
request (``asyncio.run``) costs more than a small request itself, so one loop runs for the
client's life in a daemon thread, and each request is handed to it. The loop's root task stays
alive meanwhile: anyio ties the thread pool that runs FastAPI's sync handlers to it, so those
threads are reused from request to request instead of started for each.

The root task also watches the main thread: when the interpreter shuts down, it ends, which
stops anyio's worker threads (not daemons) so that the process can exit without ``close``.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

_SHUTDOWN_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class RouteResponse:
    """What a route returned: the status, the body's bytes and its parsed JSON.

    Two responses are equal when status and body are: a naive and an eager route must send
    the very same bytes.
    """

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), if sent."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def response_bytes(self) -> int:
        """Size of the body as sent (no headers)."""
        return len(self.body)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return httpx.Response(self.status, content=self.body).json()


class InProcessClient:
    """GET requests to ``app`` through ``httpx.ASGITransport``, one event loop for all of them."""

    def __init__(self, app: Any, *, base_url: str = "http://routes.invalid") -> None:
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="querybench-asgi", daemon=True
        )
        self._thread.start()
        ready.wait()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._root(ready))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        finally:
            self._loop.close()

    async def _root(self, ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        ready.set()
        main = threading.main_thread()
        while not self._stop.is_set() and main.is_alive():
            try:
                await asyncio.wait_for(self._stop.wait(), _SHUTDOWN_POLL_SECONDS)
            except TimeoutError:
                continue

    def get(self, path: str) -> RouteResponse:
        """``GET path``; the status and body of the response."""
        future = asyncio.run_coroutine_threadsafe(self._get(path), self._loop)
        return future.result()

    async def _get(self, path: str) -> RouteResponse:
        response = await self._client.get(path)
        return RouteResponse(
            response.status_code, response.content, tuple(response.headers.multi_items())
        )

    def close(self) -> None:
        """Close the client and stop the loop's thread (and the handlers' worker threads)."""
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._client.aclose(), self._loop).result()
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join()
