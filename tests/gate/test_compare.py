"""``querybench compare REF`` through ``main([...])``, on a real git repository made in tmp_path.

Latency cannot decide these tests: six pairs give a signed-rank p of at least 1/64, above the
``--alpha`` they pass, so only the exact parts of the gate (counts, statements) can fail them.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from querybench.cli import main
from querybench.datasets import CACHE_ENV

SUITE = '''"""A user's suite: one variant per scenario, no naive control."""
from sqlalchemy import text

from querybench.scenarios.registry import Scenario, Variant

EXTRA = False


def users(session, n):
    rows = session.execute(text("SELECT id FROM users ORDER BY id LIMIT :n"), {"n": n}).all()
    if EXTRA:
        session.execute(text("SELECT count(*) FROM payments")).scalar()
    return [row[0] for row in rows]


def registry():
    only = Variant("only", users, "constant")
    return [Scenario("Demo.users", "the first N users", "users", lambda s, n: n, {"only": only})]
'''
FAST = ["suite.py:registry", "--sizes", "1", "--pairs", "6", "--round-time", "0.0005"]
NEVER_LATENCY = ["--alpha", "0.001"]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def commit_suite(repo: Path, extra: bool, message: str) -> None:
    (repo / "suite.py").write_text(SUITE.replace("EXTRA = False", f"EXTRA = {extra}"), "utf-8")
    git(repo, "add", "suite.py")
    git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with one commit of the suite; the current folder; a private cache."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    folder = tmp_path / "project"
    folder.mkdir()
    git(folder, "init", "-q")
    commit_suite(folder, extra=False, message="the suite")
    monkeypatch.chdir(folder)
    return folder


def worktrees(repo: Path) -> int:
    return git(repo, "worktree", "list", "--porcelain").count("worktree ")


def test_an_extra_statement_is_exit_1_naming_the_cell_and_the_statement(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_suite(repo, extra=True, message="one more statement")
    status = main(["compare", "HEAD~1", *FAST, *NEVER_LATENCY, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    counts, fetched = report["regressions"]
    assert counts["where"] == fetched["where"] == "Demo.users[only] @ N=1 on sqlite"
    assert counts["summary"] == "queries 1 -> 2 (+1): +1 x SELECT count (*) FROM payments"
    # The count fetched one more row (an integer) for the same result: exact, like counts.
    assert fetched["summary"] == (
        "rows fetched 1 -> 2 (+1), bytes fetched 8 -> 16 (+8) for the same result"
    )
    assert report["compared"] == 1
    assert worktrees(repo) == 1  # the base revision's worktree is gone


def test_an_unchanged_tree_is_exit_0_and_reports_paired_latency(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "HEAD", *FAST, *NEVER_LATENCY]) == 0
    out = capsys.readouterr().out
    assert "querybench check: no regression in working tree against HEAD (" in out
    assert "latency: 1 cells compared in 6 interleaved paired rounds each" in out
    pinned = "pinned together to CPU " if hasattr(os, "sched_setaffinity") else "free to run"
    assert f"; both workers {pinned}" in out
    assert ", 3 pairs of processes" in out
    assert worktrees(repo) == 1


def test_uncommitted_changes_are_measured_and_said_so(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (repo / "suite.py").write_text(SUITE.replace("EXTRA = False", "EXTRA = True"), "utf-8")
    assert main(["compare", "HEAD", *FAST, *NEVER_LATENCY]) == 1
    captured = capsys.readouterr()
    assert "querybench: warning: the working tree has uncommitted changes" in captured.err
    assert "REGRESSION Demo.users[only] @ N=1 on sqlite: queries 1 -> 2 (+1)" in captured.out
    assert summary.read_text("utf-8").startswith("## querybench check: ❌ 2 regressions")


def test_out_writes_both_sides_as_results_files(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["compare", "HEAD", *FAST, *NEVER_LATENCY, "--out", str(out)]) == 0
    for side in ("base", "head"):
        (cell,) = json.loads((out / side / "results.json").read_text("utf-8"))["cells"]
        assert (cell["scenario"], cell["queries"], cell["rows"]) == ("Demo.users", 1, 1)
        assert cell["bytes"] == 8  # one integer fetched
        assert len(cell["latency"]["samples"]) == 6


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nosuchref", *FAST], "--against: unknown revision 'nosuchref' in "),
        (["HEAD", *FAST, "--config", "nope.toml"], "nope.toml: cannot read"),
        (
            ["HEAD", "missing.py:registry", "--sizes", "1"],
            "missing.py:registry: no such suite file",
        ),
        (
            ["HEAD", *FAST, "-k", "Nothing.here"],
            "nothing to compare: the suite 'suite.py:registry'",
        ),
        (["HEAD", *FAST, "--sizes", "7"], "dataset 'tiny' has probes for sizes"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(["compare", *arguments]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("querybench: error: ")
    assert message in err
    assert worktrees(repo) == 1


def test_outside_a_git_repository_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compare", "HEAD", *FAST]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"querybench: error: {tmp_path}: not inside a git repository; "
        "--against compares with a git revision\n"
    )


def test_a_suite_with_its_own_dataset_builder_is_compared_cell_for_cell(
    repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The school suite (tests/suites/) as a user's project holds it: its own models and builder,
    # a single-variant scenario beside paired ones; the file's Suite is found without :attr.
    school = (Path(__file__).parents[1] / "suites" / "school_suite.py").read_text("utf-8")
    (repo / "bench_school.py").write_text(school, "utf-8")
    git(repo, "add", "bench_school.py")
    git(repo, "commit", "-qm", "school")
    database = f"sqlite:///{tmp_path / 'school.sqlite'}"
    arguments = ["bench_school.py", "--db", database, "--sizes", "1,10", "--pairs", "6"]
    status = main(["compare", "HEAD", *arguments, "--round-time", "0.0005", *NEVER_LATENCY])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "no regression in working tree against HEAD (" in out
    assert "(10 cells compared)" in out  # 5 scenario x variant pairs at N=1 and 10


def test_without_suite_the_configured_suites_are_compared(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite lives in a subfolder, named from a pyproject.toml there: both trees load it by
    # its path from the repository's root.
    (repo / "app").mkdir()
    git(repo, "mv", "suite.py", "app/suite.py")
    (repo / "app" / "pyproject.toml").write_text(
        '[tool.querybench]\nsuites = ["suite.py:registry"]\n', "utf-8"
    )
    git(repo, "add", "app")
    git(repo, "commit", "-qm", "configured")
    commit = (repo / "app" / "suite.py").read_text("utf-8").replace("EXTRA = False", "EXTRA = True")
    (repo / "app" / "suite.py").write_text(commit, "utf-8")
    monkeypatch.chdir(repo / "app")
    status = main(
        ["compare", "HEAD", "--sizes", "1", "--pairs", "6", "--round-time", "0.0005",
         *NEVER_LATENCY]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert status == 1, out
    assert "REGRESSION Demo.users[only] @ N=1 on sqlite: queries 1 -> 2 (+1)" in out
