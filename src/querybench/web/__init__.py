"""Statements per request in users' apps: ASGI and WSGI middleware over the recorder.

Neither middleware imports a web framework; the core (``import querybench``) never imports
this package.
"""

from __future__ import annotations

from querybench.web.asgi import QueryCountMiddleware
from querybench.web.recording import LOGGER
from querybench.web.records import RequestFinding, RequestLog, RequestRecord, read_requests
from querybench.web.wsgi import QueryCountWSGIMiddleware

__all__ = [
    "LOGGER",
    "QueryCountMiddleware",
    "QueryCountWSGIMiddleware",
    "RequestFinding",
    "RequestLog",
    "RequestRecord",
    "read_requests",
]
