"""allow(): matching findings stay listed, marked allowed with their reason; ids are stable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from library_models import Book, N, Writer
from recorder_paths import next_line
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import querybench
from querybench import Allowance, Finding, QueryRecorder, allow, count_queries
from querybench.recorder.statement import display_path

HERE = display_path(str(Path(__file__))).replace("\\", "/")
REASON = "admin page, at most 20 books"


def books_with_writers(session: Session) -> int:
    """20 lazy many-to-one loads of Book.writer; returns the line that triggers them."""
    line = next_line()
    names = [book.writer.name for book in session.scalars(select(Book).where(Book.id <= N))]
    assert len(names) == N
    return line


def record(engine: Engine, pattern: str | None = None) -> tuple[QueryRecorder, int]:
    with Session(engine) as session, count_queries(engine) as queries:
        if pattern is None:
            line = books_with_writers(session)
        else:
            with allow(pattern, reason=REASON):
                line = books_with_writers(session)
    return queries, line


def test_allowed_finding_is_still_listed_with_its_reason(library_sqlite: Engine) -> None:
    queries, _ = record(library_sqlite, "Book.writer")
    (finding,) = queries.n_plus_one()
    assert (finding.target, finding.count, finding.allowed, finding.allow_reason) == (
        "Book.writer",
        N,
        True,
        REASON,
    )
    assert str(finding).startswith(f"[allowed: {REASON}] lazy load of Book.writer for 20 parents")


def test_finding_outside_any_allowance_is_not_allowed(library_sqlite: Engine) -> None:
    queries, _ = record(library_sqlite)
    (finding,) = queries.n_plus_one()
    assert (finding.allowed, finding.allow_reason) == (False, "")


@pytest.mark.parametrize(
    "pattern",
    [
        "Book.writer",
        "Book.*",
        "*.writer",
        "{file}:{line}",
        "test_allow.py:{line}",
        "recorder/test_allow.py",
        "tests/*/test_allow.py:*",
        "{id}",
    ],
)
def test_relationship_call_site_glob_or_id_match(library_sqlite: Engine, pattern: str) -> None:
    plain, line = record(library_sqlite)
    (original,) = plain.n_plus_one()
    pattern = pattern.format(file=HERE, line=line, id=original.id)
    queries, _ = record(library_sqlite, pattern)
    (finding,) = queries.n_plus_one()
    assert finding.allowed, pattern


@pytest.mark.parametrize("pattern", ["Book.cover", "Writer.*", "test_allow.py:1", "other.py"])
def test_other_patterns_do_not_match(library_sqlite: Engine, pattern: str) -> None:
    queries, _ = record(library_sqlite, pattern)
    (finding,) = queries.n_plus_one()
    assert not finding.allowed


def test_recorder_started_inside_an_allow_block_applies_it(library_sqlite: Engine) -> None:
    with (
        allow("Book.writer", reason=REASON),
        Session(library_sqlite) as session,
        count_queries(library_sqlite) as queries,
    ):
        books_with_writers(session)
    assert queries.n_plus_one()[0].allowed


def test_allow_as_decorator_and_on_the_recorder(library_sqlite: Engine) -> None:
    @allow("Book.writer", reason=REASON)
    def decorated(session: Session) -> None:
        books_with_writers(session)

    with Session(library_sqlite) as session, count_queries(library_sqlite) as queries:
        decorated(session)
    assert queries.n_plus_one()[0].allow_reason == REASON

    with Session(library_sqlite) as session, count_queries(library_sqlite) as direct:
        books_with_writers(session)
    direct.allow("Book.*", reason="set by the plugin")
    assert direct.allowances == (Allowance("Book.*", "set by the plugin"),)
    assert direct.n_plus_one()[0].allow_reason == "set by the plugin"


def test_column_allowance_by_attribute(library_sqlite: Engine) -> None:
    with (
        Session(library_sqlite) as session,
        count_queries(library_sqlite) as queries,
        allow("Writer.bio", reason="bios are small"),
    ):
        assert all(w.bio for w in session.scalars(select(Writer)))
    (finding,) = queries.n_plus_one()
    assert (finding.kind, finding.target, finding.allowed) == ("column_reload", "Writer.bio", True)


def test_finding_id_is_kind_subject_file_and_line(library_sqlite: Engine) -> None:
    queries, line = record(library_sqlite)
    (finding,) = queries.n_plus_one()
    assert finding.id == f"lazy_load:Book.writer@{HERE}:{line}"
    again, _ = record(library_sqlite)
    assert again.n_plus_one()[0].id == finding.id


def test_repeated_statement_id_uses_a_hash_of_the_fingerprint(library_sqlite: Engine) -> None:
    def gets() -> list[Finding]:
        with Session(library_sqlite) as session, count_queries(library_sqlite) as queries:
            for key in range(1, 6):
                assert session.get(Writer, key)
        return list(queries.n_plus_one())

    (first,), (second,) = gets(), gets()
    assert re.fullmatch(rf"repeated_select:[0-9a-f]{{12}}@{re.escape(HERE)}:\d+", first.id)
    assert first.id == second.id


def test_allow_needs_a_target_and_a_reason() -> None:
    with pytest.raises(ValueError, match="say why this N\\+1 is acceptable"):
        allow("Book.writer", reason=" ")
    with pytest.raises(ValueError, match="target is empty"):
        allow("", reason="why")
    assert querybench.allow is allow
