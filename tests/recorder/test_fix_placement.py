"""Fix suggestions that hold: the query that loaded most parents, the whole chain, two repeats.

Each case is built, its finding's exact fix is asserted, then the fix is applied in code and the
same path is recorded again: no finding is left.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from recorder_paths import next_line
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship

from querybench import count_queries, prove_fix
from querybench.recorder.statement import display_path

HERE = display_path(__file__)


class Base(DeclarativeBase):
    """Teams, their users, and the users' comments."""


class Team(Base):
    """A team."""

    __tablename__ = "fp_team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class User(Base):
    """A member of one team."""

    __tablename__ = "fp_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("fp_team.id"))
    team: Mapped[Team] = relationship()


class Comment(Base):
    """Written by a user."""

    __tablename__ = "fp_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("fp_user.id"))
    user: Mapped[User] = relationship()


def build(engine: Engine, teams: int, users_per_team: int) -> None:
    """``teams`` teams of ``users_per_team`` users, each user with two comments."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        user_id = 0
        for team_id in range(1, teams + 1):
            session.add(Team(id=team_id, name=f"team{team_id}"))
            for _ in range(users_per_team):
                user_id += 1
                session.add(User(id=user_id, team_id=team_id))
                session.add_all([Comment(user_id=user_id), Comment(user_id=user_id)])
        session.commit()


@pytest.fixture
def six_teams(tmp_path: Path) -> Iterator[Engine]:
    """Six teams of one user each: a user's team is a parent of its own."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'six.db'}")
    build(engine, teams=6, users_per_team=1)
    yield engine
    engine.dispose()


@pytest.fixture
def two_teams(tmp_path: Path) -> Iterator[Engine]:
    """Two teams of three users: comments from two teams."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'two.db'}")
    build(engine, teams=2, users_per_team=3)
    yield engine
    engine.dispose()


def listing(engine: Engine, *options: object) -> tuple[list[str], tuple[int, int]]:
    """A login loader loads user 1, then a listing loads all the users: their team names.
    Returns the names and the (login, listing) line numbers."""
    with Session(engine) as session:
        login = next_line()
        current_user = session.get(User, 1)
        assert current_user is not None
        names = [current_user.team.name]
        query = next_line()
        users = session.scalars(select(User).order_by(User.id).options(*options)).all()
        names += [user.team.name for user in users if user is not current_user]
    return names, (login, query)


def test_fix_goes_on_the_query_that_loaded_most_parents(six_teams: Engine) -> None:
    with count_queries(six_teams) as queries:
        names, (login, query) = listing(six_teams)
    (finding,) = queries.n_plus_one()
    assert finding.target == "User.team"
    assert finding.fix == (
        f".options(joinedload(User.team)) on the query at {HERE}:{query} "
        f"(it loaded 5 of the 6 parents; 1 parent from the query at {HERE}:{login})"
    )
    with count_queries(six_teams) as fixed:
        fixed_names, _ = listing(six_teams, joinedload(User.team))
    assert fixed_names == names
    assert fixed.n_plus_one() == ()
    # only the login user's team is loaded lazily now: the listing filled the other five
    assert fixed.count == 3


def comment_teams(engine: Engine, *options: object) -> tuple[list[str], int]:
    """The team of each comment's user, reached through Comment.user; and the query's line."""
    with Session(engine) as session:
        query = next_line()
        comments = session.scalars(select(Comment).order_by(Comment.id).options(*options)).all()
        return [comment.user.team.name for comment in comments], query


def test_nested_relationship_carries_the_chain_from_the_root(six_teams: Engine) -> None:
    with count_queries(six_teams) as queries:
        names, query = comment_teams(six_teams)
    fixes = {finding.target: finding.fix for finding in queries.n_plus_one()}
    assert fixes == {
        "Comment.user": f".options(joinedload(Comment.user)) on the query at {HERE}:{query}",
        "User.team": (
            f".options(joinedload(Comment.user).joinedload(User.team)) on the query at "
            f"{HERE}:{query}"
        ),
    }
    # the chain prove_fix derives and injects is the one the finding names
    proof = prove_fix(lambda: comment_teams(six_teams)[0], six_teams)
    assert proof.proven
    assert proof.options == ("joinedload(Comment.user).joinedload(User.team)",)
    with count_queries(six_teams) as fixed:
        fixed_names, _ = comment_teams(six_teams, joinedload(Comment.user).joinedload(User.team))
    assert (fixed_names, fixed.count, fixed.n_plus_one()) == (names, 1, ())


def test_two_lazy_loads_are_an_n_plus_one(two_teams: Engine) -> None:
    with count_queries(two_teams) as queries:
        names, query = comment_teams(two_teams)
    team = [finding for finding in queries.n_plus_one() if finding.target == "User.team"]
    assert [(f.count, f.distinct) for f in team] == [(2, 2)]
    assert team[0].fix == (
        f".options(joinedload(Comment.user).joinedload(User.team)) on the query at {HERE}:{query}"
    )
    assert [f.target for f in queries.n_plus_one(min_repeats=3)] == ["Comment.user"]
    with count_queries(two_teams) as fixed:
        fixed_names, _ = comment_teams(two_teams, joinedload(Comment.user).joinedload(User.team))
    assert (fixed_names, fixed.count, fixed.n_plus_one()) == (names, 1, ())


def test_unknown_loader_falls_back_to_the_last_query_for_the_class(six_teams: Engine) -> None:
    # the users were loaded before recording started: no run of this recorder loaded them
    with Session(six_teams) as session:
        users = session.scalars(select(User)).all()
        with count_queries(six_teams) as queries:
            for user in users:
                assert user.team.name
    (finding,) = queries.n_plus_one()
    assert finding.fix == ".options(joinedload(User.team))"
