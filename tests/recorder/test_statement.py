"""The records: frozen, slotted, and their derived fields."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from querybench import CallSite, Origin, Statement, TransactionEvent
from querybench.recorder.statement import display_path


def make_statement(**changes: object) -> Statement:
    """A statement record with plausible fields, some replaced."""
    fields: dict[str, object] = {
        "sql": "SELECT users.id FROM users WHERE users.id IN (?, ?)",
        "params": (1, 2),
        "started_ns": 10,
        "duration_ns": 2_500_000,
        "batch_size": 1,
        "executemany": False,
        "rows": None,
        "callsite": CallSite("/elsewhere/app.py", 12, "load"),
        "origin": Origin("core"),
    }
    fields.update(changes)
    return Statement(**fields)  # type: ignore[arg-type]


def test_derived_fields() -> None:
    statement = make_statement()
    assert statement.duration == 0.0025
    assert statement.fingerprint == "SELECT users.id FROM users WHERE users.id IN (...)"
    assert statement.kind == "select"
    assert statement.error is None


def test_records_are_frozen_and_slotted() -> None:
    statement = make_statement()
    with pytest.raises(dataclasses.FrozenInstanceError):
        statement.sql = "DELETE FROM users"  # type: ignore[misc]
    for record in (
        statement,
        statement.callsite,
        statement.origin,
        TransactionEvent("begin", None, None),
    ):
        assert not hasattr(record, "__dict__")


def test_call_sites_show_paths_relative_to_the_working_directory(tmp_path: Path) -> None:
    inside = str(Path.cwd() / "pkg" / "mod.py")
    assert str(CallSite(inside, 7, "f")) == f"pkg{os.sep}mod.py:7"
    assert str(CallSite("/elsewhere/app.py", 12, "load")) == "/elsewhere/app.py:12"
    assert display_path("<string>") == "<string>"


@pytest.mark.parametrize(
    ("origin", "text"),
    [
        (
            Origin("lazy_load", relationship="User.posts", parent="User(1)"),
            "lazy load of User.posts for User(1)",
        ),
        (
            Origin("eager_load", relationship="User.posts", detail="selectin"),
            "selectin eager load of User.posts",
        ),
        (
            Origin(
                "column_load", detail="deferred", parent="User(2)", attributes=("bio", "avatar")
            ),
            "deferred column load of User(2) (bio, avatar)",
        ),
        (Origin("query", entity=CallSite), "query for CallSite"),
        (Origin("flush"), "flush"),
    ],
)
def test_origin_reads_as_a_phrase(origin: Origin, text: str) -> None:
    assert str(origin) == text
