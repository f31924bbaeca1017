"""``@pytest.mark.querybench_allow_nplusone(*patterns, reason=...)``; the allowed findings."""

from __future__ import annotations

import pytest
from emitted_sql import as_emitted

ALLOWED_TESTS = """
import pytest
import querybench
from helpers import load_naive

@pytest.mark.querybench_allow_nplusone("Author.books", reason="five authors at most")
def test_marker_with_a_target(engine):
    load_naive(engine)

@pytest.mark.querybench_allow_nplusone
def test_marker_without_a_pattern(engine):
    load_naive(engine)

@pytest.mark.querybench_allow_nplusone("Book.author", reason="not this one")
def test_marker_for_another_target(engine):
    load_naive(engine)

def test_allowed_in_the_body(engine):
    with querybench.allow("helpers.py:40", reason="allowed by call site"):
        load_naive(engine)

def test_clean(engine):
    pass
"""

FINDING = as_emitted(
    "lazy load of Author.books for 5 parents (5 statements) at helpers.py:40: SELECT books.id, "
    "books.title, books.author_id FROM books WHERE ? = books.author_id ORDER BY books.id; fix: "
    ".options(selectinload(Author.books)) on the query at helpers.py:39"
)
SUMMARY = [
    "*= querybench: allowed N+1 findings =*",
    f"test_allowed.py::test_allowed_in_the_body: {FINDING} (allowed: allowed by call site)",
    f"test_allowed.py::test_marker_with_a_target: {FINDING} (allowed: five authors at most)",
    f"test_allowed.py::test_marker_without_a_pattern: {FINDING} "
    "(allowed: allowed by @pytest.mark.querybench_allow_nplusone)",
]


def test_allowed_findings_pass_under_fail_and_are_summarised_with_their_reason(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_allowed=ALLOWED_TESTS)
    result = project.runpytest_subprocess("--querybench-nplusone=fail")
    result.assert_outcomes(passed=4, failed=1)
    # The marker for another target allows nothing, and the failure says so.
    result.stdout.fnmatch_lines(
        [
            "test_allowed.py::test_marker_for_another_target: 1 N+1 pattern "
            "(--querybench-nplusone=fail):",
            f"  - {FINDING}",
            "@pytest.mark.querybench_allow_nplusone('Book.author') matched none of these findings.",
            'Fix them, or allow them with @pytest.mark.querybench_allow_nplusone("Author.books", '
            'reason="...").',
        ]
    )
    result.stdout.fnmatch_lines(SUMMARY, consecutive=True)
    assert "not this one" not in result.stdout.str()  # it allowed nothing: nothing to list


def test_under_xdist_the_summary_gathers_every_worker(project: pytest.Pytester) -> None:
    project.makepyfile(test_allowed=ALLOWED_TESTS)
    result = project.runpytest_subprocess("-n", "2", "--querybench-nplusone=fail")
    result.stdout.fnmatch_lines(["created: 2/2 workers"])
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(SUMMARY, consecutive=True)


def test_warn_mode_lists_allowed_findings_and_warns_only_for_the_others(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_allowed=ALLOWED_TESTS)
    result = project.runpytest_subprocess(
        "--querybench-nplusone=warn", "-W", "default::querybench.plugin_recording.NPlusOneWarning"
    )
    result.assert_outcomes(passed=5, warnings=1)
    result.stdout.fnmatch_lines(
        ["*NPlusOneWarning: test_allowed.py::test_marker_for_another_target: 1 N+1 pattern*"]
    )
    result.stdout.fnmatch_lines(SUMMARY, consecutive=True)


def test_off_mode_lists_nothing(project: pytest.Pytester) -> None:
    project.makepyfile(test_allowed=ALLOWED_TESTS)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=5)
    result.stdout.no_fnmatch_line("*querybench: allowed N+1 findings*")
