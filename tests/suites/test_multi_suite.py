"""Several suites in one run: each on its own dataset, -k across them, one results file."""

from __future__ import annotations

from pathlib import Path

import pytest

from querybench.cli import main
from querybench.runner.results import read_results
from querybench.scenarios.builtin import payments_suite

SCHOOL = str(Path(__file__).with_name("school_suite.py"))
QUICK = ("--rounds", "1", "--min-time", "0")


def test_two_suites_run_into_one_results_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUERYBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "factory.py").write_text(
        "from querybench.scenarios.builtin import payments_suite\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    argv = ["run", "factory:payments_suite", SCHOOL, "-k", "QueryHelper.count|roster",
            "--sizes", "1,10", *QUICK, "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    results = read_results(out / "results.json")
    assert results.environment.suites == ("payments", "school")
    assert results.environment.dataset == "small, school"
    cells = {(c.suite, c.scenario, c.variant, c.size): c.queries for c in results.cells}
    assert cells == {
        ("payments", "QueryHelper.count", "naive", 1): 1,
        ("payments", "QueryHelper.count", "naive", 10): 1,
        ("payments", "QueryHelper.count", "eager", 1): 1,
        ("payments", "QueryHelper.count", "eager", 10): 1,
        ("school", "CourseRepository.roster", "as_is", 1): 2,
        ("school", "CourseRepository.roster", "as_is", 10): 2,
    }


def test_a_pattern_matching_no_suite_fails_before_any_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", SCHOOL, "-k", "CourseRepository.rostr", "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "querybench: error: unknown scenario 'CourseRepository.rostr'; "
        "did you mean CourseRepository.roster, CourseRepository.courses_with_teacher, "
        "StudentRepository.students_with_courses?\n"
    )
    assert not (tmp_path / "out" / "results.json").exists()


def test_one_scenario_name_in_two_suites_is_refused() -> None:
    from querybench.errors import ScenarioError
    from querybench.runner.job import as_suites

    one, two = payments_suite(), payments_suite()
    two.name = "payments-again"
    with pytest.raises(ScenarioError, match="is in suites 'payments' and 'payments-again'"):
        as_suites([one, two])
