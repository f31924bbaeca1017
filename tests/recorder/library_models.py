"""A small library for the prove_fix and usage tests: every relationship shape, 20 parents each.

- many-to-one ``Book.writer``, one-to-one ``Book.cover``, one-to-many ``Writer.books`` and
  ``Writer.awards``, many-to-many ``Book.genres``, ``Review.reader`` beneath ``Book.reviews``;
- a self-referential tree: 20 tops, 20 middles (one per top), 20 leaves (one per middle);
- a deferred column, ``Writer.bio``.

Books 1-20 have 20 distinct writers (book ``i`` and book ``i + 20`` belong to writer ``i``);
every review has a reader of its own.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

N = 20
"""Parents per shape."""


class Base(DeclarativeBase):
    """Declarative base of the library models."""


book_genre = Table(
    "qp_book_genre",
    Base.metadata,
    Column("book_id", ForeignKey("qp_book.id"), primary_key=True),
    Column("genre_id", ForeignKey("qp_genre.id"), primary_key=True),
)


class Writer(Base):
    """Writes books and wins awards; ``bio`` is deferred."""

    __tablename__ = "qp_writer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    bio: Mapped[str] = mapped_column(Text, deferred=True)
    books: Mapped[list[Book]] = relationship(back_populates="writer", order_by="Book.id")
    awards: Mapped[list[Award]] = relationship(order_by="Award.id")


class Book(Base):
    """By one writer; has a cover, reviews and genres."""

    __tablename__ = "qp_book"
    id: Mapped[int] = mapped_column(primary_key=True)
    writer_id: Mapped[int] = mapped_column(ForeignKey("qp_writer.id"))
    title: Mapped[str] = mapped_column(String(100))
    writer: Mapped[Writer] = relationship(back_populates="books")
    cover: Mapped[Cover] = relationship(uselist=False)
    reviews: Mapped[list[Review]] = relationship(order_by="Review.id")
    genres: Mapped[list[Genre]] = relationship(secondary=book_genre, order_by="Genre.id")


class Cover(Base):
    """A book's one cover."""

    __tablename__ = "qp_cover"
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("qp_book.id"), unique=True)
    colour: Mapped[str] = mapped_column(String(20))


class Review(Base):
    """A reader's review of a book."""

    __tablename__ = "qp_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("qp_book.id"))
    reader_id: Mapped[int] = mapped_column(ForeignKey("qp_reader.id"))
    stars: Mapped[int]
    reader: Mapped[Reader] = relationship()


class Reader(Base):
    """Writes one review."""

    __tablename__ = "qp_reader"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Genre(Base):
    """Shared by many books."""

    __tablename__ = "qp_genre"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Award(Base):
    """Won by a writer."""

    __tablename__ = "qp_award"
    id: Mapped[int] = mapped_column(primary_key=True)
    writer_id: Mapped[int] = mapped_column(ForeignKey("qp_writer.id"))
    name: Mapped[str] = mapped_column(String(50))


class Node(Base):
    """A tree: tops (ids 1-20), middles (21-40) and leaves (41-60)."""

    __tablename__ = "qp_node"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("qp_node.id"))
    parent: Mapped[Node | None] = relationship(
        back_populates="children", remote_side=lambda: [Node.id]
    )
    children: Mapped[list[Node]] = relationship(back_populates="parent", order_by="Node.id")


def seed(session: Session) -> None:
    """20 writers x 2 books x 2 reviews, 3 awards each, 2 of 4 genres per book, the tree."""
    genres = [Genre(id=g, name=f"genre{g}") for g in range(1, 5)]
    writers = [Writer(id=w, name=f"writer{w}", bio=f"bio of {w}") for w in range(1, N + 1)]
    for writer in writers:
        writer.awards = [Award(id=writer.id * 10 + a, name=f"award{a}") for a in range(3)]
    for b in range(1, 2 * N + 1):
        book = Book(id=b, title=f"book{b}", writer=writers[(b - 1) % N])
        book.cover = Cover(id=b, colour=f"colour{b}")
        book.genres = [genres[b % 4], genres[(b + 1) % 4]]
        for r in (2 * b - 1, 2 * b):
            book.reviews.append(Review(id=r, stars=r % 5, reader=Reader(id=r, name=f"r{r}")))
    for i in range(1, N + 1):
        top = Node(id=i, name=f"top{i}")
        middle = Node(id=N + i, name=f"middle{i}", parent=top)
        session.add(Node(id=2 * N + i, name=f"leaf{i}", parent=middle))
    session.add_all(writers)
    session.commit()


def make_library_engine(url: URL | str, **options: Any) -> Engine:
    """An engine on ``url`` with the library tables (re)created and seeded."""
    engine = sa.create_engine(url, **options)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
    return engine
