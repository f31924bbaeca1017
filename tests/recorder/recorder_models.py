"""Small models of the recorder's own tests: authors, posts, comments, tags and a category tree.

They cover each relationship shape the recorder must tag: many-to-one (Post.author), one-to-many
(Author.posts), many-to-many (Post.tags), self-referential (Category.parent / children), nested
collections (Author.posts -> Post.comments) and a deferred column (Author.bio).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of the recorder test models."""


post_tag = Table(
    "qb_post_tag",
    Base.metadata,
    Column("post_id", ForeignKey("qb_post.id"), primary_key=True),
    Column("tag_id", ForeignKey("qb_tag.id"), primary_key=True),
)


class Author(Base):
    """Writes posts; ``bio`` is deferred."""

    __tablename__ = "qb_author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    bio: Mapped[str] = mapped_column(Text, deferred=True, default="")
    posts: Mapped[list[Post]] = relationship(back_populates="author", order_by="Post.id")


class Post(Base):
    """Belongs to an author; has comments and tags."""

    __tablename__ = "qb_post"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("qb_author.id"))
    title: Mapped[str] = mapped_column(String(100))
    author: Mapped[Author] = relationship(back_populates="posts")
    comments: Mapped[list[Comment]] = relationship(order_by="Comment.id")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tag, order_by="Tag.id")


class Comment(Base):
    """A comment on a post."""

    __tablename__ = "qb_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("qb_post.id"))
    body: Mapped[str] = mapped_column(String(200))


class Tag(Base):
    """A label shared by many posts."""

    __tablename__ = "qb_tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Category(Base):
    """A tree: each category has a parent (or none) and children."""

    __tablename__ = "qb_category"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("qb_category.id"))
    parent: Mapped[Category | None] = relationship(
        back_populates="children", remote_side=lambda: [Category.id]
    )
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.id")


AUTHORS = 5
POSTS_PER_AUTHOR = 2
COMMENTS_PER_POST = 2
TAGS = 3


def seed(session: Session) -> None:
    """Fill the tables: 5 authors x 2 posts x 2 comments, 3 tags on every post, a 3-level tree."""
    tags = [Tag(id=i, name=f"tag{i}") for i in range(1, TAGS + 1)]
    session.add_all(tags)
    post_id = comment_id = 0
    for a in range(1, AUTHORS + 1):
        author = Author(id=a, name=f"author{a}", bio=f"bio of {a}")
        for _ in range(POSTS_PER_AUTHOR):
            post_id += 1
            post = Post(id=post_id, title=f"post{post_id}", tags=list(tags))
            for _ in range(COMMENTS_PER_POST):
                comment_id += 1
                post.comments.append(Comment(id=comment_id, body=f"comment{comment_id}"))
            author.posts.append(post)
        session.add(author)
    root = Category(id=1, name="root")
    for c in range(2, 5):
        child = Category(id=c, name=f"child{c}", parent=root)
        Category(id=c * 10, name=f"leaf{c}", parent=child)
    session.add(root)
    session.commit()


def make_seeded_engine(url: URL | str, **options: Any) -> Engine:
    """An engine on ``url`` with the tables (re)created and seeded."""
    engine = sa.create_engine(url, **options)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
    return engine
