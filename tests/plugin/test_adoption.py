"""Adoption on day one: the N+1 baseline, the budget ratchet, and warn mode that filters miss."""

from __future__ import annotations

import json
import textwrap

import pytest

KNOWN = """
from helpers import load_eager, load_naive

def test_naive(engine):
    load_naive(engine)

def test_naive_too(engine):
    load_naive(engine)

def test_eager(engine):
    load_eager(engine)
"""
KEY = "lazy_load:Author.books@helpers.py::load_naive"
BASELINE = f"""{
    textwrap.dedent('''
    # querybench N+1 baseline: the known findings of each test, as kind:subject@file::function
    # (no line numbers, which move with every edit). Only findings not listed here fail a
    # test; fixed ones are reported at the end of the run. Rewrite: --querybench-baseline-write
''').lstrip()
}"test_known.py::test_naive" = [
    "{KEY}",
]
"test_known.py::test_naive_too" = [
    "{KEY}",
]
"""
WITH_BASELINE = ("--querybench-baseline=qb-baseline.toml", "-p", "no:randomly")


def test_baseline_passes_known_findings_fails_new_ones_and_reports_fixed_ones(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_known=KNOWN)
    written = project.runpytest_subprocess(*WITH_BASELINE, "--querybench-baseline-write")
    written.assert_outcomes(passed=3)
    written.stdout.fnmatch_lines(["wrote 2 known findings of 2 tests to *qb-baseline.toml"])
    assert (project.path / "qb-baseline.toml").read_text() == BASELINE

    known = project.runpytest_subprocess(*WITH_BASELINE)
    known.assert_outcomes(passed=3)
    known.stdout.fnmatch_lines(["2 known findings in *qb-baseline.toml did not fail"])

    # a new N+1 in a new test fails, named; the known ones still pass
    project.makepyfile(test_known=KNOWN + "\ndef test_new(engine):\n    load_naive(engine)\n")
    new = project.runpytest_subprocess(*WITH_BASELINE, "--querybench-prove=off")
    new.assert_outcomes(passed=3, failed=1)
    new.stdout.fnmatch_lines(
        [
            "test_known.py::test_new: 1 N+1 pattern (--querybench-nplusone=fail):",
            "  - lazy load of Author.books for 5 parents (5 statements) at helpers.py:40: *",
            "*= querybench: N+1 baseline =*",
            "2 known findings in *qb-baseline.toml did not fail; 1 not in it",
            f"new: test_known.py::test_new: {KEY}",
            "FAILED test_known.py::test_new - *",
        ]
    )
    assert new.ret == 1

    # fixed: test_naive_too loads eagerly now; the summary says so, and a rewrite drops it
    project.makepyfile(
        test_known=KNOWN.replace(
            "load_naive(engine)\n\ndef test_eager", "load_eager(engine)\n\ndef test_eager"
        )
    )
    fixed = project.runpytest_subprocess(*WITH_BASELINE)
    fixed.assert_outcomes(passed=3)
    fixed.stdout.fnmatch_lines(
        [
            "1 known findings in *qb-baseline.toml did not fail; 1 no longer occur: delete them "
            "from the file, or rewrite it with --querybench-baseline-write",
            f"fixed: test_known.py::test_naive_too: {KEY}",
        ]
    )
    shrunk = project.runpytest_subprocess(*WITH_BASELINE, "--querybench-baseline-write", "-n", "2")
    shrunk.assert_outcomes(passed=3)
    assert "test_naive_too" not in (project.path / "qb-baseline.toml").read_text()
    assert (
        f'"test_known.py::test_naive" = [\n    "{KEY}",\n]'
        in (project.path / "qb-baseline.toml").read_text()
    )


def test_baseline_under_xdist_writes_what_one_process_writes(project: pytest.Pytester) -> None:
    project.makepyfile(test_known=KNOWN)
    result = project.runpytest_subprocess(*WITH_BASELINE, "--querybench-baseline-write", "-n", "2")
    result.assert_outcomes(passed=3)
    assert (project.path / "qb-baseline.toml").read_text() == BASELINE


def test_a_missing_or_broken_baseline_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makepyfile(test_known=KNOWN)
    missing = project.runpytest_subprocess(*WITH_BASELINE)
    missing.stderr.fnmatch_lines(
        ["ERROR: querybench: N+1 baseline *qb-baseline.toml does not exist"]
    )
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    (project.path / "qb-baseline.toml").write_text('"test_known.py::test_naive" = 3\n')
    broken = project.runpytest_subprocess(*WITH_BASELINE)
    broken.stderr.fnmatch_lines(
        ["ERROR: querybench: N+1 baseline *: 'test_known.py::test_naive' must be a list*"]
    )


RATCHET = """
import pytest
from helpers import load_eager, load_naive

def test_naive(engine):
    load_naive(engine)

def test_eager(engine):
    load_eager(engine)

@pytest.mark.querybench_max_queries(9)
def test_marked(engine):
    load_naive(engine)
"""
BUDGETS = (
    "# querybench statement budgets: the most SQL statements each test's function may emit.\n"
    "# Added by --querybench-budgets-write=new; =lower also lowers the budgets a test now beats.\n"
)
WITH_BUDGETS = ("--querybench-budgets=qb-budgets.toml", "-p", "no:randomly")


def test_ratchet_writes_exact_budgets_then_fails_a_test_over_its_budget(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_ratchet=RATCHET)
    written = project.runpytest_subprocess(*WITH_BUDGETS, "--querybench-budgets-write=new")
    written.assert_outcomes(passed=3)
    written.stdout.fnmatch_lines(
        [
            "2 budgets added, 0 lowered in *qb-budgets.toml",
            "added: test_ratchet.py::test_eager = 2",
            "added: test_ratchet.py::test_naive = 6",
        ]
    )
    assert (project.path / "qb-budgets.toml").read_text() == BUDGETS + (
        '"test_ratchet.py::test_eager" = 2\n"test_ratchet.py::test_naive" = 6\n'
    )

    project.makepyfile(
        test_ratchet=RATCHET.replace("    load_eager(engine)", "    load_naive(engine)")
    )
    over = project.runpytest_subprocess(*WITH_BUDGETS, "--querybench-prove=off")
    over.assert_outcomes(passed=2, failed=1)
    over.stdout.fnmatch_lines(
        [
            "test_ratchet.py::test_eager: expected at most 2 statements, got 6. Remove the extra "
            'statements (fixes below), or accept them with "test_ratchet.py::test_eager" = 6 in '
            "*qb-budgets.toml (the budget set there).",
        ]
    )
    # the write mode never raises a budget: the test still fails and the file keeps its 2
    again = project.runpytest_subprocess(*WITH_BUDGETS, "--querybench-budgets-write=lower")
    again.assert_outcomes(passed=2, failed=1)
    assert '"test_ratchet.py::test_eager" = 2\n' in (project.path / "qb-budgets.toml").read_text()


def test_ratchet_lowers_a_beaten_budget_only_when_asked(project: pytest.Pytester) -> None:
    project.makepyfile(test_ratchet=RATCHET)
    (project.path / "qb-budgets.toml").write_text(
        BUDGETS + '"test_ratchet.py::test_eager" = 4\n"test_ratchet.py::test_naive" = 6\n'
    )
    told = project.runpytest_subprocess(*WITH_BUDGETS)
    told.assert_outcomes(passed=3)
    told.stdout.fnmatch_lines(
        [
            "1 tests emit fewer statements than their budget in *qb-budgets.toml: "
            "--querybench-budgets-write=lower lowers them",
            "beaten: test_ratchet.py::test_eager: 2 statements, budget 4",
        ]
    )
    assert '"test_ratchet.py::test_eager" = 4\n' in (project.path / "qb-budgets.toml").read_text()
    lowered = project.runpytest_subprocess(
        *WITH_BUDGETS, "--querybench-budgets-write=lower", "-n", "2"
    )
    lowered.assert_outcomes(passed=3)
    assert (project.path / "qb-budgets.toml").read_text() == BUDGETS + (
        '"test_ratchet.py::test_eager" = 2\n"test_ratchet.py::test_naive" = 6\n'
    )


WARNED = """
import warnings
from helpers import load_naive

def test_naive(engine):
    load_naive(engine)

def test_library_noise():
    warnings.warn("a library's own warning", UserWarning)
"""


def test_warn_mode_survives_ignore_user_warning(project: pytest.Pytester) -> None:
    project.makepyfile(test_warned=WARNED)
    project.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    result = project.runpytest_subprocess("--querybench-nplusone=warn", "-W", "ignore::UserWarning")
    # the library's UserWarning is filtered out; the N+1 warning is not
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*test_warned.py:4: NPlusOneWarning: test_warned.py::test_naive: 1 N+1 pattern *",
            "*= querybench: N+1 findings (--querybench-nplusone=warn) =*",
            "test_warned.py::test_naive: lazy load of Author.books for 5 parents (5 statements) "
            "at helpers.py:40: *; fix: .options(selectinload(Author.books)) on the query at "
            "helpers.py:39",
        ]
    )


def test_sarif_lists_the_findings_not_in_the_baseline(project: pytest.Pytester) -> None:
    project.makepyfile(test_known=KNOWN + "\ndef test_new(engine):\n    load_naive(engine)\n")
    (project.path / "qb-baseline.toml").write_text(BASELINE)
    result = project.runpytest_subprocess(
        *WITH_BASELINE,
        "--querybench-nplusone=warn",
        "--querybench-sarif=out/qb.sarif",
        "-W",
        "default::querybench.plugin_recording.NPlusOneWarning",
    )
    result.assert_outcomes(passed=4, warnings=1)
    result.stdout.fnmatch_lines(["wrote 1 findings to *out/qb.sarif"])
    log = json.loads((project.path / "out" / "qb.sarif").read_text())
    assert log["version"] == "2.1.0"
    (found,) = log["runs"][0]["results"]
    assert found["ruleId"] == "lazy_load"
    assert found["partialFingerprints"] == {"querybench/v1": f"test_known.py::test_new {KEY}"}
    assert found["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "helpers.py"},
                "region": {"startLine": 40},
            }
        }
    ]
    assert found["message"]["text"].startswith(
        "test_known.py::test_new: lazy load of Author.books for 5 parents (5 statements)"
    )
