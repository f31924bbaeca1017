"""Real load runs on PostgreSQL: uvicorn serving the routes, Locust driving them, in one process
and distributed (one master, two workers, loopback); both give the same report shape, the same
bounded request counts and no errors, and the dataset lives in the harness's scratch database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from querybench.cli import main
from querybench.load.results import LoadResults, read_load
from querybench.load.target import SCRATCH_PREFIX

pytestmark = pytest.mark.postgres
MAX_REQUESTS = 60
CLIENTS = (1, 4)


@pytest.fixture(scope="module")
def server_db(postgres_url: URL) -> Iterator[URL]:
    """The test's scratch database as --db; the load's own scratch database dropped after."""
    yield postgres_url
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {SCRATCH_PREFIX}tiny WITH (FORCE)"))
    engine.dispose()


def _load(server_db: URL, out: Path, workers: int) -> LoadResults:
    status = main([
        "load", "--db", server_db.render_as_string(hide_password=False), "--dataset", "tiny",
        "--size", "10", "--clients", ",".join(map(str, CLIENTS)), "--pool-size", "2",
        "--max-requests", str(MAX_REQUESTS), "--max-seconds", "30", "--workers", str(workers),
        "--out", str(out),
    ])  # fmt: skip
    assert status == 0
    return read_load(out / "load.json")


@pytest.fixture(scope="module")
def runs(server_db: URL, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folders = {workers: tmp_path_factory.mktemp(f"load{workers}") for workers in (0, 2)}
    for workers, folder in folders.items():
        _load(server_db, folder, workers)
    return folders


def _headings(html: str) -> list[str]:
    return re.findall(r"<th[^>]*>([^<]*)</th>", html) + re.findall(r"<h2>([^<]*)</h2>", html)


def test_single_and_distributed_runs_give_the_same_report(runs: dict[int, Path]) -> None:
    single, distributed = (read_load(runs[w] / "load.json") for w in (0, 2))
    assert (single.setup.workers, distributed.setup.workers) == (0, 2)
    keys = [(p.variant, p.clients) for p in single.points]
    assert keys == [(v, c) for v in ("naive", "eager") for c in CLIENTS]
    assert [(p.variant, p.clients) for p in distributed.points] == keys
    single_html, distributed_html = (
        (runs[w] / "report.html").read_text(encoding="utf-8") for w in (0, 2)
    )
    assert _headings(single_html) == _headings(distributed_html)
    assert single_html.count("<svg") == distributed_html.count("<svg") == 3
    for one, other in zip(single.points, distributed.points, strict=True):
        # The same bound reached and no errors; how close the timings come is a measurement
        # (the two runs are minutes apart on a shared machine), not something to assert here.
        assert one.requests == other.requests == MAX_REQUESTS
        assert one.failures == other.failures == 0


def test_every_point_is_bounded_and_its_pool_counted(runs: dict[int, Path]) -> None:
    for workers in (0, 2):
        results = read_load(runs[workers] / "load.json")
        for point in results.points:
            assert point.requests == MAX_REQUESTS
            assert point.seconds < 30
            assert point.server_requests >= point.requests
            assert point.pool.checkouts >= point.server_requests
            assert point.pool.peak_checked_out <= 2  # pool of 2, no overflow
            assert point.pool.peak_overflow == 0
            assert point.pool.timeouts == 0
            assert 0 <= point.wait_share < 1
            assert 0 < point.p50 <= point.p95 <= point.p99


def test_the_dataset_is_built_in_the_harness_scratch_database(
    runs: dict[int, Path], server_db: URL
) -> None:
    engine = sa.create_engine(server_db)
    try:
        assert sa.inspect(engine).get_table_names() == []  # --db's own database untouched
    finally:
        engine.dispose()
    scratch = sa.create_engine(server_db.set(database=f"{SCRATCH_PREFIX}tiny"))
    try:
        assert {"payments", "users", "querybench_meta"} <= set(
            sa.inspect(scratch).get_table_names()
        )
    finally:
        scratch.dispose()
