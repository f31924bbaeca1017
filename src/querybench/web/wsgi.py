"""WSGI middleware: statements per request, a ``Server-Timing`` header, N+1 findings logged.

Wraps any WSGI app (Flask: ``app.wsgi_app = QueryCountWSGIMiddleware(app.wsgi_app)``). The
header is added when the app calls ``start_response``, which Flask and most frameworks do after
the view has run, so it counts the view's statements. The route is Flask's matched rule
(``/users/<int:user_id>``) when Flask is serving the request, else ``route_of(environ)`` if
given, else the path. Call ``middleware.log.write(path)`` to write the requests file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from querybench.recorder import Bind
from querybench.web.recording import (
    LOGGER,
    HeldListeners,
    MiddlewareOptions,
    RequestRecording,
)
from querybench.web.records import RequestLog, RequestRecord

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def flask_route(environ: Environ) -> str | None:
    """The URL rule Flask matched for the request being served, if Flask is serving one."""
    import sys

    flask = sys.modules.get("flask")  # never import Flask for an app that does not use it
    if flask is None or not flask.has_request_context():
        return None
    rule = flask.request.url_rule
    return None if rule is None else str(rule.rule)


class QueryCountWSGIMiddleware:
    """Record every request's statements with the querybench recorder."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        bind: Bind | None = None,
        log: RequestLog | None = None,
        server_timing: bool = True,
        logger: logging.Logger = LOGGER,
        min_repeats: int = 3,
        route_of: Callable[[Environ], str | None] | None = None,
        on_request: Callable[[RequestRecord], None] | None = None,
    ) -> None:
        self.app = app
        self.log = log if log is not None else RequestLog()
        self.route_of = route_of
        self.options = MiddlewareOptions(
            bind=bind,
            log=self.log,
            server_timing=server_timing,
            logger=logger,
            min_repeats=min_repeats,
            on_request=on_request,
        )
        self._listeners = HeldListeners(bind)

    def close(self) -> None:
        """Release the recorder's listeners (the middleware records nothing afterwards)."""
        self._listeners.release()

    def _route(self, environ: Environ) -> str | None:
        return (self.route_of or flask_route)(environ)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterator[bytes]:
        recording = RequestRecording(self.options).__enter__()
        state: dict[str, Any] = {"status": 500, "route": None}

        def start_timed(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            state["status"] = int(status.split(" ", 1)[0])
            state["route"] = self._route(environ)
            if self.options.server_timing:
                headers = [*headers, ("Server-Timing", recording.server_timing())]
            return start_response(status, headers, *args)

        try:
            body = self.app(environ, start_timed)
            # The body may still run statements while it streams: record until it is closed.
            try:
                yield from body
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        finally:
            recording.__exit__(None, None, None)
            route = state["route"] or environ.get("PATH_INFO", "?")
            recording.finish(environ.get("REQUEST_METHOD", "GET"), route, state["status"])
