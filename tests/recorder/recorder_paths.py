"""ORM and Core code paths of known cost, run by the recorder tests against the oracles.

Each path takes a Session on the seeded models and returns nothing; ``EXPECTED`` holds the
statements it emits (an executemany counting once) and the parameter sets they carry.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from recorder_models import Author, Category, Comment, Post, Tag
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, joinedload, selectinload, subqueryload


def next_line() -> int:
    """The line after the caller's current one: where the statement under test is."""
    return sys._getframe(1).f_lineno + 1


def many_to_one(session: Session) -> None:
    """Posts, then each post's author: 5 distinct authors, the second post of each is cached."""
    for post in session.scalars(select(Post).order_by(Post.id)):
        assert post.author.name


def one_to_many(session: Session) -> None:
    """Authors, then each author's posts."""
    for author in session.scalars(select(Author).order_by(Author.id)):
        assert len(author.posts) == 2


def many_to_many(session: Session) -> None:
    """Posts, then each post's tags through the association table."""
    for post in session.scalars(select(Post).order_by(Post.id)):
        assert len(post.tags) == 3


def self_referential(session: Session) -> None:
    """The root category, its children, and each child's children."""
    root = session.scalars(select(Category).where(Category.parent_id.is_(None))).one()
    for child in root.children:
        assert len(child.children) == 1


def nested(session: Session) -> None:
    """Authors, their posts, and each post's comments."""
    for author in session.scalars(select(Author).order_by(Author.id)):
        for post in author.posts:
            assert len(post.comments) == 2


def deferred_columns(session: Session) -> None:
    """Authors without their deferred bio, then each bio on its own."""
    for author in session.scalars(select(Author).order_by(Author.id)):
        assert author.bio.startswith("bio")


def expired_columns(session: Session) -> None:
    """Authors, expired, then reloaded one at a time by touching a column."""
    authors = session.scalars(select(Author).order_by(Author.id)).all()
    session.expire_all()
    for author in authors:
        assert author.name


def selectin_nested(session: Session) -> None:
    """Authors with posts and comments by selectinload: one statement per level."""
    options = selectinload(Author.posts).selectinload(Post.comments)
    for author in session.scalars(select(Author).options(options)):
        assert all(len(post.comments) == 2 for post in author.posts)


def joined(session: Session) -> None:
    """Posts with their authors in one joined statement."""
    for post in session.scalars(select(Post).options(joinedload(Post.author))):
        assert post.author.name


def subquery(session: Session) -> None:
    """Authors, then all their posts by subqueryload."""
    for author in session.scalars(select(Author).options(subqueryload(Author.posts))):
        assert len(author.posts) == 2


def orm_bulk_insert(session: Session) -> None:
    """An ORM bulk INSERT of five tags from a list of dicts."""
    session.execute(insert(Tag), [{"id": 100 + i, "name": f"bulk{i}"} for i in range(5)])


def core_executemany(session: Session) -> None:
    """A Core INSERT and a Core UPDATE, each with a list of parameter sets."""
    rows = [{"id": 900 + i, "post_id": 1, "body": f"many{i}"} for i in range(4)]
    session.execute(insert(Comment.__table__), rows)
    table = Comment.__table__
    session.execute(
        update(table).where(table.c.id == 900).values(body="changed"),
    )


def flush_writes(session: Session) -> None:
    """New tags, changed tags and a deleted comment, written by one flush."""
    tags = session.scalars(select(Tag).order_by(Tag.id)).all()
    for tag in tags:
        tag.name = tag.name.upper()
    session.add_all([Tag(id=200 + i, name=f"new{i}") for i in range(3)])
    session.delete(session.get(Comment, 1))
    session.flush()


PATHS: dict[str, Callable[[Session], None]] = {
    path.__name__: path
    for path in (
        many_to_one,
        one_to_many,
        many_to_many,
        self_referential,
        nested,
        deferred_columns,
        expired_columns,
        selectin_nested,
        joined,
        subquery,
        orm_bulk_insert,
        core_executemany,
        flush_writes,
    )
}

EXPECTED: dict[str, int] = {
    "many_to_one": 1 + 5,
    "one_to_many": 1 + 5,
    "many_to_many": 1 + 10,
    "self_referential": 1 + 1 + 3,
    "nested": 1 + 5 + 10,
    "deferred_columns": 1 + 5,
    "expired_columns": 1 + 5,
    "selectin_nested": 3,
    "joined": 1,
    "subquery": 2,
    "orm_bulk_insert": 1,
    "core_executemany": 2,
    # SELECT tags; session.get autoflushes (UPDATE tags, INSERT tags) before its SELECT; then
    # the flush of the DELETE. Each write is one statement: an executemany or a single row.
    "flush_writes": 2 + 3,
}
