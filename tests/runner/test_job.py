"""The runner end to end: exact counts through a whole run, fresh Sessions, the RTT model."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from expected_counts import EXPECTED
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from querybench.datasets import build_dataset, load_spec
from querybench.payments.models import User
from querybench.runner.job import RunOptions, RunState, run_job
from querybench.runner.results import Results, read_results, results_from_json
from querybench.runner.timing import TimingPolicy, measure
from querybench.scenarios.builtin import payments_registry

ONE_ROUND = TimingPolicy(min_time=0.0, min_rounds=1, warmup_rounds=0, min_round_time=0.0)
# Redis-backed cells are checked in tests/scenarios, where the server's absence skips them.
WITHOUT_REDIS = tuple(sorted({v for variants in EXPECTED.values() for v in variants} - {"redis"}))


def run(tmp_path: Path, url: URL | None, **options: object) -> Results:
    settings: dict[str, object] = {
        "dataset": "tiny",
        "databases": (None if url is None else url.render_as_string(hide_password=False),),
        "out": tmp_path / "out",
        "policy": ONE_ROUND,
        **options,
    }
    return run_job(payments_registry(), RunOptions(**settings), RunState())  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["sqlite", "postgres", "mysql"])
def test_a_tiny_run_has_the_exact_counts_on_every_backend(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = None if backend == "sqlite" else request.getfixturevalue(f"{backend}_url")
    results = run(tmp_path, url, variants=WITHOUT_REDIS)
    assert not results.partial
    assert [cell for cell in results.cells if cell.status != "ok"] == []
    measured = {(c.scenario, c.variant, c.size): c.queries for c in results.cells}
    expected = {
        (scenario, variant, size): count(size)
        for scenario, variant, size in measured
        for count in [EXPECTED[scenario][variant]]
    }
    assert measured == expected
    assert len(measured) == sum(
        len(s.sizes_in((1, 10, 100))) * len(set(s.variants) - {"redis"})
        for s in payments_registry()
    )
    # The file on disk reads back to the same records.
    assert read_results(tmp_path / "out" / "results.json") == results
    assert results_from_json(results.to_json(), "memory") == results


def test_every_round_starts_with_an_empty_identity_map(sqlite_url: URL) -> None:
    engine = sa.create_engine(build_dataset(load_spec("tiny"), sqlite_url).url)
    seen: list[int] = []
    selects: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: selects.append(args[2]))

    def body(session: Session) -> object:
        seen.append(len(session.identity_map))
        return session.get(User, 1)

    policy = TimingPolicy(min_time=0.0, min_rounds=5, min_round_time=0.0, max_attempts=1)
    latency = measure(engine, body, policy)
    engine.dispose()
    calls = latency.rounds * latency.calls_per_round + 2  # warm-up and calibration calls
    assert seen == [0] * calls
    # Each call had to SELECT its user: a Session carried over would answer from its map.
    assert sum(sql.lstrip().upper().startswith("SELECT") for sql in selects) == calls


def test_rtt_adds_a_round_trip_per_statement(tmp_path: Path) -> None:
    def fastest(rtt: float) -> dict[str, float]:
        results = run(
            tmp_path / f"rtt{rtt}",
            None,
            pattern="PaymentRepository.get_payments_by_status",
            variants=("naive", "eager"),
            sizes=(100,),
            rtt_ms=rtt,
            policy=TimingPolicy(min_time=0.0, min_rounds=5, min_round_time=0.0),
        )
        return {c.variant: c.latency.minimum for c in results.cells if c.latency is not None}

    # The fastest round: the least disturbed by whatever else the machine is doing.
    local, remote = fastest(0.0), fastest(1.0)
    # 101 statements each wait at least 1 ms; the eager variant's one statement, 1 ms. The upper
    # bound is relative to the naive variant's, measured under the same load: one round trip,
    # not 101 (an absolute bound failed on a machine at load 15).
    naive_extra = remote["naive"] - local["naive"]
    assert naive_extra >= 0.100
    assert remote["eager"] - local["eager"] < naive_extra / 10
