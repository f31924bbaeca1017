"""A load run's results: one point per variant x number of clients, in a JSON file of its own.

The file has ``"kind": "querybench-load"`` and a ``schema`` number; ``querybench report FILE``
renders it (the table, and throughput, p99 and pool wait plotted against the clients). Times
are in seconds. It is rewritten after every point, so a stopped run keeps what it measured.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Final

from querybench.errors import ResultsError
from querybench.runner.results import PoolRecord, write_atomic

KIND: Final = "querybench-load"
SCHEMA: Final = 1


@dataclass(frozen=True)
class LoadPoint:
    """N clients on one variant: what Locust saw, and what the server's pool went through.

    ``wait_share`` is the pool's wait over the time requests spent in the server: the share of
    request time spent waiting for a connection. Percentiles are Locust's (rounded as it
    rounds them: to 2 significant digits above 100 ms).
    """

    variant: str
    clients: int
    requests: int
    failures: int
    seconds: float
    throughput: float
    p50: float
    p95: float
    p99: float
    server_requests: int
    request_seconds: float
    wait_share: float
    pool: PoolRecord

    @property
    def error_rate(self) -> float:
        """Failed requests over all requests."""
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class LoadSetup:
    """What was loaded, and how: the same for every point of the run."""

    endpoint: str
    path: str
    size: int
    database: str
    server_version: str
    dataset: str
    pool_size: int
    max_overflow: int
    pool_timeout: float
    workers: int
    max_requests: int
    max_seconds: float
    locust: str
    python: str
    sqlalchemy: str
    machine: str
    started_at: str


@dataclass(frozen=True)
class LoadResults:
    """The whole run."""

    setup: LoadSetup
    points: tuple[LoadPoint, ...]

    def to_json(self) -> str:
        """The run as a load file's JSON text."""
        document = {"kind": KIND, "schema": SCHEMA, **asdict(self)}
        return json.dumps(document, indent=1, sort_keys=True)

    def write(self, path: Path) -> Path:
        """Write atomically to ``path``."""
        write_atomic(path, self.to_json())
        return path


def is_load_file(data: object) -> bool:
    """Whether parsed JSON ``data`` is a load file (by its ``kind``)."""
    return isinstance(data, dict) and data.get("kind") == KIND


def _typed(cls: type[Any], data: object, where: str) -> Any:
    if not isinstance(data, dict):
        raise ResultsError(f"{where}: expected an object")
    values: dict[str, Any] = {}
    for spec in fields(cls):
        value = data.get(spec.name)
        kind = str(spec.type)
        if kind == "PoolRecord":
            values[spec.name] = _typed(PoolRecord, value, f"{where}.{spec.name}")
            continue
        accepted: tuple[type, ...] = {"str": (str,), "int": (int,), "float": (int, float)}[kind]
        if isinstance(value, bool) or not isinstance(value, accepted):
            raise ResultsError(f"{where}.{spec.name}: expected {kind}, got {value!r:.60}")
        if kind != "str" and value < 0:  # type: ignore[operator]
            raise ResultsError(f"{where}.{spec.name}: expected a number >= 0, got {value!r}")
        values[spec.name] = float(value) if kind == "float" else value  # type: ignore[arg-type]
    return cls(**values)


def load_from_data(data: dict[str, Any], where: str) -> LoadResults:
    """A parsed load file as records; anything malformed is one ResultsError line."""
    if data.get("schema") != SCHEMA:
        raise ResultsError(f"{where}: unsupported load schema {data.get('schema')!r:.60}")
    points = data.get("points")
    if not isinstance(points, list):
        raise ResultsError(f"{where}.points: expected a list")
    return LoadResults(
        setup=_typed(LoadSetup, data.get("setup"), f"{where}.setup"),
        points=tuple(_typed(LoadPoint, p, f"{where}.points[{i}]") for i, p in enumerate(points)),
    )


def read_load(path: Path) -> LoadResults:
    """Read a load file; an unreadable or malformed one is one ResultsError line."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ResultsError(f"{path}: cannot read a load file ({error})") from None
    if not is_load_file(data):
        raise ResultsError(f'{path}: not a load file (no "kind": "{KIND}")')
    return load_from_data(data, str(path))
