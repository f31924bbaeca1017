"""Every file querybench writes is written atomically: a crash mid-write leaves the old file whole.

Each writer is made to crash after writing half of its text (the disk fills up); the file it
was replacing must still hold exactly what it held before, and no temporary file may remain.
A source scan pins the rule: nothing under src/ writes a file but through the atomic helpers.
"""

from __future__ import annotations

import ast
import errno
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import IO, Any

import pytest
from reliability_checks import assert_one_error_line, sample_results

import querybench
from querybench.cli import main
from querybench.datasets import cache
from querybench.errors import QuerybenchError
from querybench.gate import write_baseline
from querybench.report.html import write_html
from querybench.report.output import write_reports
from querybench.runner.results import write_atomic, write_results

OLD = "the old file, whole\n"


class HalfThenFull:
    """A writable file that takes half of what it is given, then fails as a full disk does."""

    def __init__(self, inner: IO[str]) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(text[: len(text) // 2])
        self.inner.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __enter__(self) -> HalfThenFull:
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.close()


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file opened by descriptor (as ``write_atomic`` opens its temporary) fills the disk."""
    real_fdopen = os.fdopen

    def half_then_full(fd: int, *args: Any, **kwargs: Any) -> HalfThenFull:
        return HalfThenFull(real_fdopen(fd, *args, **kwargs))

    monkeypatch.setattr(os, "fdopen", half_then_full)


def old_files(folder: Path, *names: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(OLD, encoding="utf-8")
    return dict.fromkeys(names, OLD)


def contents(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


def test_write_atomic_itself_leaves_the_old_file(tmp_path: Path, full_disk: None) -> None:
    before = old_files(tmp_path, "notes.txt")
    with pytest.raises(OSError, match="No space left on device"):
        write_atomic(tmp_path / "notes.txt", "new text " * 1000)
    assert contents(tmp_path) == before


def test_results_json_and_csv(tmp_path: Path, full_disk: None) -> None:
    before = old_files(tmp_path, "results.json", "results.csv")
    with pytest.raises(OSError, match="No space left on device"):
        write_results(sample_results(2), tmp_path)
    assert contents(tmp_path) == before


def test_report_html(tmp_path: Path, full_disk: None) -> None:
    before = old_files(tmp_path, "report.html")
    with pytest.raises(QuerybenchError) as caught:
        write_html(sample_results(2), tmp_path / "report.html")
    assert str(caught.value) == (
        f"cannot write report to {tmp_path / 'report.html'}: No space left on device"
    )
    assert contents(tmp_path) == before


def test_markdown_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in" / "results.json"
    write_results(sample_results(2), source.parent)
    before = old_files(tmp_path / "out", "summary.md", "report.html")
    real_fdopen = os.fdopen
    opened: list[int] = []

    def full_on_the_second(fd: int, *args: Any, **kwargs: Any) -> IO[str] | HalfThenFull:
        opened.append(fd)
        file = real_fdopen(fd, *args, **kwargs)
        return HalfThenFull(file) if len(opened) == 2 else file

    monkeypatch.setattr(os, "fdopen", full_on_the_second)
    with pytest.raises(QuerybenchError, match=r"cannot write markdown to .*: No space left"):
        write_reports(source, html_path=tmp_path / "out" / "report.html",
                      markdown_path=tmp_path / "out" / "summary.md")  # fmt: skip
    after = contents(tmp_path / "out")
    assert after["summary.md"] == before["summary.md"]
    assert "<html" in after["report.html"]  # written whole before the markdown failed
    assert sorted(after) == ["report.html", "summary.md"]


def test_baseline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_results(sample_results(2), tmp_path / "run")
    before = old_files(tmp_path / "baselines", "sqlite.json")
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: HalfThenFull(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError, match="No space left on device"):
        write_baseline([tmp_path / "run" / "results.json"], tmp_path / "baselines" / "sqlite.json")
    assert contents(tmp_path / "baselines") == before


def test_dataset_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "built.sqlite").write_bytes(b"the new build " * 1000)
    before = old_files(tmp_path / "work", "tiny.sqlite")

    def half_a_copy(source: Path, target: Path) -> None:
        Path(target).write_bytes(Path(source).read_bytes()[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "copyfile", half_a_copy)
    with pytest.raises(OSError, match="No space left on device"):
        cache.copy_atomically(tmp_path / "built.sqlite", tmp_path / "work" / "tiny.sqlite")
    assert contents(tmp_path / "work") == before


def test_a_run_on_a_full_disk_is_one_line_and_the_last_results_stay_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["run", "--dataset", "tiny", "-k", "QueryHelper.count", "--rounds", "1",
            "--min-time", "0", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    before = contents(out)
    capsys.readouterr()
    real_fdopen = os.fdopen
    opened: list[int] = []

    def full_on_the_third(fd: int, *a: Any, **k: Any) -> IO[str] | HalfThenFull:
        opened.append(fd)
        file = real_fdopen(fd, *a, **k)
        return HalfThenFull(file) if len(opened) == 3 else file  # the second cell's JSON

    monkeypatch.setattr(os, "fdopen", full_on_the_third)
    assert main(args) == 2

    assert_one_error_line(capsys.readouterr().err, f"cannot write results to {out}: No space")
    after = contents(out)
    assert sorted(after) == sorted(before)
    assert after["report.html"] == before["report.html"]  # no report of a failed run
    cells = {name: len(after[name].splitlines()) for name in ("results.csv",)}
    assert cells == {"results.csv": 2}  # header and the first cell of this run, whole
    assert '"partial": true' in after["results.json"]


ALLOWED = {
    # (module, function): why it may write without the atomic helpers
    ("runner/results.py", "write_atomic"): "the atomic helper itself",
    ("datasets/cache.py", "copy_atomically"): "the dataset cache's atomic copy",
    ("runner/job.py", "check_output_folder"): "an empty probe file, removed at once",
    ("runner/compare_worker.py", "main"): "its stdout (fd 1 dup), the pipe to the coordinator",
    ("cli.py", "_report"): "appends to $GITHUB_STEP_SUMMARY, a file CI owns and reads after",
}
WRITING_CALLS = {"write_text", "write_bytes", "copyfile", "copy", "copy2", "savefig", "dump"}


def file_writes(path: Path) -> list[tuple[str, str]]:
    """(function, call) for each call in ``path`` that writes a file other than atomically."""
    found: list[tuple[str, str]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.Call) or not isinstance(
                node.func, ast.Attribute | ast.Name
            ):
                continue
            if not isinstance(node.func, ast.Attribute) and node.func.id == "write_text":
                continue  # report.html's own write_text, which goes through write_atomic
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            # open(path, "w") and os.fdopen(fd, "w"), but path.open("w"): find the mode.
            modes = (
                [*node.args[1:]]
                if isinstance(node.func, ast.Name) or name == "fdopen"
                else [*node.args]
            )
            modes += [keyword.value for keyword in node.keywords if keyword.arg == "mode"]
            opens_to_write = name in {"open", "fdopen"} and any(
                isinstance(mode, ast.Constant)
                and isinstance(mode.value, str)
                and any(flag in mode.value for flag in "wax+")
                for mode in modes
            )
            if name in WRITING_CALLS or opens_to_write:
                found.append((function.name, ast.unparse(node)[:60]))
    return found


def test_nothing_in_src_writes_a_file_but_atomically() -> None:
    root = Path(querybench.__file__).parent
    unexpected = []
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).as_posix()
        for function, call in file_writes(path):
            # savefig into a StringIO and json.dump into a string stay in memory.
            in_memory = "io.StringIO" in call or call.startswith("figure.savefig(out")
            if (module, function) not in ALLOWED and not in_memory:
                unexpected.append(f"{module}:{function}: {call}")
    assert unexpected == [], "write through runner.results.write_atomic instead"


def test_the_writers_named_as_allowed_still_exist() -> None:
    root = Path(querybench.__file__).parent
    for module, function in ALLOWED:
        names = {
            node.name
            for node in ast.walk(ast.parse((root / module).read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef)
        }
        assert function in names, f"{module} lost {function}; update ALLOWED"


def test_a_signal_during_a_write_waits_for_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT raised between creating the temporary file and the rename leaves no temporary."""
    target = tmp_path / "results.json"
    target.write_text(OLD, encoding="utf-8")
    real_mkstemp = tempfile.mkstemp

    def mkstemp_then_signal(**kwargs: Any) -> tuple[int, str]:
        made = real_mkstemp(**kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # Python would raise right after this returns
        return made

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_signal)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"  # the write finished first
    assert sorted(path.name for path in tmp_path.iterdir()) == ["results.json"]
