"""A suite that names no builder: its rows are generated from its models, probes included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship

from querybench import Suite, read_source_probes
from querybench.cli import main
from querybench.runner.job import RunOptions, RunState, run_job
from querybench.runner.timing import TimingPolicy


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))


class Pet(Base):
    __tablename__ = "pets"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("owners.id"))
    owner: Mapped[Owner] = relationship()


def pets_with_distinct_owners(session: Session, n: int) -> list[Any]:
    """N pets whose N owners are distinct (the generator's probe of Pet.owner)."""
    return list(read_source_probes(session.connection())["relationships"]["Pet.owner"]["rows"][:n])


def naive(session: Session, ids: list[Any]) -> list[str]:
    pets = session.scalars(sa.select(Pet).where(Pet.id.in_(ids)).order_by(Pet.id))
    return [pet.owner.name for pet in pets]


def eager(session: Session, ids: list[Any]) -> list[str]:
    stmt = sa.select(Pet).options(joinedload(Pet.owner)).where(Pet.id.in_(ids)).order_by(Pet.id)
    return [pet.owner.name for pet in session.scalars(stmt)]


def new_suite() -> Suite:
    suite = Suite("pets", models=Base, sizes=(1, 10))
    suite.scenario("PetRepository.with_owner", naive, eager, prepare=pets_with_distinct_owners)
    return suite


def test_a_suite_without_builder_runs_on_rows_generated_from_its_models(tmp_path: Path) -> None:
    options = RunOptions(
        databases=(f"sqlite:///{tmp_path / 'pets.sqlite'}",),
        out=tmp_path / "out",
        policy=TimingPolicy(min_time=0, min_rounds=1),
    )
    results = run_job(new_suite(), options, RunState())
    counts = {(c.variant, c.size): (c.status, c.queries) for c in results.cells}
    assert counts == {
        ("naive", 1): ("ok", 2),
        ("naive", 10): ("ok", 11),
        ("eager", 1): ("ok", 1),
        ("eager", 10): ("ok", 1),
    }


def test_dataset_option_on_a_suite_with_its_own_builder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite_file = Path(__file__).with_name("school_suite.py")
    argv = ["run", str(suite_file), "--dataset", "tiny", "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "querybench: error: suite 'school' builds its own dataset; --dataset 'tiny' applies "
        "only to suites whose rows are generated, or that have named datasets (payments)\n"
    )
