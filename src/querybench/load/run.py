"""``querybench load``: a sweep of concurrent clients against the routes, naive and eager.

For each variant and each number of clients, Locust drives the clients against the payments
routes served by uvicorn in a process of its own (one worker, one bounded pool), and the server
reports its pool's use over the same requests. The dataset lives in a scratch database the
harness owns (:mod:`querybench.load.target`).
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Final

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from querybench.datasets import build_dataset, load_spec, read_probes
from querybench.errors import QuerybenchError
from querybench.load.engine import LocustStats, free_port, run_locust
from querybench.load.results import LoadPoint, LoadResults, LoadSetup
from querybench.load.server import RoutesServer
from querybench.load.target import require_loopback, scratch_database, server_url
from querybench.runner.backends import safe_url
from querybench.runner.results import PoolRecord

ENDPOINTS: Final = {
    "payment": "/{variant}/payments/{payment_id}",
    "user-payments": "/{variant}/users/{user_id}/payments",
    "payments-by-status": "/{variant}/payments?status={status}&limit={size}",
    "active-users": "/{variant}/users/active?limit={size}",
}
"""The routes a load run can drive, as path templates."""
WARMUP_REQUESTS: Final = 10
IDLE_SECONDS: Final = 120.0
"""How long a point waits for the requests its clients left in the server to finish."""


class LoadError(QuerybenchError):
    """A load run's options do not make sense."""


@dataclass(frozen=True)
class LoadOptions:
    """Everything ``querybench load`` was told."""

    database: str
    dataset: str = "small"
    endpoint: str = "payments-by-status"
    size: int = 100
    clients: tuple[int, ...] = (1, 4, 16, 64)
    variants: tuple[str, ...] = ("naive", "eager")
    pool_size: int = 5
    max_overflow: int = 0
    pool_timeout: float = 30.0
    max_requests: int = 500
    max_seconds: float = 20.0
    workers: int = 0
    host: str = "127.0.0.1"
    out: Path = Path("reports/load")


def check_options(options: LoadOptions) -> None:
    """Refuse what cannot run, before anything starts (each a one-line error)."""
    require_loopback("server host", options.host)
    server_url(options.database)
    if options.endpoint not in ENDPOINTS:
        raise LoadError(f"unknown endpoint {options.endpoint!r}; one of {', '.join(ENDPOINTS)}")
    unknown = [v for v in options.variants if v not in ("naive", "eager")]
    if unknown or not options.variants:
        raise LoadError(f"variants are naive and eager, got {','.join(options.variants)!r}")
    if not options.clients or min(options.clients) < 1:
        raise LoadError("--clients needs one or more positive numbers, like 1,4,16,64")
    if options.max_requests < 1 or options.max_seconds <= 0:
        raise LoadError("a load run must be bounded: --max-requests >= 1 and --max-seconds > 0")


def _path(options: LoadOptions, url: sa.URL) -> str:
    engine = sa.create_engine(url)
    try:
        with Session(engine) as session:
            probes = read_probes(session.connection())
    finally:
        engine.dispose()
    if options.size not in probes.user_with_payments and options.endpoint != "payment":
        sizes = ", ".join(str(size) for size in sorted(probes.user_with_payments))
        raise LoadError(f"dataset {options.dataset!r} has no size {options.size}; it has {sizes}")
    return ENDPOINTS[options.endpoint].format(
        variant="{variant}",
        payment_id=probes.recent_payment_ids[0],
        user_id=probes.user_with_payments.get(options.size, 0),
        status="refunded",
        size=options.size,
    )


def _setup(options: LoadOptions, url: sa.URL, path: str, server_version: str) -> LoadSetup:
    return LoadSetup(
        endpoint=options.endpoint, path=path, size=options.size, database=safe_url(url),
        server_version=server_version, dataset=options.dataset, pool_size=options.pool_size,
        max_overflow=options.max_overflow, pool_timeout=options.pool_timeout,
        workers=options.workers, max_requests=options.max_requests,
        max_seconds=options.max_seconds, locust=version("locust"),
        python=platform.python_version(), sqlalchemy=sa.__version__,
        machine=f"{platform.system()} {platform.machine()}",
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )  # fmt: skip


def _point(
    variant: str, clients: int, server: RoutesServer, run: Callable[[], LocustStats]
) -> LoadPoint:
    server.reset()
    stats = run()
    server.wait_idle(timeout=IDLE_SECONDS)
    served = server.stats()
    pool = PoolRecord(**served["pool"])
    request_seconds = float(served["request_seconds"])
    return LoadPoint(
        variant=variant, clients=clients, requests=stats.requests, failures=stats.failures,
        seconds=stats.seconds, throughput=stats.throughput, p50=stats.p50, p95=stats.p95,
        p99=stats.p99, server_requests=int(served["requests"]), request_seconds=request_seconds,
        wait_share=pool.wait_seconds / request_seconds if request_seconds else 0.0, pool=pool,
    )  # fmt: skip


def run_load(
    options: LoadOptions, on_point: Callable[[LoadPoint], None] | None = None
) -> tuple[LoadResults, Path]:
    """Build the dataset, start the server, sweep; the results (written after every point)."""
    check_options(options)
    url = scratch_database(server_url(options.database), options.dataset)
    built = build_dataset(load_spec(options.dataset), url)
    template = _path(options, built.url)
    port = free_port()
    server = RoutesServer(
        built.url.render_as_string(hide_password=False), port=port, pool_size=options.pool_size,
        max_overflow=options.max_overflow, pool_timeout=options.pool_timeout,
    )  # fmt: skip
    engine = sa.create_engine(built.url)
    try:
        with engine.connect() as connection:
            info = connection.dialect.server_version_info or ()
    finally:
        engine.dispose()
    results = LoadResults(
        _setup(options, built.url, template, ".".join(str(p) for p in info)), points=()
    )
    target = options.out / "load.json"
    server.start()
    try:
        for variant in options.variants:
            path = template.format(variant=variant)
            for _ in range(WARMUP_REQUESTS):  # open the pool's connections, warm the caches
                httpx.get(server.base_url + path, timeout=60).raise_for_status()
            for clients in options.clients:
                drive = partial(
                    run_locust, server.base_url, path, clients=clients,
                    max_requests=options.max_requests, max_seconds=options.max_seconds,
                    workers=options.workers,
                )  # fmt: skip
                point = _point(variant, clients, server, drive)
                results = replace(results, points=(*results.points, point))
                results.write(target)
                if on_point is not None:
                    on_point(point)
    finally:
        server.stop()
    return results, target


def sweep(text: str) -> tuple[int, ...]:
    """``1,4,16,64`` as numbers."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise LoadError(f"expected numbers like 1,4,16,64, got {text!r}") from None


def summary_lines(points: Sequence[LoadPoint]) -> list[str]:
    """One line per point, for the terminal."""
    return [
        f"{p.variant:>5} x{p.clients:<3} {p.requests:>6} req {p.throughput:8.1f} req/s "
        f"p50 {p.p50 * 1000:7.1f} ms  p95 {p.p95 * 1000:7.1f} ms  p99 {p.p99 * 1000:7.1f} ms  "
        f"errors {p.error_rate:6.2%}  pool wait {p.wait_share:6.1%} of request time"
        for p in points
    ]
