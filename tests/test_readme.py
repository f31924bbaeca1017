"""The README's Python blocks run as written, and it opens with the two commands."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_opens_with_the_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["make bench", "make test"]


def test_python_blocks_run_in_order(tmp_path: Path) -> None:
    # One script, as a reader pasting the README top to bottom would run it (SQLAlchemy
    # resolves annotations through the defining module, so exec() into a bare namespace
    # would not do). Later blocks use the models of the first.
    assert len(BLOCKS) >= 2
    script = tmp_path / "readme_blocks.py"
    script.write_text("\n".join(BLOCKS), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "selectinload(Author.posts)" in done.stdout


# -- "Benchmark your own code": files written from the README, then its commands, as a user would


def file_blocks() -> dict[str, str]:
    """The README's blocks that name a file (```python path/to/file.py)."""
    text = README.read_text(encoding="utf-8")
    return dict(re.findall(r"```(?:python|toml) ([\w./-]+)\n(.*?)```", text, re.S))


def commands(tag: str) -> list[list[str]]:
    """The command lines of the ``sh`` block marked ``<!-- readme-test: tag -->``."""
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- readme-test: {tag} -->\n```sh\n(.*?)```", text, re.S)
    assert found is not None, tag
    return [shlex.split(line) for line in found.group(1).splitlines() if line.strip()]


@pytest.fixture
def library_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A new project holding only what the README tells a user to write."""
    project = tmp_path / "project"
    for name, text in file_blocks().items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "pyproject.toml":
            text = '[project]\nname = "library"\nversion = "0"\n\n' + text
        path.write_text(text, encoding="utf-8")
    monkeypatch.chdir(project)
    monkeypatch.setenv("QUERYBENCH_CACHE_DIR", str(tmp_path / "cache"))
    yield project
    for name, module in list(sys.modules.items()):  # the project's modules, imported in-process
        if str(getattr(module, "__file__", None) or "").startswith(str(project)):
            del sys.modules[name]
    for name in ("library", "benchmarks"):  # namespace packages have no __file__
        sys.modules.pop(name, None)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_library_suite_runs_reports_baselines_and_gates_as_written(
    library_project: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    from querybench.cli import main
    from querybench.runner.results import read_results

    extra: list[str] = []
    if backend == "postgres":
        url = request.getfixturevalue("scratch_database")("postgres")
        extra = ["--db", url.render_as_string(hide_password=False)]
    for argv in commands("library"):
        assert argv[0] == "querybench"
        args = argv[1:] + (extra if argv[1] == "run" else [])
        assert main(args) == 0, argv
    results = read_results(library_project / "reports/library/results.json")
    counts = {(c.scenario, c.variant, c.size): c.queries for c in results.cells}
    # The figures the README states.
    assert counts == {
        **{("BookRepository.books_with_tags", "naive", n): n + 1 for n in (1, 10, 100)},
        **{("BookRepository.books_with_tags", "eager", n): 2 for n in (1, 10, 100)},
        **{("TagRepository.tag_page", "as_is", n): 2 for n in (1, 10, 100)},
    }
    assert results.environment.suites == ("library",)
    assert (library_project / "reports/library/report.html").is_file()
    assert (library_project / "benchmarks/baseline.json").is_file()


def test_library_suite_under_pytest_benchmark_reads_into_report(
    library_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from querybench.cli import main

    # Under xdist, pytest-benchmark would take the subprocess for a worker and write no JSON.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    first, second = commands("library-pytest")
    assert first[:3] == ["python", "-m", "pytest"]
    (library_project / "reports").mkdir()  # made by the README's run, which comes first
    done = subprocess.run(
        [sys.executable, *first[1:], "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "9 passed" in done.stdout
    assert second[0] == "querybench"
    assert main(second[1:]) == 0
    assert "TagRepository.tag_page" in Path("reports/library-bench.html").read_text("utf-8")
