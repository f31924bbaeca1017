"""The ``query_counter`` fixture, run through pytester in a subprocess."""

from __future__ import annotations

import pytest


def test_query_counter_counts_the_test_function_on_every_engine(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_counts="""
        from helpers import load_eager, load_naive

        def test_naive(engine, query_counter):
            load_naive(engine)
            assert query_counter.count == 6  # the fixture's seeding is not counted
            assert query_counter.statements[0].sql.startswith("SELECT authors.id")
            (finding,) = query_counter.n_plus_one()
            assert finding.kind == "lazy_load" and finding.target == "Author.books"

        def test_eager(engine, query_counter):
            load_eager(engine)
            assert query_counter.count == 2
            assert query_counter.n_plus_one() == ()
        """
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2)


def test_query_counter_called_with_a_bind_records_only_that_bind(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_bind="""
        import sqlalchemy as sa
        from helpers import load_naive

        def test_one_engine(engine, query_counter):
            other = sa.create_engine("sqlite://")
            with query_counter(engine) as queries:
                load_naive(engine)
                with other.connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
            load_naive(engine)  # after the block: not in `queries`
            assert queries.count == 6
            assert query_counter.count == 13
            other.dispose()

        def test_without_with_records_until_the_end(engine, query_counter):
            queries = query_counter(engine)
            load_naive(engine)
            assert queries.count == 6
        """
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=2)
