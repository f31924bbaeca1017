"""``--querybench-plans=on``: a test failing on querybench's account ends with its plans line."""

from __future__ import annotations

import pytest
from peer_plugins import ASYNCIO_INI

# posts.writer_id has no index and posts has 2,000 rows: each lazy load of Writer.posts reads
# posts whole, which the plans line names with the Index to add. The database is the test's
# own (not one querybench built), so nothing may be created in it.
PLANS_TESTS = """
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Writer(Base):
    __tablename__ = "writers"
    id: Mapped[int] = mapped_column(primary_key=True)
    posts: Mapped[list["Post"]] = relationship(order_by="Post.id")


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    writer_id: Mapped[int] = mapped_column(sa.ForeignKey("writers.id"))


@pytest.fixture
def db(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'user.sqlite'}")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(Writer), [{"id": i} for i in range(1, 11)])
        conn.execute(sa.insert(Post), [{"id": i, "writer_id": i % 10 + 1} for i in range(2000)])
    yield engine
    assert sa.inspect(engine).get_indexes("posts") == []  # nothing created behind our back
    engine.dispose()


def test_posts_per_writer(db):
    with Session(db) as session:
        writers = session.scalars(sa.select(Writer).order_by(Writer.id)).all()
        assert sum(len(writer.posts) for writer in writers) == 2000
"""


@pytest.fixture(autouse=True)
def _ini(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nfilterwarnings = error\n{ASYNCIO_INI}\n")


def test_the_failure_ends_with_the_plan_finding_and_its_advice(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_user=PLANS_TESTS)
    result = pytester.runpytest("-p", "no:randomly", "--querybench-nplusone=fail",
                                "--querybench-plans=on")  # fmt: skip
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "proof: 1 finding fixed: 11 -> 2 statements" in text
    assert (
        "plans: 1 plan finding: unindexed_foreign_key on posts:"
        ' Index("ix_posts_writer_id", "writer_id")' in text
    )
    assert "is not a database querybench built: nothing was created" in text


def test_plans_are_off_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=PLANS_TESTS)
    result = pytester.runpytest("-p", "no:randomly", "--querybench-nplusone=fail")
    result.assert_outcomes(failed=1)
    assert "plans:" not in result.stdout.str()


def test_a_bad_ini_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\n{ASYNCIO_INI}\nquerybench_plans = sometimes\n")
    pytester.makepyfile(test_user="def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*querybench_plans = 'sometimes' in the ini file*"])
