"""Option derivation: the loader follows the mapping; chains render as code and build as options."""

from __future__ import annotations

import pytest
from library_models import Book, Node, Review, Writer
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Load, Session, aliased

from querybench import prove_fix
from querybench.recorder.options import Derivation, DerivedOption, derive_options, loader_for


@pytest.mark.parametrize(
    ("cls", "key", "loader"),
    [
        (Book, "writer", "joinedload"),  # many-to-one
        (Book, "cover", "joinedload"),  # one-to-one
        (Writer, "books", "selectinload"),  # one-to-many
        (Book, "genres", "selectinload"),  # many-to-many
        (Node, "parent", "joinedload"),  # self-referential many-to-one
        (Node, "children", "selectinload"),  # self-referential one-to-many
    ],
)
def test_loader_follows_the_relationship_shape(cls: type, key: str, loader: str) -> None:
    assert loader_for(inspect(cls).relationships[key]) == loader


def test_chained_option_renders_as_code_and_builds_the_same_path() -> None:
    option = DerivedOption(
        Book,
        (("selectinload", Book, "reviews"), ("joinedload", Review, "reader")),
        None,
        (),
    )
    assert option.code == "selectinload(Book.reviews).joinedload(Review.reader)"
    built = option.build()
    assert isinstance(built, Load)
    statement = select(Book).options(built)
    assert statement.compile() is not None


def test_parents_loaded_through_an_alias_are_explained_not_guessed(library: Engine) -> None:
    alias = aliased(Book)

    def through_alias() -> object:
        with Session(library) as session:
            books = session.scalars(select(alias).where(alias.id <= 5).order_by(alias.id))
            return [book.writer.name for book in books]

    proof = prove_fix(through_alias, library)
    assert not proof.proven
    assert proof.options == ()
    (finding,) = proof.findings
    assert proof.reason == (
        "the objects of Book.writer were loaded through an aliased or polymorphic entity; "
        f"add the option by hand: {finding.fix}"
    )


def test_objects_created_in_the_call_are_explained(library: Engine) -> None:
    def pending_parents() -> object:
        with Session(library) as session:
            writers = [Writer(id=1000 + i, name=f"new{i}", bio="") for i in range(3)]
            session.add_all(writers)
            session.flush()
            names = [len(writer.books) for writer in writers]
            session.rollback()
            return names

    proof = prove_fix(pending_parents, library)
    assert not proof.proven
    assert proof.options == ()
    assert proof.reason == (
        "the objects of Writer.books were not loaded by an ORM SELECT of this call (created or "
        "merged in it?), so no statement can take an option: .options(selectinload(Writer.books))"
    )


def test_chains_are_taken_from_the_run_not_from_the_finding_text() -> None:
    derivation = derive_options((), (), {})
    assert derivation == Derivation((), ())
