"""ASGI middleware: statements per request, a ``Server-Timing`` header, N+1 findings logged.

Pure ASGI (no Starlette import), so it wraps any ASGI app; the route is the template the
router matched (``scope["route"].path`` as Starlette and FastAPI set it), else the path::

    app.add_middleware(QueryCountMiddleware, log=requests)    # FastAPI / Starlette
    app = QueryCountMiddleware(app, log=requests)             # any ASGI app

With ``results_path`` the recorded requests are written there when the app shuts down (the
lifespan's shutdown), ready for ``querybench report``. The recorder's listeners stay attached
from the middleware's creation to that shutdown (or :meth:`QueryCountMiddleware.close`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from querybench.recorder import Bind
from querybench.web.recording import (
    LOGGER,
    HeldListeners,
    MiddlewareOptions,
    RequestRecording,
)
from querybench.web.records import RequestLog, RequestRecord

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def route_of(scope: Scope) -> str:
    """The matched route's template where the router left it in the scope, else the path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else str(scope.get("path", "?"))


class QueryCountMiddleware:
    """Record every HTTP request's statements with the querybench recorder."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        bind: Bind | None = None,
        log: RequestLog | None = None,
        results_path: Path | str | None = None,
        server_timing: bool = True,
        logger: logging.Logger = LOGGER,
        min_repeats: int = 3,
        on_request: Callable[[RequestRecord], None] | None = None,
    ) -> None:
        self.app = app
        if results_path is not None and log is None:
            log = RequestLog()
        self.log = log
        self.results_path = None if results_path is None else Path(results_path)
        self.options = MiddlewareOptions(
            bind=bind,
            log=log,
            server_timing=server_timing,
            logger=logger,
            min_repeats=min_repeats,
            on_request=on_request,
        )
        self._listeners = HeldListeners(bind)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._on_shutdown(send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        with RequestRecording(self.options) as recording:

            async def send_timed(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    if self.options.server_timing:
                        headers = list(message.get("headers", []))
                        value = recording.server_timing().encode("latin-1")
                        headers.append((b"server-timing", value))
                        message["headers"] = headers
                await send(message)

            try:
                await self.app(scope, receive, send_timed)
            finally:
                recording.finish(scope.get("method", "GET"), route_of(scope), status)

    def close(self) -> None:
        """Release the recorder's listeners (done at the app's lifespan shutdown too)."""
        self._listeners.release()

    def _on_shutdown(self, send: Send) -> Send:
        async def send_after_writing(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                if self.results_path is not None and self.log is not None:
                    self.log.write(self.results_path)
                self.close()
            await send(message)

        return send_after_writing
