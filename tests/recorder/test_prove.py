"""prove_fix: each naive path proven with the option its mapping calls for, on every backend.

Every code path opens its own Session and returns plain data, as ``prove_fix`` asks. The
library has 20 parents per relationship shape (see ``library_models``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from library_models import Book, N, Node, Reader, Writer
from sqlalchemy import Select, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from querybench import FixProof, prove_fix

Path_ = Callable[[Engine], object]


def books_with_writers(engine: Engine) -> object:
    """Many-to-one: 20 books of 20 writers, each book's writer."""
    with Session(engine) as session:
        books = session.scalars(select(Book).where(Book.id <= N).order_by(Book.id))
        return [(book.title, book.writer.name) for book in books]


def writers_with_books(engine: Engine) -> object:
    """One-to-many: 20 writers, each writer's books."""
    with Session(engine) as session:
        writers = session.scalars(select(Writer).order_by(Writer.id))
        return [(writer.name, [book.title for book in writer.books]) for writer in writers]


def books_with_genres(engine: Engine) -> object:
    """Many-to-many through an association table."""
    with Session(engine) as session:
        books = session.scalars(select(Book).where(Book.id <= N).order_by(Book.id))
        return [(book.title, [genre.name for genre in book.genres]) for book in books]


def books_with_covers(engine: Engine) -> object:
    """One-to-one (``uselist=False``)."""
    with Session(engine) as session:
        books = session.scalars(select(Book).where(Book.id <= N).order_by(Book.id))
        return [(book.title, book.cover.colour) for book in books]


def leaves_with_ancestors(engine: Engine) -> object:
    """Self-referential many-to-one, two levels up from 20 leaves."""
    with Session(engine) as session:
        leaves = session.scalars(select(Node).where(Node.id > 2 * N).order_by(Node.id))
        return [(n.name, n.parent.name, n.parent.parent.name) for n in leaves]


def reviews_with_readers(engine: Engine) -> object:
    """A lazy many-to-one beneath a selectin-loaded collection: 20 reviews of 10 books."""
    with Session(engine) as session:
        books = session.scalars(
            select(Book).where(Book.id <= 10).order_by(Book.id).options(selectinload(Book.reviews))
        )
        return [(review.stars, review.reader.name) for book in books for review in book.reviews]


def writers_books_reviews_readers(engine: Engine) -> object:
    """Three lazy levels: writers, their books, the books' reviews, the reviews' readers."""
    with Session(engine) as session:
        writers = session.scalars(select(Writer).order_by(Writer.id))
        return [
            [[review.reader.name for review in book.reviews] for book in writer.books]
            for writer in writers
        ]


def writer_bios(engine: Engine) -> object:
    """A deferred column read for 20 writers."""
    with Session(engine) as session:
        return [writer.bio for writer in session.scalars(select(Writer).order_by(Writer.id))]


def book_writer_bios(engine: Engine) -> object:
    """A deferred column of objects reached through a lazy many-to-one."""
    with Session(engine) as session:
        books = session.scalars(select(Book).where(Book.id <= N).order_by(Book.id))
        return [book.writer.bio for book in books]


def page_of_writers_with_books(engine: Engine) -> object:
    """A collection under LIMIT/OFFSET: selectinload, never a joined collection."""
    with Session(engine) as session:
        page = session.scalars(select(Writer).order_by(Writer.id).limit(N).offset(0))
        return [[book.title for book in writer.books] for writer in page]


@pytest.mark.parametrize(
    ("path", "option", "before", "after"),
    [
        (books_with_writers, "joinedload(Book.writer)", 21, 1),
        (writers_with_books, "selectinload(Writer.books)", 21, 2),
        (books_with_genres, "selectinload(Book.genres)", 21, 2),
        (books_with_covers, "joinedload(Book.cover)", 21, 1),
        (leaves_with_ancestors, "joinedload(Node.parent).joinedload(Node.parent)", 41, 1),
        (reviews_with_readers, "selectinload(Book.reviews).joinedload(Review.reader)", 22, 2),
        (
            writers_books_reviews_readers,
            "selectinload(Writer.books).selectinload(Book.reviews).joinedload(Review.reader)",
            141,
            3,
        ),
        (writer_bios, "undefer(Writer.bio)", 21, 1),
        (book_writer_bios, "joinedload(Book.writer).undefer(Writer.bio)", 41, 1),
        (page_of_writers_with_books, "selectinload(Writer.books)", 21, 2),
    ],
)
def test_naive_path_is_proven_with_the_option_its_mapping_calls_for(
    library: Engine, path: Path_, option: str, before: int, after: int
) -> None:
    proof = prove_fix(lambda: path(library), library)
    assert proof.proven, proof.reason
    assert proof.options == (option,)
    assert (proof.before.count, proof.after.count) == (before, after)
    assert proof.after.count <= 3
    assert proof.after_result == proof.before_result
    assert proof.fixed == proof.findings
    assert proof.after.n_plus_one() == ()
    assert (proof.reason, proof.notes) == ("", ())


def test_injected_loader_runs_the_relationship_in_the_parents_statement(library: Engine) -> None:
    proof = prove_fix(lambda: books_with_writers(library), library)
    (statement,) = proof.after.statements
    assert "JOIN qp_writer" in statement.sql


def test_one_line_summary_names_findings_counts_times_and_option(library: Engine) -> None:
    proof = prove_fix(lambda: writers_with_books(library), library)
    assert re.fullmatch(
        r"1 finding fixed: 21 -> 2 statements, \d+\.\d ms -> \d+\.\d ms "
        r"with selectinload\(Writer\.books\)",
        str(proof),
    ), str(proof)
    assert proof.before_time > 0
    assert proof.after_time > 0


def test_three_nested_findings_are_fixed_by_one_chained_option(library: Engine) -> None:
    proof = prove_fix(lambda: writers_books_reviews_readers(library), library)
    fixed = sorted(f.target for f in proof.fixed)
    assert fixed == ["Book.reviews", "Review.reader", "Writer.books"]
    assert str(proof).startswith("3 findings fixed: 141 -> 3 statements, ")
    (derived,) = proof.derived
    assert derived.root is Writer
    assert len(derived.finding_ids) == 3


def test_option_goes_only_to_the_statement_that_loaded_the_parents(library: Engine) -> None:
    def two_queries() -> object:
        with Session(library) as session:
            touched = session.scalars(select(Book).where(Book.id <= N)).all()
            untouched = session.scalars(select(Book).where(Book.id > N)).all()
            return [book.writer.name for book in touched], len(untouched)

    proof = prove_fix(two_queries, library)
    assert proof.proven, proof.reason
    first, second = proof.after.statements
    assert "JOIN qp_writer" in first.sql
    assert "JOIN" not in second.sql


def test_shared_call_site_gives_the_option_to_whole_entities_only(library: Engine) -> None:
    def run(session: Session, statement: Select[Any]) -> list[Any]:
        return list(session.scalars(statement))  # one line runs every query of this path

    def through_one_helper() -> object:
        with Session(library) as session:
            books = run(session, select(Book).where(Book.id <= N))
            titles = run(session, select(Book.title).where(Book.id <= N))
            return [book.writer.name for book in books], titles

    proof = prove_fix(through_one_helper, library)
    assert proof.proven, proof.reason
    assert proof.options == ("joinedload(Book.writer)",)
    assert proof.after.count == 2


def test_loop_of_session_get_is_not_proven_and_shows_the_code_to_write(library: Engine) -> None:
    def one_get_per_key() -> object:
        with Session(library) as session:
            return [session.get(Writer, key).name for key in range(1, N + 1)]

    proof = prove_fix(one_get_per_key, library)
    assert not proof.proven
    assert proof.options == ()
    assert proof.before.count == proof.after.count == N
    assert "a loop of session.get or of where(x == i)" in proof.reason
    assert "the code must change" in proof.reason
    assert "session.scalars(select(Writer).where(Writer.id.in_(keys)))" in proof.reason
    assert str(proof).startswith("not proven: the same SELECT ran for 20 parameter sets at ")


def test_loop_of_where_equals_is_not_proven(library: Engine) -> None:
    def one_select_per_writer() -> object:
        with Session(library) as session:
            return [
                session.scalars(select(Book.title).where(Book.writer_id == key)).all()
                for key in range(1, N + 1)
            ]

    proof = prove_fix(one_select_per_writer, library)
    assert not proof.proven
    assert proof.options == ()
    assert "session.scalars(select(Book).where(Book.writer_id.in_(keys)))" in proof.reason


def test_expired_columns_need_a_code_change(library: Engine) -> None:
    def reread_after_commit() -> object:
        with Session(library) as session:
            writers = session.scalars(select(Writer).order_by(Writer.id)).all()
            session.commit()
            return [writer.name for writer in writers]

    proof = prove_fix(reread_after_commit, library)
    assert not proof.proven
    assert proof.options == ()
    assert "after they expired; undefer() cannot prevent that, the code must change" in proof.reason


def test_fixable_findings_are_proven_and_the_rest_noted(library: Engine) -> None:
    def lazy_loads_then_gets() -> object:
        with Session(library) as session:
            books = session.scalars(select(Book).where(Book.id <= N).order_by(Book.id))
            names = [book.writer.name for book in books]
            return names, [session.get(Reader, key).name for key in range(1, 6)]

    proof = prove_fix(lazy_loads_then_gets, library)
    assert proof.proven, proof.reason
    assert proof.options == ("joinedload(Book.writer)",)
    assert (proof.before.count, proof.after.count) == (26, 6)
    (note,) = proof.notes
    assert "a loop of session.get" in note
    assert [f.kind for f in proof.fixed] == ["lazy_load"]
    assert str(proof).endswith("with joinedload(Book.writer); 1 more needs a code change")


def already_eager(engine: Engine) -> object:
    with Session(engine) as session:
        writers = session.scalars(select(Writer).options(selectinload(Writer.books)))
        return [[book.title for book in writer.books] for writer in writers]


def paginated(engine: Engine) -> object:
    with Session(engine) as session:
        pages = [
            session.scalars(select(Writer.name).order_by(Writer.id).limit(5).offset(start)).all()
            for start in range(0, N, 5)
        ]
        return pages


def single_row(engine: Engine) -> object:
    with Session(engine) as session:
        writer = session.get(Writer, 1)
        assert writer is not None
        return [book.title for book in writer.books]


@pytest.mark.parametrize(("path", "count"), [(already_eager, 2), (paginated, 4), (single_row, 2)])
def test_clean_path_yields_no_options_and_equal_counts(
    library: Engine, path: Path_, count: int
) -> None:
    proof = prove_fix(lambda: path(library), library)
    assert proof.findings == ()
    assert proof.options == ()
    assert not proof.proven
    assert proof.reason == "no N+1 finding to fix"
    assert proof.before.count == proof.after.count == count
    assert proof.after_result == proof.before_result


def test_changed_result_is_not_proven(library: Engine) -> None:
    calls: list[int] = []

    def counting() -> object:
        calls.append(1)
        return books_with_writers(library), len(calls)

    proof = prove_fix(counting, library)
    assert proof.options == ("joinedload(Book.writer)",)
    assert not proof.proven
    assert proof.reason.startswith("the result changed: ")
    assert proof.after.count == 1


def test_orm_objects_as_result_are_explained(library: Engine) -> None:
    def returns_objects() -> object:
        with Session(library) as session:
            books = session.scalars(select(Book).where(Book.id <= N)).all()
            for book in books:
                assert book.writer.name
            return books

    proof = prove_fix(returns_objects, library)
    assert not proof.proven
    assert "compare by identity: return plain values" in proof.reason


def test_option_that_no_statement_takes_is_reported(library: Engine) -> None:
    calls: list[int] = []

    def moves_its_query() -> object:
        calls.append(1)
        with Session(library) as session:
            if len(calls) == 1:
                books = session.scalars(select(Book).where(Book.id <= N)).all()
            else:
                books = session.scalars(select(Book).where(Book.id <= N)).all()
            return [book.writer.name for book in books]

    proof = prove_fix(moves_its_query, library)
    assert not proof.proven
    assert proof.options == ()
    site = proof.before.statements[0].callsite
    assert site is not None
    assert site.function.endswith(".moves_its_query")
    assert proof.reason == (
        f"no statement could take joinedload(Book.writer): no ORM SELECT of Book ran at {site}"
    )
    assert proof.after.count == proof.before.count


def test_second_call_that_fails_is_the_verdict(library: Engine) -> None:
    calls: list[int] = []

    def fails_the_second_time() -> object:
        calls.append(1)
        result = books_with_writers(library)
        if len(calls) == 2:
            raise LookupError("gone")
        return result

    proof = prove_fix(fails_the_second_time, library)
    assert not proof.proven
    assert proof.reason == (
        "the second call, with joinedload(Book.writer), failed: LookupError: gone"
    )
    assert proof.after.count == 1


def test_proof_is_importable_from_the_package() -> None:
    import querybench

    assert querybench.prove_fix is prove_fix
    assert "FixProof" in querybench.__all__
    assert FixProof.__doc__
