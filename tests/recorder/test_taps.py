"""Taps: one set of listeners per target, shared by the recorders on it, gone with the last one."""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from querybench import count_queries
from querybench.recorder.taps import active_taps


def test_recorders_on_one_engine_share_its_listeners(sqlite_engine: Engine) -> None:
    first = count_queries(sqlite_engine).start()
    second = count_queries(sqlite_engine).start()
    assert first.attached_listeners() == second.attached_listeners()
    assert active_taps() == 1  # the engine's cursor tap, nothing on the Session class
    first.stop()
    listeners = second.attached_listeners()
    assert all(event.contains(target, name, fn) for target, name, fn in listeners)
    second.stop()
    assert not any(event.contains(target, name, fn) for target, name, fn in listeners)
    assert active_taps() == 0


def test_a_recorder_joining_late_sees_only_what_follows(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection, count_queries(sqlite_engine) as early:
        connection.execute(text("SELECT 1"))
        with count_queries(sqlite_engine) as late:
            connection.execute(text("SELECT 2"))
        connection.execute(text("SELECT 3"))
    assert (early.count, late.count) == (3, 1)


def test_listeners_are_removed_in_reverse_order(sqlite_engine: Engine) -> None:
    removed: list[str] = []
    original = event.remove

    def spy(target: object, name: str, fn: object) -> None:
        removed.append(name)
        original(target, name, fn)

    recorder = count_queries(sqlite_engine).start()
    added = [name for _, name, _ in recorder.attached_listeners()]
    event.remove = spy  # type: ignore[assignment]
    try:
        recorder.stop()
    finally:
        event.remove = original
    # the engine's tap leaves first (it joined last), its listeners newest first
    assert removed == [*reversed(added[1:]), added[0]]
