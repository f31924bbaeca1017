"""A small project for pytester runs: two tables, a naive (N+1) and an eager loader.

The ``pytester`` fixture comes from ``-p pytester`` in the project's addopts: ``pytest_plugins``
in a conftest below the top level is an error when the whole suite runs.
"""

from __future__ import annotations

import textwrap

import pytest
from peer_plugins import ASYNCIO_INI

HELPERS = '''
"""Authors and books: load_naive lazy-loads each author's books (1 + 5 statements)."""
import sqlalchemy as sa
import sqlalchemy.ext.asyncio as sa_asyncio  # AsyncAttrs: SQLAlchemy 2.0.13 and later
from sqlalchemy.orm import (
    DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload
)
ASYNC_ATTRS = (sa_asyncio.AsyncAttrs,) if hasattr(sa_asyncio, "AsyncAttrs") else ()

class Base(*ASYNC_ATTRS, DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    books: Mapped[list["Book"]] = relationship(back_populates="author", order_by="Book.id")


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


AUTHORS = 5


def seed(session):
    session.add_all(
        Author(name=f"author {i}", books=[Book(title=f"book {i}")]) for i in range(AUTHORS)
    )


def load_naive(engine):
    with Session(engine) as session:
        authors = session.scalars(sa.select(Author).order_by(Author.id))
        return [(a.name, [b.title for b in a.books]) for a in authors]


def load_eager(engine):
    with Session(engine) as session:
        query = sa.select(Author).options(selectinload(Author.books)).order_by(Author.id)
        return [(a.name, [b.title for b in a.books]) for a in session.scalars(query)]
'''

CONFTEST = """
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from helpers import Base, seed


@pytest.fixture
def engine():
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        seed(session)
        session.commit()
    yield engine
    engine.dispose()
"""

INI = f"""
[pytest]
addopts = --strict-markers -p no:cacheprovider
filterwarnings = error
{ASYNCIO_INI}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester folder: ``helpers.py`` (models, loaders), an ``engine`` fixture, a strict ini."""
    pytester.makepyfile(helpers=textwrap.dedent(HELPERS), conftest=textwrap.dedent(CONFTEST))
    pytester.makeini(INI)
    return pytester
