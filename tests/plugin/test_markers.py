"""``@pytest.mark.querybench_max_queries(n)`` and the validation of the plugin's markers."""

from __future__ import annotations

import pytest
from emitted_sql import as_emitted

BUDGETS = """
import pytest
from helpers import load_eager, load_naive

@pytest.mark.querybench_max_queries(2)
def test_eager_within_budget(engine):
    load_eager(engine)

@pytest.mark.querybench_max_queries(2)
def test_naive_over_budget(engine):
    load_naive(engine)

@pytest.mark.querybench_max_queries(0)
def test_own_error_comes_first(engine):
    load_naive(engine)
    assert False, "the test's own failure"

@pytest.mark.querybench_max_queries(1)
class TestClassBudget:
    def test_method(self, engine):
        load_eager(engine)
"""


def test_max_queries_fails_only_the_test_over_budget_and_lists_its_statements(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_budgets=BUDGETS)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "test_budgets.py::test_naive_over_budget: expected at most 2 statements, "
            "got 6. Remove the extra statements (fixes below), or accept them with "
            "@pytest.mark.querybench_max_queries(6).",
            "Statements:",
            "   1. SELECT authors.id, authors.name FROM authors ORDER BY authors.id  -- query for "
            "Author at helpers.py:39",
            as_emitted(
                "   2. SELECT books.id, books.title, books.author_id FROM books WHERE ? = "
                "books.author_id ORDER BY books.id  (1,)  -- lazy load of Author.books for "
                "Author(1) at helpers.py:40"
            ),
            "*   6. SELECT books.id*(5,)*",
            "N+1 findings:",
            "  - lazy load of Author.books for 5 parents (5 statements) at helpers.py:*; fix: *"
            "selectinload(Author.books)*",
        ]
    )
    # A test that fails on its own is reported with its own error, not the budget.
    result.stdout.fnmatch_lines(["*AssertionError: the test's own failure*"])
    # A class-level marker applies to its methods: 2 statements against a budget of 1.
    result.stdout.fnmatch_lines(
        ["test_budgets.py::TestClassBudget::test_method: expected at most 1 statement, got 2.*"]
    )
    result.stdout.no_fnmatch_line("*test_eager_within_budget: expected*")
    assert result.ret == 1


BAD_MAX_QUERIES = ["()", "('3')", "(-1)", "(True)", "(1, 2)", "(limit=3)"]


def test_max_queries_with_a_bad_argument_is_an_error_naming_it(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_bad="import pytest\n"
        + "".join(
            f"@pytest.mark.querybench_max_queries{arguments}\ndef test_{number}():\n    pass\n"
            for number, arguments in enumerate(BAD_MAX_QUERIES)
        )
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(errors=len(BAD_MAX_QUERIES))
    result.stdout.fnmatch_lines(
        [
            f"test_bad.py::test_{number}: @pytest.mark.querybench_max_queries takes one whole "
            "number of 0 or more (the most statements the test may emit), got "
            f"querybench_max_queries{arguments}"
            for number, arguments in enumerate(BAD_MAX_QUERIES)
        ]
    )


def test_max_queries_accepts_n_as_a_keyword(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_keyword="""
        import pytest
        from helpers import load_naive

        @pytest.mark.querybench_max_queries(n=5)
        def test_marked(engine):
            load_naive(engine)
        """
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["test_keyword.py::test_marked: expected at most 5 statements, got 6.*"]
    )


BAD_ALLOW_NPLUSONE = ["(3)", "('')", "('Author.books', reason=3)", "(reason=' ')", "(because='x')"]


def test_allow_nplusone_with_a_bad_argument_is_an_error_naming_it(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_bad="import pytest\n"
        + "".join(
            f"@pytest.mark.querybench_allow_nplusone{arguments}\ndef test_{number}():\n    pass\n"
            for number, arguments in enumerate(BAD_ALLOW_NPLUSONE)
        )
    )
    result = project.runpytest_subprocess()
    result.assert_outcomes(errors=len(BAD_ALLOW_NPLUSONE))
    result.stdout.fnmatch_lines(
        [
            f"test_bad.py::test_{number}: @pytest.mark.querybench_allow_nplusone takes patterns "
            'of the findings to allow (non-empty strings: "Payment.user", "app/views.py:42", '
            f'a glob or a finding id) and reason="...", got querybench_allow_nplusone{arguments}'
            for number, arguments in enumerate(BAD_ALLOW_NPLUSONE)
        ]
    )


def test_markers_are_registered_for_strict_markers(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.querybench_max_queries(n): fail the test when its function emits more "
            "than n SQL statements (querybench)",
            "@pytest.mark.querybench_allow_nplusone(*patterns, reason=None): allow the test's N+1 "
            "findings that a pattern matches (a relationship, call site, glob or finding id; none: "
            "all of them), listed with the reason (querybench)",
            "@pytest.mark.max_queries: querybench's alias of querybench_max_queries, used by "
            "querybench only while no other plugin registers max_queries (then write "
            "@pytest.mark.querybench_max_queries)",
            "@pytest.mark.allow_nplusone: querybench's alias of querybench_allow_nplusone, used by "
            "querybench only while no other plugin registers allow_nplusone (then write "
            "@pytest.mark.querybench_allow_nplusone)",
        ]
    )
    assert result.ret == 0
