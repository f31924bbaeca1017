"""Proof of an index finding: measure the cell, create the advised index, measure again, drop it.

Only in a database the harness built (``querybench_meta``); anything else is refused with one
line and left untouched. On PostgreSQL the index is first tried as a hypothetical one through
hypopg, where the extension is available, to show the plan the planner would choose before
anything is built; the extension is removed again if this function created it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from querybench.errors import QuerybenchError
from querybench.plans.advice import index_name
from querybench.plans.explain import explain_sql
from querybench.plans.schema import require_owned
from querybench.plans.shape import IndexProof, Plan, PlanFinding
from querybench.recorder import count_queries
from querybench.recorder.statement import Statement
from querybench.runner.timing import TimingPolicy, measure

Body = Callable[[Session], object]


def _statement(engine: Engine, body: Body, fingerprint: str) -> Statement:
    """Run ``body`` once in a recorder (rolled back) and return its statement of ``fingerprint``."""
    # On the engine, not the Session: a body may open a Session of its own (prove_plan_fix).
    with Session(engine) as session, count_queries(engine) as recorder:
        body(session)
        session.rollback()
    for statement in recorder.statements:
        if statement.fingerprint == fingerprint:
            return statement
    raise QuerybenchError(f"the cell no longer runs the statement of the finding ({fingerprint})")


def _plan(engine: Engine, statement: Statement) -> Plan:
    with engine.connect() as conn:
        return explain_sql(conn, statement.sql, statement.params)


def _hypothetical(engine: Engine, statement: Statement, ddl: str) -> Plan | None:
    """The plan with ``ddl``'s index as a hypopg hypothetical index; None without hypopg.
    Creates the extension when missing (a database the harness owns) and drops it after."""
    return _with_hypothetical(engine, statement, ddl, create_extension=True)


def _with_hypothetical(
    engine: Engine, statement: Statement, ddl: str, *, create_extension: bool
) -> Plan | None:
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        installed = conn.exec_driver_sql(
            "SELECT 1 FROM pg_extension WHERE extname = 'hypopg'"
        ).first()
        if installed is None and not create_extension:
            conn.rollback()
            return None
        try:
            if installed is None:
                conn.exec_driver_sql("CREATE EXTENSION hypopg")
            conn.commit()
        except exc.DBAPIError:  # not installed on the server: no hypothetical plan
            conn.rollback()
            return None
        try:
            # A hypothetical index lives in this session's memory, not in a transaction.
            conn.exec_driver_sql("SELECT * FROM hypopg_create_index(%(ddl)s)", {"ddl": ddl})
            conn.commit()
            return explain_sql(conn, statement.sql, statement.params)
        finally:
            conn.exec_driver_sql("SELECT hypopg_reset()")
            if installed is None:
                conn.exec_driver_sql("DROP EXTENSION hypopg")
            conn.commit()


def hypothetical_plan(
    engine: Engine,
    statement: Statement,
    finding: PlanFinding,
    *,
    create_extension: bool = False,
) -> Plan | None:
    """The plan of ``statement`` (the finding's) with the advised index as a hypothetical one
    (PostgreSQL with hypopg only; None elsewhere). Creates nothing in the database unless
    ``create_extension`` (a database the harness owns) and hypopg is not installed yet."""
    if not finding.columns:
        return None
    ddl = f"CREATE INDEX ON {finding.table} ({', '.join(finding.columns)})"
    return _with_hypothetical(engine, statement, ddl, create_extension=create_extension)


def _index(conn: Connection, finding: PlanFinding, name: str) -> sa.Index:
    table = sa.Table(finding.table, sa.MetaData(), autoload_with=conn)
    if any(index.name == name for index in table.indexes):
        raise QuerybenchError(
            f"{finding.table} already has index {name}: build the dataset without it"
            " (querybench run --schema phase3) to measure what it buys"
        )
    return sa.Index(name, *(table.c[column] for column in finding.columns))


def prove_index(
    engine: Engine,
    body: Body,
    finding: PlanFinding,
    *,
    policy: TimingPolicy | None = None,
) -> IndexProof:
    """Measure ``body`` (a cell's round: takes a Session) without and with the advised index.

    Raises ``OwnershipError`` in a database the harness did not build, ``QuerybenchError`` when
    the finding advises no index or the index is already there. The index is always dropped.
    """
    if not finding.columns:
        raise QuerybenchError(f"the {finding.kind} finding on {finding.table} advises no index")
    policy = policy or TimingPolicy()
    name = index_name(finding.table, finding.columns)
    with engine.connect() as conn:
        require_owned(conn, f"create index {name}")
        index = _index(conn, finding, name)
    statement = _statement(engine, body, finding.fingerprint)
    before_plan = _plan(engine, statement)
    columns = ", ".join(finding.columns)
    hypothetical = _hypothetical(engine, statement, f"CREATE INDEX ON {finding.table} ({columns})")
    before = measure(engine, body, policy)
    with engine.begin() as conn:
        index.create(conn)
    try:
        after_plan = _plan(engine, statement)
        after = measure(engine, body, policy)
    finally:
        with engine.begin() as conn:
            index.drop(conn)
    return IndexProof(
        backend=engine.dialect.name,
        table=finding.table,
        columns=finding.columns,
        index=name,
        before=before_plan,
        after=after_plan,
        before_seconds=before.median,
        after_seconds=after.median,
        hypothetical=hypothetical,
    )
