"""``--querybench-nplusone`` and ``querybench_nplusone``: off by default, warn or fail on demand."""

from __future__ import annotations

import pytest
from emitted_sql import as_emitted
from peer_plugins import ASYNCIO_INI

PLAIN = """
import pytest
from helpers import load_eager, load_naive

def test_naive(engine):
    load_naive(engine)

def test_eager(engine):
    load_eager(engine)
"""
N_PLUS_ONE = (
    PLAIN
    + """
@pytest.mark.querybench_allow_nplusone(reason="the admin page lists five authors at most")
def test_allowed(engine):
    load_naive(engine)
"""
)

FAILURE = [
    "test_n1.py::test_naive: 1 N+1 pattern (--querybench-nplusone=fail):",
    as_emitted(
        "  - lazy load of Author.books for 5 parents (5 statements) at helpers.py:40: SELECT "
        "books.id, books.title, books.author_id FROM books WHERE ? = books.author_id ORDER BY "
        "books.id; fix: .options(selectinload(Author.books)) on the query at helpers.py:39"
    ),
    "Fix them, or allow them with "
    '@pytest.mark.querybench_allow_nplusone("Author.books", reason="...").',
    "proof: 1 finding fixed: 6 -> 2 statements, * ms -> * ms with selectinload(Author.books)",
]


def test_off_by_default_attaches_no_listener_and_changes_no_outcome(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_n1=PLAIN
        + """
def test_nothing_listens_and_nothing_was_imported(engine):
    import sys
    from sqlalchemy.orm import Session
    from querybench.recorder.taps import active_taps

    load_naive(engine)
    assert active_taps() == 0
    assert not engine.dispatch.before_cursor_execute
    assert not engine.dispatch.after_cursor_execute
    with Session(engine) as session:
        assert not session.dispatch.do_orm_execute
    assert "querybench.plugin_recording" not in sys.modules
"""
    )
    with_plugin = project.runpytest_subprocess()
    with_plugin.assert_outcomes(passed=3)
    without_plugin = project.runpytest_subprocess("-p", "no:querybench")
    without_plugin.assert_outcomes(passed=3)


def test_fail_mode_fails_each_test_with_an_n_plus_one_unless_allowed(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_n1=N_PLUS_ONE)
    result = project.runpytest_subprocess("--querybench-nplusone=fail")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(FAILURE)
    assert result.ret == 1


def test_warn_mode_warns_and_passes(project: pytest.Pytester) -> None:
    project.makepyfile(test_n1=N_PLUS_ONE)
    result = project.runpytest_subprocess(
        "--querybench-nplusone=warn", "-W", "default::querybench.plugin_recording.NPlusOneWarning"
    )
    result.assert_outcomes(passed=3, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "test_n1.py::test_naive",
            "  *test_n1.py:4: NPlusOneWarning: test_n1.py::test_naive: 1 N+1 pattern "
            "(--querybench-nplusone=warn):",
        ]
    )


def test_ini_setting_turns_it_on_and_the_option_overrides_it(project: pytest.Pytester) -> None:
    project.makepyfile(test_n1=N_PLUS_ONE)
    project.makeini(
        f"""
        [pytest]
        filterwarnings = error
        {ASYNCIO_INI}
        querybench_nplusone = fail
        """
    )
    from_ini = project.runpytest_subprocess()
    from_ini.assert_outcomes(passed=2, failed=1)
    from_ini.stdout.fnmatch_lines(FAILURE)
    overridden = project.runpytest_subprocess("--querybench-nplusone=off")
    overridden.assert_outcomes(passed=3)


def test_a_bad_mode_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makepyfile(test_n1=N_PLUS_ONE)
    project.makeini(
        """
        [pytest]
        querybench_nplusone = loud
        """
    )
    from_ini = project.runpytest_subprocess()
    from_ini.stderr.fnmatch_lines(
        ["ERROR: querybench_nplusone = 'loud' in the ini file: expected one of off, warn, fail"]
    )
    assert from_ini.ret == pytest.ExitCode.USAGE_ERROR
    from_option = project.runpytest_subprocess("--querybench-nplusone=loud")
    from_option.stderr.fnmatch_lines(
        ["*--querybench-nplusone: invalid choice: 'loud' (choose from *off*warn*fail*)"]
    )
    assert from_option.ret == pytest.ExitCode.USAGE_ERROR


def test_options_are_in_the_help(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(
        [
            "querybench: SQL statement budgets and N+1 detection:",
            "  --querybench-nplusone={off,warn,fail}",
            "  --querybench-prove={on,off}",
            "*querybench_nplusone (string):*",
            "*querybench_prove (string):*",
        ],
        consecutive=False,
    )


def test_findings_allowed_in_code_pass_and_are_summarised_with_their_reason(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_n1="""
import querybench
from helpers import load_naive

def test_allowed_in_code(engine):
    with querybench.allow("Author.books", reason="five authors at most"):
        load_naive(engine)

def test_other_relationship_allowed(engine):
    with querybench.allow("Book.author", reason="not this one"):
        load_naive(engine)
"""
    )
    result = project.runpytest_subprocess("--querybench-nplusone=fail")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["test_n1.py::test_other_relationship_allowed: 1 N+1 pattern (--querybench-nplusone=fail):"]
    )
    result.stdout.fnmatch_lines(
        [
            "*= querybench: allowed N+1 findings =*",
            "test_n1.py::test_allowed_in_code: lazy load of Author.books for 5 parents "
            "(5 statements) at helpers.py:40: * (allowed: five authors at most)",
        ],
        consecutive=True,
    )
    assert "not this one" not in result.stdout.str()
