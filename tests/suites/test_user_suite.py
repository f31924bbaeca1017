"""A user's suite for a schema querybench does not know, through run, report, baseline and check.

The suite (tests/suites/school_suite.py) is written only with the public API and has a
single-variant scenario beside two paired ones; every statement count is asserted exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from querybench.cli import main
from querybench.runner.results import read_results

SUITE = str(Path(__file__).with_name("school_suite.py"))
QUICK = ("--rounds", "1", "--min-time", "0")


def n_plus_one(n: int) -> int:
    return n + 1


EXPECTED: dict[tuple[str, str], Callable[[int], int]] = {
    ("CourseRepository.courses_with_teacher", "naive"): n_plus_one,
    ("CourseRepository.courses_with_teacher", "eager"): lambda n: 1,
    # Student 1 alone may have no course at N=1: the lazy load is emitted all the same.
    ("StudentRepository.students_with_courses", "lazy"): n_plus_one,
    ("StudentRepository.students_with_courses", "selectin"): lambda n: 2,
    # The course, then its students: two statements whatever N.
    ("CourseRepository.roster", "as_is"): lambda n: 2,
}


@pytest.fixture(params=["sqlite", "postgres"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, scratch_database: Callable[[str], URL]
) -> str:
    """A database of the test's own on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'school.sqlite'}"
    return scratch_database("postgres").render_as_string(hide_password=False)


def test_user_suite_runs_reports_baselines_and_gates_with_exact_counts(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert main(["run", SUITE, "--db", database, *QUICK, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "CourseRepository.courses_with_teacher" in printed
    assert "Measured as is on" in printed  # the single-variant and unpaired scenarios

    results = read_results(out / "results.json")
    assert results.environment.suites == ("school",)
    assert {cell.suite for cell in results.cells} == {"school"}
    assert all(cell.status == "ok" for cell in results.cells), [c.error for c in results.cells]
    measured = {(c.scenario, c.variant, c.size): c.queries for c in results.cells}
    assert measured == {
        (scenario, variant, n): count(n)
        for (scenario, variant), count in EXPECTED.items()
        for n in (1, 10, 100)
    }

    html = tmp_path / "report.html"
    assert main(["report", str(out / "results.json"), "-o", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    assert "<dt>suites</dt><dd>school</dd>" in page
    for scenario, _ in EXPECTED:
        assert scenario in page

    base = tmp_path / "baseline.json"
    assert main(["baseline", str(out / "results.json"), "-o", str(base)]) == 0
    capsys.readouterr()
    assert main(["check", str(out / "results.json"), "--baseline", str(base)]) == 0

    # The single variant is gated on its count like any other: a baseline one lower fails.
    document = json.loads(base.read_text(encoding="utf-8"))
    for cell in document["cells"]:
        if (cell["scenario"], cell["size"]) == ("CourseRepository.roster", 10):
            cell["queries"] = 1
    base.write_text(json.dumps(document), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(out / "results.json"), "--baseline", str(base)]) == 1
    verdict = capsys.readouterr().out
    assert "CourseRepository.roster" in verdict
    assert "queries 1 -> 2 (+1)" in verdict


def test_growth_of_variants_without_a_naive_eager_pair_is_gated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A baseline in which the 'lazy' variant was constant, against a run where it is linear.
    out = tmp_path / "run"
    database = f"sqlite:///{tmp_path / 'school.sqlite'}"
    args = ["run", SUITE, "--db", database, *QUICK, "-k", "roster|students_with", "--out"]
    assert main([*args, str(out)]) == 0
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for cell in document["cells"]:
        if cell["variant"] == "lazy":
            cell["queries"] = 2  # the baseline: constant
    base = tmp_path / "baseline.json"
    base.write_text(json.dumps(document), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(out / "results.json"), "--baseline", str(base)]) == 1
    assert "growth constant -> linear" in capsys.readouterr().out
