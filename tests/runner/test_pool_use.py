"""Pool use from SQLAlchemy's pool events and a timed connect(): checkouts, connections opened,
the wait for a connection, overflow and timeouts; every listener removed afterwards."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event, exc

from querybench.runner.pool import watch_pool


def _engine(tmp_path: Path, **pool: int | float) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{tmp_path / 'pool.sqlite'}", poolclass=sa.QueuePool, **pool)


def test_checkouts_and_connections_opened(tmp_path: Path) -> None:
    engine = _engine(tmp_path, pool_size=2, max_overflow=0)
    with watch_pool(engine) as monitor:
        for _ in range(3):
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
    use = monitor.record()
    assert (use.checkouts, use.connections_opened, use.peak_checked_out) == (3, 1, 1)
    assert (use.timeouts, use.peak_overflow) == (0, 0)
    assert use.wait_seconds >= use.max_wait_seconds > 0
    engine.dispose()


def test_a_held_connection_makes_the_next_one_wait_then_overflow_then_time_out(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path, pool_size=1, max_overflow=1, pool_timeout=0.2)
    with watch_pool(engine) as monitor:
        first = engine.connect()
        second = engine.connect()  # the overflow connection
        with pytest.raises(exc.TimeoutError):
            engine.connect()  # pool and overflow both in use: waits 0.2 s, gives up
        threading.Timer(0.1, second.close).start()
        started = time.perf_counter()
        third = engine.connect()  # waits until the timer returns the second one
        waited = time.perf_counter() - started
        third.close()
        first.close()
    use = monitor.record()
    assert use.timeouts == 1
    assert use.peak_overflow == 1
    assert use.peak_checked_out == 2
    assert use.checkouts == 3  # the timed-out request never checked out
    assert use.max_wait_seconds >= 0.2  # the timeout's wait
    assert use.wait_seconds >= 0.2 + waited * 0.9
    engine.dispose()


def test_every_listener_and_the_timing_wrapper_are_removed(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with watch_pool(engine) as monitor:
        assert "connect" in engine.pool.__dict__
    assert "connect" not in engine.pool.__dict__
    for name in ("connect", "checkout", "checkin"):
        assert not event.contains(engine.pool, name, getattr(monitor, f"_on_{name}"))
    engine.dispose()
