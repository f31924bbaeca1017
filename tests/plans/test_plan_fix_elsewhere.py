"""``prove_plan_fix`` in a database querybench did not build: advice, never a change.

The user's own schema (``tickets``, 2,000 rows, no index on ``owner``): the plan finding and
its advice come back, nothing is created or dropped, and on PostgreSQL, where the database
already has hypopg, the plan with the index as a hypothetical one shows the planner reading it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from querybench import prove_plan_fix


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(80))


def _schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    rows = [{"id": i, "owner": f"user{i % 200}", "title": f"t{i}"} for i in range(1, 2001)]
    with engine.begin() as conn:
        conn.execute(sa.insert(Ticket), rows)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE tickets")


def _open_tickets(engine: Engine) -> Callable[[], object]:
    def fn() -> object:
        with Session(engine) as session:
            stmt = sa.select(Ticket.id).where(Ticket.owner == "user7").order_by(Ticket.id)
            return list(session.scalars(stmt))

    return fn


def _indexes(engine: Engine) -> list[str]:
    return sorted(str(ix["name"]) for ix in sa.inspect(engine).get_indexes("tickets"))


def test_sqlite_gets_advice_and_nothing_is_created(
    sqlite_url: URL, make_engine: Callable[[URL | str], Engine]
) -> None:
    engine = make_engine(sqlite_url)
    _schema(engine)
    proof = prove_plan_fix(_open_tickets(engine), engine)
    assert [(f.kind, f.table, f.columns) for f in proof.findings] == [
        ("full_scan", "tickets", ("owner",))
    ]
    assert proof.findings[0].model_index == 'Index("ix_tickets_owner", "owner")'
    assert proof.proofs == ()
    assert proof.hypothetical == ()
    assert not proof.proven
    assert "is not a database querybench built: nothing was created" in proof.reason
    assert _indexes(engine) == []


def test_postgres_with_hypopg_shows_the_hypothetical_plan_and_creates_nothing(
    scratch_database: Callable[[str], URL], make_engine: Callable[[URL | str], Engine]
) -> None:
    engine = make_engine(scratch_database("postgres"))
    with engine.begin() as conn:  # the user's database, where the user installed hypopg
        try:
            conn.exec_driver_sql("CREATE EXTENSION hypopg")
        except sa.exc.DBAPIError:
            pytest.skip("hypopg missing: apt-get install postgresql-15-hypopg")
    _schema(engine)
    proof = prove_plan_fix(_open_tickets(engine))  # every engine: found through the statements
    assert [(f.kind, f.columns) for f in proof.findings] == [("full_scan", ("owner",))]
    ((finding, plan),) = proof.hypothetical
    assert finding.table == "tickets"
    assert any("btree_tickets_owner" in index for index in plan.indexes), plan.summary()
    assert proof.proofs == ()
    assert _indexes(engine) == []
    with engine.connect() as conn:  # the extension stays, as the user had it
        assert conn.exec_driver_sql("SELECT count(*) FROM hypopg_list_indexes").scalar() == 0


def test_postgres_without_hypopg_is_advice_alone(
    scratch_database: Callable[[str], URL], make_engine: Callable[[URL | str], Engine]
) -> None:
    engine = make_engine(scratch_database("postgres"))
    _schema(engine)
    proof = prove_plan_fix(_open_tickets(engine), engine)
    assert [f.columns for f in proof.findings] == [("owner",)]
    assert proof.hypothetical == ()
    with engine.connect() as conn:  # hypopg was not created behind the user's back
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'"
            ).scalar()
            == 0
        )
    assert _indexes(engine) == []
