"""`querybench load` refuses what it must not run, in one line and exit 2, before it starts
anything; the stats it reads from Locust are summed and ranked as Locust ranks them."""

from __future__ import annotations

import json

import pytest

from querybench.cli import main
from querybench.load.engine import parse_stats, percentile
from querybench.load.target import is_loopback

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "postgresql+psycopg://postgres@10.1.2.3:5432/test"],
         "database host '10.1.2.3' is not a loopback address"),
        (["--db", "postgresql+psycopg://postgres:secret@db.example.com/test"],
         "database host 'db.example.com' is not a loopback address"),
        (["--db", PG, "--host", "0.0.0.0"], "server host '0.0.0.0' is not a loopback address"),
        (["--db", "sqlite:///x.sqlite"], "load runs need a database server"),
        (["--db", PG, "--endpoint", "nope"], "unknown endpoint 'nope'"),
        (["--db", PG, "--clients", "0,4"], "--clients needs one or more positive numbers"),
        (["--db", PG, "--variants", "naive,joined"], "variants are naive and eager"),
        (["--db", PG, "--max-requests", "0"], "Invalid value for '--max-requests'"),
    ],
)  # fmt: skip
def test_refused_in_one_line_with_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    assert main(["load", *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("querybench: error: ")
    assert message in err
    assert "secret" not in err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.5.0.1", True), ("::1", True), ("[::1]", True),
     ("localhost", True), (None, True), ("10.0.0.1", False), ("0.0.0.0", False),
     ("example.com", False), ("::", False)],
)  # fmt: skip
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_percentiles_follow_the_histogram() -> None:
    histogram = {10: 50, 20: 45, 300: 4, 1000: 1}
    assert percentile(histogram, 0.50) == 10
    assert percentile(histogram, 0.95) == 20
    assert percentile(histogram, 0.99) == 300
    assert percentile(histogram, 1.0) == 1000
    assert percentile({}, 0.5) == 0.0


def test_stats_of_several_names_are_summed() -> None:
    entries = [
        {"num_requests": 6, "num_failures": 1, "start_time": 100.0,
         "last_request_timestamp": 102.0, "response_times": {"5": 3, "7": 3}},
        {"num_requests": 4, "num_failures": 0, "start_time": 101.0,
         "last_request_timestamp": 105.0, "response_times": {"9": 4}},
    ]  # fmt: skip
    stats = parse_stats(json.dumps(entries))
    assert (stats.requests, stats.failures) == (10, 1)
    assert stats.throughput == pytest.approx(10 / 5.0)
    assert (stats.p50, stats.p95) == (0.007, 0.009)


def test_load_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--db", "--dataset", "--endpoint", "--size", "--clients", "--variants",
                   "--pool-size", "--max-overflow", "--pool-timeout", "--max-requests",
                   "--max-seconds", "--workers", "--host", "--out"):  # fmt: skip
        assert option in out
