"""Faults during a run: the cell they hit fails with the reason, and the run goes on.

- PostgreSQL drops our connections (``pg_terminate_backend`` from an admin connection): the
  cell whose connection died fails naming it; pool_pre_ping reconnects the cells after it.
- Redis does not answer: the cache falls through to the database, the cells stay ok, and the
  user sees one ``querybench: warning:`` line (not one per round, not Python's warning dump).
- A scenario raises: its cell fails with the message, every other cell runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flaky_proxy import FlakyProxy
from reliability_checks import PASSWORD, QUICK, Querybench, all_output
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from querybench.cli import main
from querybench.runner.job import RunOptions, RunState, open_backends, run_job
from querybench.runner.results import Cell, read_results
from querybench.runner.run import CellPlan, plan, run_cells
from querybench.runner.timing import TimingPolicy
from querybench.scenarios import builtin
from querybench.scenarios.registry import Registry, Scenario, Variant

TERMINATE_OTHERS = sa.text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def count_users(session: Session, size: int) -> int:
    return int(session.execute(sa.text("SELECT count(*) FROM users")).scalar_one()) + size


def scenario(
    name: str, naive: Callable[[Session, int], object], eager: Any = None
) -> Scenario[int]:
    return Scenario(
        name=name,
        description="counts the users",
        size_meaning="added to the count",
        prepare=lambda session, size: size,
        variants={
            "naive": Variant("naive", naive, "constant"),
            "eager": Variant("eager", eager or count_users, "constant"),
        },
    )


def quick(url: URL | str | None, out: Path) -> RunOptions:
    databases = (url if url is None else str(url) if isinstance(url, str) else
                 url.render_as_string(hide_password=False),)  # fmt: skip
    return RunOptions(dataset="tiny", databases=databases, out=out,
                      policy=TimingPolicy(min_time=0, min_rounds=2))  # fmt: skip


@pytest.fixture
def pg_scratch(scratch_database: Callable[[str], URL]) -> Iterator[tuple[URL, Engine]]:
    """A PostgreSQL scratch database and an autocommit admin engine on it."""
    url = scratch_database("postgres")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    yield url, admin
    admin.dispose()


def statuses(cells: tuple[Cell, ...]) -> list[tuple[str, str, int, str]]:
    return [(cell.scenario, cell.variant, cell.size, cell.status) for cell in cells]


def test_connections_killed_mid_cell_fail_that_cell_and_the_run_reconnects(
    pg_scratch: tuple[URL, Engine], tmp_path: Path
) -> None:
    url, admin = pg_scratch
    killed: list[bool] = []

    def kill_everyone_then_count(session: Session, size: int) -> int:
        if not killed:
            killed.append(True)
            with admin.connect() as conn:
                assert conn.execute(TERMINATE_OTHERS).all()  # at least our own session
        return count_users(session, size)

    registry = Registry()
    registry.add(scenario("Faulty.count", kill_everyone_then_count))
    registry.add(scenario("Healthy.count", count_users))
    results = run_job(registry, quick(url, tmp_path / "out"), RunState())

    first, *rest = results.cells
    assert (first.scenario, first.variant, first.size, first.status) == (
        "Faulty.count", "naive", 1, "failed",
    )  # fmt: skip
    assert first.error.startswith("OperationalError: ")
    assert "terminating connection due to administrator command" in first.error
    assert statuses(tuple(rest)) == [
        ("Faulty.count", "eager", 1, "ok"),
        *[("Faulty.count", v, n, "ok") for n in (10, 100) for v in ("naive", "eager")],
        *[("Healthy.count", v, n, "ok") for n in (1, 10, 100) for v in ("naive", "eager")],
    ]
    assert all(cell.queries == 1 for cell in rest)
    assert read_results(tmp_path / "out" / "results.json") == results


def test_connections_killed_between_cells_cost_no_cell(
    pg_scratch: tuple[URL, Engine], tmp_path: Path
) -> None:
    url, admin = pg_scratch
    terminated: list[int] = []

    def kill_idle_connections(plan: CellPlan, cell: Cell) -> None:
        with admin.connect() as conn:
            terminated.append(len(conn.execute(TERMINATE_OTHERS).all()))

    registry = Registry()
    registry.add(scenario("Healthy.count", count_users))
    results = run_job(registry, quick(url, tmp_path / "out"), RunState(),
                      on_cell=kill_idle_connections)  # fmt: skip

    assert sum(terminated) >= len(results.cells) - 1  # the pool's connection, after each cell
    assert [cell.status for cell in results.cells] == ["ok"] * 6


@pytest.fixture
def proxied(scratch_database: Callable[[str], URL]) -> Iterator[tuple[URL, FlakyProxy]]:
    """A PostgreSQL scratch database reached through a proxy that can play a restart."""
    url = scratch_database("postgres")
    proxy = FlakyProxy((url.host or "127.0.0.1", url.port or 5432))
    yield url.set(host="127.0.0.1", port=proxy.port), proxy
    proxy.close()


def test_a_server_restart_costs_the_cell_it_hit_and_the_run_waits_for_the_server(
    proxied: tuple[URL, FlakyProxy], tmp_path: Path
) -> None:
    url, proxy = proxied
    restarts: list[float] = []

    def restart_then_count(session: Session, size: int) -> int:
        if not restarts:
            restarts.append(time.monotonic())
            proxy.outage(1.5)
        return count_users(session, size)

    registry = Registry()
    registry.add(scenario("Faulty.count", restart_then_count))
    registry.add(scenario("Healthy.count", count_users))
    started = time.monotonic()
    results = run_job(registry, quick(url, tmp_path / "out"), RunState())

    first, *rest = results.cells
    assert (first.variant, first.size, first.status) == ("naive", 1, "failed")
    assert first.error.startswith("OperationalError: ")
    assert "connection" in first.error
    assert [cell.status for cell in rest] == ["ok"] * 11  # every cell after it, measured
    assert time.monotonic() - started >= 1.5  # because the run waited for the server


def test_a_server_that_stays_away_is_waited_for_once(
    proxied: tuple[URL, FlakyProxy], tmp_path: Path
) -> None:
    url, proxy = proxied
    registry = Registry()
    registry.add(scenario("Healthy.count", count_users))
    options = quick(url, tmp_path / "out")
    backends, _, _ = open_backends(options)
    cells = plan(registry, backends, (1, 10, 100))
    proxy.outage(3600)
    started = time.monotonic()
    try:
        measured = list(run_cells(cells, options.policy, reconnect_seconds=0.5))
    finally:
        backends[0].dispose()

    assert [cell.status for cell in measured] == ["failed"] * 6
    assert all("Connection refused" in cell.error for cell in measured[1:])
    assert time.monotonic() - started < 0.5 + 2  # one wait in vain, then no more


def test_a_scenario_that_raises_fails_its_cell_and_the_others_run(tmp_path: Path) -> None:
    def no_gold_plan(session: Session, size: int) -> object:
        if size == 10:
            raise LookupError("no pricing plan named 'gold'")
        return count_users(session, size)

    registry = Registry()
    registry.add(scenario("Broken.count", count_users, eager=no_gold_plan))
    registry.add(scenario("Healthy.count", count_users))
    results = run_job(registry, quick(None, tmp_path / "out"), RunState())

    failed = [cell for cell in results.cells if cell.status != "ok"]
    assert [(cell.scenario, cell.variant, cell.size, cell.error) for cell in failed] == [
        ("Broken.count", "eager", 10, "LookupError: no pricing plan named 'gold'")
    ]
    assert (failed[0].queries, failed[0].latency) == (0, None)
    assert len(results.cells) == 12
    assert not results.partial


def test_a_failed_cell_is_named_in_the_summary_and_the_run_exits_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> Registry:
        registry = Registry()
        registry.add(scenario("Broken.count", count_users, eager=lambda s, n: 1 / 0))
        return registry

    monkeypatch.setattr(builtin, "payments_registry", broken)
    out = tmp_path / "out"
    assert main(["run", *QUICK, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("ZeroDivisionError: division by zero") == 3  # eager at N = 1, 10, 100
    results = read_results(out / "results.json")
    assert [cell.error for cell in results.cells if cell.status == "failed"] == [
        "ZeroDivisionError: division by zero"
    ] * 3
    assert (out / "report.html").exists()


def test_a_failed_cell_line_is_printed_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def bracketed(session: Session, size: int) -> object:
        raise KeyError("[/tmp/plans] [bold]gold[/bold]")

    def broken() -> Registry:
        registry = Registry()
        registry.add(scenario("Broken.count", count_users, eager=bracketed))
        return registry

    monkeypatch.setattr(builtin, "payments_registry", broken)
    assert main(["run", *QUICK, "--out", str(tmp_path / "out")]) == 0
    assert (
        "failed Broken.count[eager] @ N=1 on sqlite: KeyError: '[/tmp/plans] [bold]gold[/bold]'"
        in capsys.readouterr().out
    )


def test_redis_down_falls_through_with_one_warning_line(
    tmp_path: Path, querybench: Querybench
) -> None:
    out = tmp_path / "out"
    redis_url = f"redis://:{PASSWORD}@127.0.0.1:1/0"
    done = querybench("run", *QUICK, "--rounds", "3", "-k", "cache.get_pricing_plans",
                      "--out", str(out), env={"QUERYBENCH_REDIS_URL": redis_url})  # fmt: skip

    assert done.returncode == 0, done.stderr
    warning = (
        "querybench: warning: query cache unavailable, calls fall through to the database:"
        " Redis at redis://:***@127.0.0.1:1/0 (prefix 'querybench:bench:"
    )
    assert done.stderr.startswith(warning)
    assert done.stderr.count("\n") == 1, done.stderr  # once, not once per round or cell
    assert "Warning:" not in done.stderr  # no Python warning dump (file:line: Category: ...)
    cells = json.loads((out / "results.json").read_text())["cells"]
    counts = {(c["variant"], c["size"]): (c["status"], c["queries"]) for c in cells}
    assert counts == {
        (variant, size): ("ok", 1 if variant == "eager" else size)
        for variant in ("naive", "eager", "redis")
        for size in (1, 10, 100)
    }
    assert [name for name, data in all_output(done.stdout, done.stderr, [out]).items()
            if PASSWORD.encode() in data] == []  # fmt: skip
