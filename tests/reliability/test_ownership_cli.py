"""Never harm a database querybench does not own: the command line refuses and changes nothing.

tests/datasets proves ``build_dataset`` refuses; these prove the same end to end, through
``querybench run --db`` and ``querybench datasets NAME --db``, on every backend, by reading the
foreign rows and the table list back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from reliability_checks import QUICK, Querybench, assert_one_error_line
from sqlalchemy.engine import URL, Engine, make_url

from querybench.cli import main

BACKENDS = ["sqlite", "postgres", "mysql"]

foreign = sa.MetaData()
users = sa.Table(
    "users",
    foreign,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(100)),
)
payments = sa.Table(
    "payments",
    foreign,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("amount_cents", sa.Integer),
)
orders = sa.Table(
    "orders",
    foreign,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("total", sa.Integer),
)
THEIR_USERS = [{"id": 1, "email": "ceo@example.com"}, {"id": 2, "email": "cfo@example.com"}]
THEIR_PAYMENTS = [{"id": 10, "amount_cents": 125_000}, {"id": 11, "amount_cents": 9_900}]
THEIR_ORDERS = [{"id": 7, "total": 700}, {"id": 8, "total": 800}]


@pytest.fixture(params=BACKENDS)
def their_database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    scratch_database: Callable[[str], URL],
    make_engine: Callable[[URL | str], Engine],
) -> tuple[URL, Engine]:
    """An empty database of this test's own on each backend, and an engine on it."""
    if request.param == "sqlite":
        url = make_url(f"sqlite:///{tmp_path / 'theirs.sqlite'}")
    else:
        url = scratch_database(request.param)
    return url, make_engine(url)


def fill(engine: Engine, table: sa.Table, rows: list[dict[str, object]]) -> None:
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)


def rows_of(engine: Engine, table: sa.Table) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(table.select().order_by(table.c.id)).mappings()]


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def refusal(url: URL, tables: str) -> str:
    return (
        f"querybench: error: {url.render_as_string(hide_password=True)}: refusing to build:"
        f" table(s) {tables} exist but were not created by querybench (no querybench_meta"
        " mark); nothing was changed. Build into an empty database or schema, or drop those"
        " tables yourself"
    )


def command_line(url: URL, out: Path) -> dict[str, list[str]]:
    text = url.render_as_string(hide_password=False)
    return {
        "run": ["run", "--db", text, *QUICK, "-k", "QueryHelper.count", "--out", str(out)],
        "datasets": ["datasets", "tiny", "--db", text],
    }


@pytest.mark.parametrize("command", ["run", "datasets"])
def test_foreign_users_and_payments_are_refused_and_left_alone(
    command: str,
    their_database: tuple[URL, Engine],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, engine = their_database
    fill(engine, users, THEIR_USERS)
    fill(engine, payments, THEIR_PAYMENTS)

    assert main(command_line(url, tmp_path / "out")[command]) == 2

    captured = capsys.readouterr()
    assert captured.err == refusal(url, "users, payments") + "\n"
    assert_one_error_line(captured.err)
    assert captured.out == ""
    assert table_names(engine) == {"users", "payments"}
    assert rows_of(engine, users) == THEIR_USERS
    assert rows_of(engine, payments) == THEIR_PAYMENTS
    assert not (tmp_path / "out" / "results.json").exists()


def test_a_foreign_users_table_alone_is_refused_in_a_subprocess(
    their_database: tuple[URL, Engine], tmp_path: Path, querybench: Querybench
) -> None:
    url, engine = their_database
    fill(engine, users, THEIR_USERS)

    done = querybench(*command_line(url, tmp_path / "out")["run"])

    assert done.returncode == 2
    assert done.stderr == refusal(url, "users") + "\n"
    assert table_names(engine) == {"users"}
    assert rows_of(engine, users) == THEIR_USERS


def test_a_run_beside_unrelated_tables_builds_and_leaves_them_alone(
    their_database: tuple[URL, Engine], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = their_database
    fill(engine, orders, THEIR_ORDERS)

    assert main(command_line(url, tmp_path / "out")["run"]) == 0
    assert main(command_line(url, tmp_path / "out")["run"]) == 0  # and a rebuild over our own

    capsys.readouterr()
    assert table_names(engine) == {
        "orders",
        "users",
        "payments",
        "pricing_plans",
        "querybench_meta",
    }
    assert rows_of(engine, orders) == THEIR_ORDERS
