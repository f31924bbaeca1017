"""The requests a middleware recorded: typed records, and their JSON file for the report.

A requests file is JSON with ``"kind": "querybench-requests"`` and a ``schema`` number; each
request keeps its method, route template (``/users/{user_id}``, not the path, so that a route's
requests group together), status, statement count, database and total time, and findings.
``querybench report FILE`` renders it per route. Only the standard library is used here: a
user's app needs nothing more than it already has.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, cast

from querybench.errors import ResultsError

KIND: Final = "querybench-requests"
SCHEMA: Final = 1
DEFAULT_MAX_REQUESTS: Final = 100_000


@dataclass(frozen=True)
class RequestFinding:
    """An N+1 finding of one request: its stable id and its one-line description."""

    id: str
    text: str


@dataclass(frozen=True)
class RequestRecord:
    """One request as recorded: what it was, how many statements, how long the database took."""

    method: str
    route: str
    status: int
    statements: int
    db_seconds: float
    total_seconds: float
    findings: tuple[RequestFinding, ...] = ()

    @property
    def label(self) -> str:
        """``METHOD route``, as logs and the report name it."""
        return f"{self.method} {self.route}"


class RequestLog:
    """Recorded requests, in arrival order, shared by every thread of the app (thread-safe).

    At most ``max_requests`` are kept; later ones are counted in :attr:`dropped` only, so a
    long-running app cannot grow without bound.
    """

    def __init__(self, *, max_requests: int = DEFAULT_MAX_REQUESTS) -> None:
        self.max_requests = max_requests
        self.dropped = 0
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def add(self, record: RequestRecord) -> None:
        """Keep ``record`` (or count it as dropped past ``max_requests``)."""
        with self._lock:
            if len(self._records) < self.max_requests:
                self._records.append(record)
            else:
                self.dropped += 1

    @property
    def records(self) -> tuple[RequestRecord, ...]:
        """The requests kept so far."""
        with self._lock:
            return tuple(self._records)

    def to_json(self) -> str:
        """The log as a requests file's JSON text."""
        return requests_json(self.records, dropped=self.dropped)

    def write(self, path: Path) -> Path:
        """Write the requests file to ``path`` atomically (a rename: never half-written)."""
        # The runner's writer is used lazily: the middleware must not import the harness.
        from querybench.runner.results import write_atomic

        write_atomic(path, self.to_json())
        return path


def requests_json(records: Iterable[RequestRecord], *, dropped: int = 0) -> str:
    """A requests file's JSON text for ``records``."""
    document = {
        "kind": KIND,
        "schema": SCHEMA,
        "dropped": dropped,
        "requests": [asdict(record) for record in records],
    }
    return json.dumps(document, indent=1, sort_keys=True)


def is_requests_file(data: object) -> bool:
    """Whether parsed JSON ``data`` is a requests file (by its ``kind``)."""
    return isinstance(data, dict) and data.get("kind") == KIND


def _field(entry: dict[str, Any], name: str, kind: type, where: str) -> Any:
    value: Any = entry.get(name)
    accepted: tuple[type, ...] = (int, float) if kind is float else (kind,)
    if isinstance(value, bool) or not isinstance(value, accepted):
        raise ResultsError(f"{where}.{name}: expected {kind.__name__}, got {value!r:.60}")
    if kind in (int, float) and cast(float, value) < 0:
        raise ResultsError(f"{where}.{name}: expected a number >= 0, got {value!r}")
    return value


def requests_from_data(data: dict[str, Any], where: str) -> tuple[RequestRecord, ...]:
    """The records of a parsed requests file; anything malformed is one ResultsError line."""
    if data.get("schema") != SCHEMA:
        raise ResultsError(f"{where}: unsupported requests schema {data.get('schema')!r:.60}")
    entries = data.get("requests")
    if not isinstance(entries, list):
        raise ResultsError(f"{where}.requests: expected a list")
    records = []
    for index, entry in enumerate(entries):
        at = f"{where}.requests[{index}]"
        if not isinstance(entry, dict):
            raise ResultsError(f"{at}: expected an object")
        findings = entry.get("findings", [])
        if not isinstance(findings, list) or not all(
            isinstance(f, dict) and isinstance(f.get("id"), str) and isinstance(f.get("text"), str)
            for f in findings
        ):
            raise ResultsError(f"{at}.findings: expected a list of {{id, text}} objects")
        records.append(
            RequestRecord(
                method=_field(entry, "method", str, at),
                route=_field(entry, "route", str, at),
                status=_field(entry, "status", int, at),
                statements=_field(entry, "statements", int, at),
                db_seconds=float(_field(entry, "db_seconds", float, at)),
                total_seconds=float(_field(entry, "total_seconds", float, at)),
                findings=tuple(RequestFinding(f["id"], f["text"]) for f in findings),
            )
        )
    return tuple(records)


def read_requests(path: Path) -> tuple[RequestRecord, ...]:
    """Read a requests file; an unreadable or malformed one is one ResultsError line."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ResultsError(f"{path}: cannot read a requests file ({error})") from None
    if not is_requests_file(data):
        raise ResultsError(f'{path}: not a requests file (no "kind": "{KIND}")')
    return requests_from_data(data, str(path))
