"""The short marker names are aliases querybench honours only while nothing else registers them.

A conftest stands in for a peer plugin here (the real pytest-querycount and pytest-queryguard
are in tests/packaging/test_coexistence.py): registering ``max_queries`` in ``pytest_configure``
is all such a plugin does to claim the name, whether it loads before querybench or after it.
"""

from __future__ import annotations

import textwrap

import pytest

ALIASED = """
import pytest
from helpers import load_naive

@pytest.mark.max_queries(2)
def test_short_budget(engine):
    load_naive(engine)

@pytest.mark.querybench_max_queries(2)
def test_prefixed_budget(engine):
    load_naive(engine)

@pytest.mark.allow_nplusone(reason="short name")
def test_short_allow(engine):
    load_naive(engine)
"""

BUDGET_FAILURE = (
    "test_aliased.py::test_{name}_budget: expected at most 2 statements, got 6. Remove the "
    "extra statements (fixes below), or accept them with @pytest.mark.querybench_max_queries(6)."
)

# A peer that claims both short names, the way pytest-queryguard does.
PEER = """
def pytest_configure(config):
    config.addinivalue_line("markers", "max_queries(limit): a peer's budget")
    config.addinivalue_line("markers", "allow_nplusone(*labels): a peer's allowance")
"""


def test_unclaimed_aliases_are_querybench_markers(project: pytest.Pytester) -> None:
    project.makepyfile(test_aliased=ALIASED)
    result = project.runpytest_subprocess("--querybench-nplusone=fail", "--querybench-prove=off")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([BUDGET_FAILURE.format(name="short")])
    result.stdout.fnmatch_lines([BUDGET_FAILURE.format(name="prefixed")])
    result.stdout.fnmatch_lines(["test_aliased.py::test_short_allow: *(allowed: short name)"])


@pytest.mark.parametrize("where", ["top conftest", "conftest loaded later", "ini file"])
def test_a_claimed_alias_is_left_to_its_owner(project: pytest.Pytester, where: str) -> None:
    project.makepyfile(test_aliased=ALIASED)
    if where == "top conftest":  # registered before the first test, after querybench's configure
        conftest = project.path / "conftest.py"
        conftest.write_text(conftest.read_text() + textwrap.dedent(PEER))
    elif where == "conftest loaded later":  # a conftest beside the tests: during collection
        tests = project.mkpydir("suite")
        (tests / "conftest.py").write_text(textwrap.dedent(PEER))
        (project.path / "test_aliased.py").rename(tests / "test_aliased.py")
    else:
        project.makeini(
            (project.path / "tox.ini").read_text()
            + "\nmarkers =\n    max_queries(n): mine\n    allow_nplusone: mine\n"
        )
    result = project.runpytest_subprocess("--querybench-nplusone=fail", "--querybench-prove=off")
    # Only the prefixed marker is querybench's now: the short budget is not judged, and the short
    # allowance allows nothing, so its N+1 fails the test under --querybench-nplusone=fail.
    result.assert_outcomes(passed=0, failed=3)
    result.stdout.no_fnmatch_line("*test_short_budget: expected at most*")
    result.stdout.fnmatch_lines(["*test_short_budget: 1 N+1 pattern (--querybench-nplusone=fail):"])
    result.stdout.fnmatch_lines(["*test_prefixed_budget: expected at most 2 statements, got 6.*"])
    result.stdout.fnmatch_lines(["*test_short_allow: 1 N+1 pattern (--querybench-nplusone=fail):"])
    result.stdout.fnmatch_lines(
        ['*allow them with @pytest.mark.querybench_allow_nplusone("Author.books", reason="...").']
    )
