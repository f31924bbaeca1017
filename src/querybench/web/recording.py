"""What both middlewares do around a request: record it, time it, log it, describe it.

The recorder is ``count_queries(bind, local=True)``: it sees only statements run in the
request's own context, so concurrent requests never mix. The context follows the request
where the framework takes it: into the thread pool that runs a sync FastAPI handler (anyio
copies the context), into tasks the handler starts (``asyncio.gather``), into the greenlets of
an ``AsyncSession``. A WSGI request runs in one thread, which is its context.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from querybench.recorder import Bind, QueryRecorder, count_queries
from querybench.recorder.rows import ROW_ENDED, ROW_STARTED
from querybench.web.records import RequestFinding, RequestLog, RequestRecord

LOGGER = logging.getLogger("querybench.web")
"""Where N+1 findings are logged (one WARNING per finding, naming the route and call site)."""


@dataclass(frozen=True)
class MiddlewareOptions:
    """What the middlewares do, set once when the app is wrapped."""

    bind: Bind | None = None
    log: RequestLog | None = None
    server_timing: bool = True
    logger: logging.Logger = field(default=LOGGER)
    min_repeats: int = 3
    on_request: Callable[[RequestRecord], None] | None = None


class HeldListeners:
    """Keeps the recorder's listeners on a bind attached for as long as an app lives.

    Recorders on one target share its listeners, attached when the first joins and removed
    when the last leaves; per request, on the Engine class, that attach-and-remove cost more
    than the recording itself. The anchor recorder here joins once and stays until
    :meth:`release`: it is local to a context of its own, in which no statement ever runs, so
    it records nothing (and would store nothing if it did).
    """

    def __init__(self, bind: Bind | None) -> None:
        self._context = contextvars.copy_context()
        self._anchor: QueryRecorder | None = count_queries(bind, local=True, max_stored=0)
        self._context.run(self._anchor.start)
        with _HELD_LOCK:
            _HELD.append(self)

    def release(self) -> None:
        """Leave the listeners to the recorders still on them (removed if none is)."""
        anchor, self._anchor = self._anchor, None
        if anchor is not None:
            self._context.run(anchor.stop)
        with _HELD_LOCK:
            if self in _HELD:
                _HELD.remove(self)


_HELD: list[HeldListeners] = []
_HELD_LOCK = threading.Lock()


def release_all_listeners() -> None:
    """Release every middleware's held listeners (for tests, and apps that shut down)."""
    with _HELD_LOCK:
        held = list(_HELD)
    for listeners in held:
        listeners.release()


class RequestRecording:
    """One request in progress: its recorder and its clock."""

    def __init__(self, options: MiddlewareOptions) -> None:
        self.options = options
        self.recorder: QueryRecorder = count_queries(options.bind, local=True)
        self.started = time.perf_counter()

    def __enter__(self) -> RequestRecording:
        self.recorder.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.recorder.stop()

    def db_seconds(self) -> float:
        """Time spent in the database cursor so far."""
        return float(sum(row[ROW_ENDED] - row[ROW_STARTED] for row in self.recorder.stored)) / 1e9

    def server_timing(self) -> str:
        """The ``Server-Timing`` value: ``db;dur=12.3;desc="14 statements"`` (dur in ms)."""
        count = self.recorder.count
        noun = "statement" if count == 1 else "statements"
        return f'db;dur={self.db_seconds() * 1000:.1f};desc="{count} {noun}"'

    def finish(self, method: str, route: str, status: int) -> RequestRecord:
        """Build the request's record; log its findings; hand it to the log and the callback."""
        options = self.options
        findings = self.recorder.n_plus_one(min_repeats=options.min_repeats)
        record = RequestRecord(
            method=method,
            route=route,
            status=status,
            statements=self.recorder.count,
            db_seconds=self.db_seconds(),
            total_seconds=time.perf_counter() - self.started,
            findings=tuple(RequestFinding(finding.id, str(finding)) for finding in findings),
        )
        for finding in findings:
            options.logger.warning("N+1 in %s: %s", record.label, finding)
        if options.log is not None:
            options.log.add(record)
        if options.on_request is not None:
            options.on_request(record)
        return record
