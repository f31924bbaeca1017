"""The generic build layer: any row source, a user's own builder, on every backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine

from querybench.datasets import (
    BuildContext,
    DatasetSpec,
    RowSource,
    build_dataset,
    build_source,
    callable_source,
    content_digest,
    drop_dataset,
    read_source_probes,
)
from querybench.errors import OwnershipError

library = sa.MetaData()
authors = sa.Table(
    "authors",
    library,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
)
books = sa.Table(
    "books",
    library,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("author_id", sa.ForeignKey("authors.id"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
)


def write_library(connection: Connection, context: BuildContext) -> dict[str, Any]:
    """Author i has i books for i in the sizes; the probes name each such author."""
    authors_rows = [{"id": n, "name": context.fake.name()} for n in context.sizes]
    context.insert(authors, authors_rows)
    book_rows = [
        {"id": index, "author_id": n, "title": context.fake.sentence()}
        for index, n in enumerate((n for n in context.sizes for _ in range(n)), start=1)
    ]
    context.insert(books, book_rows)
    return {"author_with_books": {str(n): n for n in context.sizes}}


def library_source(seed: int = 1) -> RowSource:
    return callable_source(library, write_library, name="library", seed=seed, sizes=[1, 3, 5])


def test_a_callable_source_builds_its_rows_and_probes_on_every_backend(
    empty_database: URL, make_engine: Callable[[URL | str], Engine]
) -> None:
    built = build_source(library_source(), empty_database)
    assert built.row_counts == {"authors": 3, "books": 9}
    assert built.probes == {"author_with_books": {"1": 1, "3": 3, "5": 5}}
    engine = make_engine(empty_database)
    assert read_source_probes(engine) == built.probes
    assert content_digest(engine, library) == built.digest
    with engine.connect() as conn:
        for n, author in built.probes["author_with_books"].items():
            count = conn.scalar(
                sa.select(sa.func.count()).select_from(books).where(books.c.author_id == author)
            )
            assert count == int(n)


def test_a_callable_source_gives_the_same_digest_on_every_backend(
    empty_database: URL, tmp_path: Path
) -> None:
    reference = build_source(library_source(), f"sqlite:///{tmp_path / 'reference.sqlite'}")
    assert build_source(library_source(), empty_database).digest == reference.digest
    assert build_source(library_source(seed=2), empty_database).digest != reference.digest


def test_a_source_replaces_another_source_s_build(
    empty_database: URL, make_engine: Callable[[URL | str], Engine], tiny_spec: DatasetSpec
) -> None:
    build_dataset(tiny_spec, empty_database)
    build_source(library_source(), empty_database)
    engine = make_engine(empty_database)
    assert set(sa.inspect(engine).get_table_names()) == {"authors", "books", "querybench_meta"}
    assert drop_dataset(engine, library.tables) == ["authors", "books", "querybench_meta"]
    assert sa.inspect(engine).get_table_names() == []


def test_a_foreign_table_of_the_source_s_name_stops_the_build(
    empty_database: URL, make_engine: Callable[[URL | str], Engine]
) -> None:
    engine = make_engine(empty_database)
    foreign = sa.MetaData()
    sa.Table("books", foreign, sa.Column("isbn", sa.String(13), primary_key=True))
    foreign.create_all(engine)
    with pytest.raises(OwnershipError) as caught:
        build_source(library_source(), empty_database)
    assert "refusing to build: table(s) books exist but were not created by querybench" in str(
        caught.value
    )
    assert sa.inspect(engine).get_table_names() == ["books"]


def test_the_cache_serves_a_second_sqlite_build(tmp_path: Path) -> None:
    first = build_source(library_source(), cache_dir=tmp_path)
    second = build_source(library_source(), cache_dir=tmp_path)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.digest == first.digest
    assert build_source(library_source(seed=3), cache_dir=tmp_path).from_cache is False
