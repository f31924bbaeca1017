"""Origins: every statement says why it ran, read off the ORM's loader state."""

from __future__ import annotations

import pytest
from recorder_models import Author, Comment, Post, Tag
from recorder_paths import PATHS
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, immediateload, selectinload, subqueryload

from querybench import Origin, count_queries


def origins(engine: Engine, path_name: str) -> list[str]:
    """The origins of a recorded path, as strings, in order."""
    with Session(engine) as session:
        with count_queries(engine) as queries:
            PATHS[path_name](session)
        session.rollback()
    return [str(statement.origin) for statement in queries.statements]


def test_lazy_loads_name_the_relationship_and_the_parent(seeded: Engine) -> None:
    assert origins(seeded, "one_to_many") == [
        "query for Author",
        *(f"lazy load of Author.posts for Author({i})" for i in range(1, 6)),
    ]


def test_many_to_one_lazy_loads_only_for_parents_not_in_the_identity_map(seeded: Engine) -> None:
    assert origins(seeded, "many_to_one") == [
        "query for Post",
        *(f"lazy load of Post.author for Post({post})" for post in (1, 3, 5, 7, 9)),
    ]


def test_many_to_many_and_self_referential_lazy_loads(seeded: Engine) -> None:
    assert origins(seeded, "many_to_many")[1:3] == [
        "lazy load of Post.tags for Post(1)",
        "lazy load of Post.tags for Post(2)",
    ]
    assert origins(seeded, "self_referential") == [
        "query for Category",
        "lazy load of Category.children for Category(1)",
        *(f"lazy load of Category.children for Category({c})" for c in (2, 3, 4)),
    ]


def test_lazy_load_origin_fields(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        post = session.get(Post, 3)
        assert post is not None
        assert post.author.name
        assert post.tags
    lookup, author, tags = (statement.origin for statement in queries.statements)
    assert lookup == Origin("query", entity=Post)
    assert author == Origin(
        "lazy_load",
        entity=Author,
        relationship="Post.author",
        collection=False,
        detail="lazy",
        parent="Post(3)",
    )
    assert (tags.relationship, tags.collection, tags.entity) == ("Post.tags", True, Tag)


@pytest.mark.parametrize(
    ("loader", "strategy", "statements"),
    [
        (selectinload, "selectin", 2),
        (subqueryload, "subquery", 2),
        (immediateload, "immediate", 1 + 5),
    ],
)
def test_eager_loads_name_their_strategy(
    seeded: Engine, loader: object, strategy: str, statements: int
) -> None:
    with Session(seeded) as session, count_queries(seeded) as queries:
        session.scalars(select(Author).options(loader(Author.posts))).all()  # type: ignore[operator]
    assert [str(s.origin) for s in queries.statements] == [
        "query for Author",
        *[f"{strategy} eager load of Author.posts"] * (statements - 1),
    ]


def test_nested_selectinload_tags_each_level(seeded: Engine) -> None:
    assert origins(seeded, "selectin_nested") == [
        "query for Author",
        "selectin eager load of Author.posts",
        "selectin eager load of Post.comments",
    ]


def test_joined_eager_load_is_part_of_its_query(seeded: Engine) -> None:
    assert origins(seeded, "joined") == ["query for Post"]


def test_deferred_expired_and_refreshed_columns(sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as session, count_queries(sqlite_engine) as queries:
        author = session.get(Author, 2)
        assert author is not None
        assert author.bio
        session.expire(author, ["name"])
        assert author.name
        session.refresh(author)
    assert [s.origin for s in queries.statements] == [
        Origin("query", entity=Author),
        Origin(
            "column_load", entity=Author, detail="deferred", parent="Author(2)", attributes=("bio",)
        ),
        Origin(
            "column_load", entity=Author, detail="expired", parent="Author(2)", attributes=("name",)
        ),
        Origin("column_load", entity=Author, detail="refresh", parent="Author(2)"),
    ]


def test_flush_statements_are_tagged_flush_and_core_statements_core(seeded: Engine) -> None:
    # session.get autoflushes the changed and new tags before its own SELECT
    assert [kind.split(" for ")[0] for kind in origins(seeded, "flush_writes")] == [
        "query",
        "flush",
        "flush",
        "query",
        "flush",
    ]
    assert origins(seeded, "core_executemany") == ["core", "core"]
    with seeded.connect() as connection, count_queries(seeded) as queries:
        connection.execute(text("SELECT 1"))
        connection.execute(select(Comment.body).where(Comment.id == 1))
    assert [str(s.origin) for s in queries.statements] == ["core", "query for Comment"]


def test_orm_bulk_insert_is_a_query_not_a_flush(seeded: Engine) -> None:
    assert origins(seeded, "orm_bulk_insert") == ["query for Tag"]


def test_origin_strings() -> None:
    assert str(Origin("flush")) == "flush"
    assert str(Origin("core")) == "core"
    assert str(Origin("query")) == "query"
