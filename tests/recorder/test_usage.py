"""track_usage: eager loads nobody read are flagged, partly read ones give their share, and
joined collections side by side are flagged with their rows per parent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from library_models import Book, N, Writer
from sqlalchemy import ForeignKey, create_engine, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
    subqueryload,
)
from sqlalchemy.orm.attributes import InstrumentedAttribute

from querybench import CartesianLoad, EagerLoadUsage, count_queries
from querybench.recorder.taps import active_taps


def test_eager_load_that_nothing_reads_is_flagged(library: Engine) -> None:
    with Session(library) as session, count_queries(library, track_usage=True) as queries:
        writers = session.scalars(select(Writer).options(selectinload(Writer.books))).all()
        names = [writer.name for writer in writers]
    assert len(names) == N
    (unused,) = queries.unused_eager_loads()
    assert (unused.relationship, unused.strategy, unused.parents, unused.touched) == (
        "Writer.books",
        "selectin",
        N,
        0,
    )
    assert unused.unused
    assert str(unused).endswith(
        ": unused, none of its 20 parents read it; drop the option, or load the relationship "
        "where it is read"
    )
    assert queries.count == 2  # tracking adds no statement


def test_eager_load_read_by_one_object_of_twenty_is_not_flagged(library: Engine) -> None:
    with Session(library) as session, count_queries(library, track_usage=True) as queries:
        writers = session.scalars(select(Writer).options(selectinload(Writer.books))).all()
        assert writers[0].books[0].title == "book1"
    assert queries.unused_eager_loads() == ()
    (usage,) = queries.eager_load_usage()
    assert (usage.parents, usage.touched, usage.share) == (N, 1, 0.05)
    assert str(usage).endswith(": 1 of 20 parents read it (5%)")


@pytest.mark.parametrize(
    ("option", "strategy"),
    [(joinedload, "joined"), (selectinload, "selectin"), (subqueryload, "subquery")],
)
def test_each_strategy_is_named_and_every_read_counts(
    library: Engine, option: type, strategy: str
) -> None:
    with Session(library) as session, count_queries(library, track_usage=True) as queries:
        books = session.scalars(select(Book).where(Book.id <= N).options(option(Book.writer)))
        for book in books:
            assert book.writer.name
    (usage,) = queries.eager_load_usage()
    assert (usage.relationship, usage.strategy, usage.touched, usage.share) == (
        "Book.writer",
        strategy,
        N,
        1.0,
    )


def test_reads_through_getattr_and_inspect_count(library: Engine) -> None:
    with Session(library) as session, count_queries(library, track_usage=True) as queries:
        writers = session.scalars(
            select(Writer).order_by(Writer.id).options(selectinload(Writer.books))
        ).all()
        assert getattr(writers[0], "books")  # noqa: B009 - the getattr path is what is tested
        assert inspect(writers[1]).attrs.books.value
    (usage,) = queries.eager_load_usage()
    assert usage.touched == 2


def test_joined_load_of_two_collections_is_flagged_with_rows_per_parent(library: Engine) -> None:
    statement = select(Writer).options(joinedload(Writer.books), joinedload(Writer.awards))
    with Session(library) as session, count_queries(library, track_usage=True) as queries:
        writers = session.scalars(statement).unique().all()
    assert len(writers) == N
    (cartesian,) = queries.cartesian_loads()
    assert cartesian == CartesianLoad(
        ("Writer.awards", "Writer.books"), queries.statements[0].callsite, 2 * 3 * N, N
    )
    assert cartesian.rows_per_parent == 6.0
    assert "120 rows for 20 parents (6.0 rows per parent, a cartesian product)" in str(cartesian)


def test_nested_joined_collections_are_not_a_cartesian_product(library: Engine) -> None:
    statement = select(Writer).options(joinedload(Writer.books).joinedload(Book.reviews))
    with Session(library) as session, count_queries(library, track_usage=True) as queries:
        session.scalars(statement).unique().all()
    assert queries.cartesian_loads() == ()
    assert {u.relationship for u in queries.unused_eager_loads()} == {
        "Writer.books",
        "Book.reviews",
    }


def test_results_behave_as_without_tracking(library: Engine) -> None:
    statement = select(Writer).options(joinedload(Writer.books))
    with Session(library) as session, count_queries(library, track_usage=True):
        with pytest.raises(InvalidRequestError, match=r"unique\(\) method must be invoked"):
            session.scalars(statement).all()
        assert len(session.scalars(statement).unique().all()) == N
        rows = session.execute(select(Writer.id, Writer.name).order_by(Writer.id)).all()
    assert rows[0] == (1, "writer1")


def test_streamed_results_are_counted_untracked(library: Engine) -> None:
    with Session(library) as session, count_queries(library, track_usage=True) as queries:
        statement = select(Book).options(joinedload(Book.writer)).execution_options(yield_per=5)
        assert len(session.scalars(statement).all()) == 2 * N
    assert queries.usage is not None
    assert queries.usage.untracked == 1
    assert queries.eager_load_usage() == ()


def test_descriptors_and_listeners_are_restored_when_tracking_stops(library: Engine) -> None:
    with Session(library) as session, count_queries(library, track_usage=True):
        session.scalars(select(Writer).options(selectinload(Writer.books))).all()
        assert type(Writer.__dict__["books"]) is not InstrumentedAttribute
    assert type(Writer.__dict__["books"]) is InstrumentedAttribute
    assert active_taps() == 0


def test_only_statements_the_recorder_sees_are_tracked(library: Engine) -> None:
    found: list[tuple[EagerLoadUsage, ...]] = []

    def other_thread() -> None:
        with Session(library) as session:
            session.scalars(select(Writer).options(selectinload(Writer.books))).all()

    with count_queries(library, local=True, track_usage=True) as queries:
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        found.append(queries.eager_load_usage())
    assert found == [()]


def test_usage_needs_track_usage(library: Engine) -> None:
    with count_queries(library) as queries:
        pass
    assert queries.usage is None
    with pytest.raises(RuntimeError, match=r"count_queries\(bind, track_usage=True\)"):
        queries.unused_eager_loads()


class _MappedBase(DeclarativeBase):
    """A mapping whose relationships are eager by configuration, not by option."""


class Shelf(_MappedBase):
    """Two collections, both joined by the mapping."""

    __tablename__ = "usage_shelf"
    id: Mapped[int] = mapped_column(primary_key=True)
    boxes: Mapped[list[Box]] = relationship(lazy="joined", order_by="Box.id")
    labels: Mapped[list[Label]] = relationship(lazy="joined", order_by="Label.id")


class Box(_MappedBase):
    """On a shelf."""

    __tablename__ = "usage_box"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("usage_shelf.id"))


class Label(_MappedBase):
    """On a shelf."""

    __tablename__ = "usage_label"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("usage_shelf.id"))


@pytest.fixture
def one_shelf(tmp_path: Path) -> Iterator[Engine]:
    """One shelf with one box and one label: nothing to multiply."""
    engine = create_engine(f"sqlite:///{tmp_path / 'shelf.db'}")
    _MappedBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Shelf(id=1), Box(shelf_id=1), Label(shelf_id=1)])
        session.commit()
    yield engine
    engine.dispose()


def test_eager_loads_of_the_mapping_say_to_change_the_relationship(one_shelf: Engine) -> None:
    with Session(one_shelf) as session, count_queries(one_shelf, track_usage=True) as queries:
        (shelf,) = session.scalars(select(Shelf)).unique().all()
        assert shelf.id == 1
    unused = {usage.relationship: usage for usage in queries.unused_eager_loads()}
    assert unused["Shelf.boxes"].configured
    assert str(unused["Shelf.boxes"]).endswith(
        ": unused, its one parent did not read it; the relationship loads it eagerly "
        '(relationship(lazy="joined")): set lazy="select" on Shelf.boxes and ask for it where '
        "it is read, or override it on this query with lazyload(Shelf.boxes)"
    )
    (cartesian,) = queries.cartesian_loads()
    assert str(cartesian).endswith(
        ": 1 row for 1 parent (no more than one row per parent with this data, but the rows "
        "multiply as the collections grow); load all but one of them with selectinload"
    )
    assert "cartesian product" not in str(cartesian)


def test_an_option_of_the_query_is_not_the_mapping(library: Engine) -> None:
    with Session(library) as session, count_queries(library, track_usage=True) as queries:
        session.scalars(select(Writer).options(selectinload(Writer.books))).all()
    (unused,) = queries.unused_eager_loads()
    assert not unused.configured
    assert "drop the option" in str(unused)
