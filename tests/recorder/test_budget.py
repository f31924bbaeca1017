"""assert_max_queries: silent within budget; over it, a message that says what, where and why."""

from __future__ import annotations

import pytest
from emitted_sql import as_emitted
from recorder_models import Author, Tag
from recorder_paths import next_line
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench import QueryBudgetExceeded, assert_max_queries

FILE = "tests/recorder/test_budget.py"


def test_within_budget_passes_and_yields_the_recorder(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, assert_max_queries(2, sqlite_engine) as queries:
        session.execute(text("SELECT 1"))
        session.execute(text("SELECT 2"))
    assert queries.count == 2


def test_over_budget_lists_statements_call_sites_and_the_n_plus_one(sqlite_engine: Engine) -> None:
    where: dict[str, int] = {}

    def over_budget(session: Session) -> None:
        where["block"] = next_line()
        with assert_max_queries(2, sqlite_engine):
            where["query"] = next_line()
            authors = session.scalars(select(Author).order_by(Author.id)).all()
            for author in authors:
                where["access"] = next_line()
                assert author.posts

    with Session(sqlite_engine) as session, pytest.raises(QueryBudgetExceeded) as raised:
        over_budget(session)
    lines = str(raised.value).splitlines()
    block, query, access = where["block"], where["query"], where["access"]
    lazy = "SELECT qb_post.id, qb_post.author_id, qb_post.title FROM qb_post WHERE ? = "
    lazy = as_emitted(lazy + "qb_post.author_id ORDER BY qb_post.id")
    assert isinstance(raised.value, AssertionError)
    assert lines == [
        f"{FILE}:{block}: expected at most 2 statements, got 6. Remove the extra statements"
        " (fixes below), or accept them with assert_max_queries(6).",
        "Statements:",
        "   1. SELECT qb_author.id, qb_author.name FROM qb_author ORDER BY qb_author.id"
        f"  -- query for Author at {FILE}:{query}",
        *(
            f"{n + 1:>4}. {lazy}  ({n},)  -- lazy load of Author.posts for Author({n}) at "
            f"{FILE}:{access}"
            for n in range(1, 6)
        ),
        "N+1 findings:",
        f"  - lazy load of Author.posts for 5 parents (5 statements) at {FILE}:{access}: {lazy}; "
        f"fix: .options(selectinload(Author.posts)) on the query at {FILE}:{query}",
    ]


def test_long_lists_are_cut_and_duplicates_listed(sqlite_engine: Engine) -> None:
    where: dict[str, int] = {}

    def over_budget() -> None:
        with sqlite_engine.connect() as connection, assert_max_queries(0, max_listed=2):
            for _ in range(4):
                where["line"] = next_line()
                connection.execute(select(Tag.name).where(Tag.id == 1))

    with pytest.raises(QueryBudgetExceeded) as raised:
        over_budget()
    lines = str(raised.value).splitlines()
    line = where["line"]
    sql = "SELECT qb_tag.name FROM qb_tag WHERE qb_tag.id = ?"
    assert lines[0].endswith(
        "expected at most 0 statements, got 4. Remove the extra statements (fixes below), "
        "or accept them with assert_max_queries(4)."
    )
    assert lines[2:] == [
        f"   1. {sql}  (1,)  -- query for Tag at {FILE}:{line}",
        f"   2. {sql}  (1,)  -- query for Tag at {FILE}:{line}",
        "      ... and 2 more not shown",
        "Duplicates (same SQL, same parameters):",
        f"  - 4x the same statement and parameters at {FILE}:{line}: {sql} (1,); "
        "keep the first result (cache it or hoist it out of the loop)",
        "N+1 findings: none.",
    ]


def test_an_error_in_the_block_wins_over_the_budget(sqlite_engine: Engine) -> None:
    def failing_block() -> None:
        with sqlite_engine.connect() as connection, assert_max_queries(0, sqlite_engine):
            connection.execute(text("SELECT 1"))
            raise KeyError("the block's own error")

    with pytest.raises(KeyError, match="the block's own error"):
        failing_block()


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="n must be 0 or more, got -1"):
        assert_max_queries(-1)
