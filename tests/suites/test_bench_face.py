"""A user's pytest-benchmark run of a suite's scenarios reads into ``querybench report``."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot  # noqa: F401 - see below
import pytest

from querybench.cli import main
from querybench.report.sources import load_results

SUITE = Path(__file__).with_name("school_suite.py")
# pytester forgets, when its test ends, every module imported during the test; numpy cannot be
# imported a second time in one process, so the report's libraries are imported here, first.


def test_pytest_benchmark_run_of_a_user_suite_reads_into_report(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUERYBENCH_CACHE_DIR", str(tmp_path / "cache"))
    # Under xdist, pytest-benchmark would take the subprocess for a worker and write no JSON.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makepyfile(
        test_school=f"""
        import pytest
        import sqlalchemy as sa

        from querybench import load_suites
        from querybench.suites.bench import bench_cells, build_suite, run_benchmark

        (SUITE,) = load_suites([{str(SUITE)!r}])


        @pytest.fixture(scope="module")
        def engine():
            engine = sa.create_engine(build_suite(SUITE, sizes=[1, 10]).url)
            yield engine
            engine.dispose()


        @pytest.mark.parametrize("cell", bench_cells(SUITE, [1, 10]), ids=str)
        def test_school(benchmark, engine, cell):
            run_benchmark(benchmark, engine, cell, rounds=2)
        """
    )
    output = tmp_path / "bench.json"
    done = pytester.runpytest_subprocess("-p", "no:randomly", f"--benchmark-json={output}")
    done.assert_outcomes(passed=10)
    results = load_results(output)
    counts = {(c.scenario, c.variant, c.size): c.queries for c in results.cells}
    assert counts == {
        ("CourseRepository.courses_with_teacher", "naive", 1): 2,
        ("CourseRepository.courses_with_teacher", "naive", 10): 11,
        ("CourseRepository.courses_with_teacher", "eager", 1): 1,
        ("CourseRepository.courses_with_teacher", "eager", 10): 1,
        ("StudentRepository.students_with_courses", "lazy", 1): 2,
        ("StudentRepository.students_with_courses", "lazy", 10): 11,
        ("StudentRepository.students_with_courses", "selectin", 1): 2,
        ("StudentRepository.students_with_courses", "selectin", 10): 2,
        ("CourseRepository.roster", "as_is", 1): 2,
        ("CourseRepository.roster", "as_is", 10): 2,
    }
    assert {cell.suite for cell in results.cells} == {"school"}
    html = tmp_path / "bench.html"
    assert main(["report", str(output), "-o", str(html)]) == 0
    assert "CourseRepository.roster" in html.read_text(encoding="utf-8")
