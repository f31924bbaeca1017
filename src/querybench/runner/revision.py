"""The two trees of a comparison: the working tree, and a base revision checked out beside it.

The base revision is a ``git worktree add --detach`` of REF in a temporary folder, removed (and
pruned from git's list) when the block ends, on error or interruption too. Every git failure is
one ``QuerybenchError`` line: not a repository, an unknown REF.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from querybench.errors import QuerybenchError


@dataclass(frozen=True)
class Tree:
    """One side of a comparison: a folder of code, what to call it, what to put on sys.path."""

    label: str
    root: Path
    commit: str

    @property
    def import_root(self) -> Path:
        """``src`` when the project uses a src layout, else the tree's root."""
        src = self.root / "src"
        return src if src.is_dir() else self.root


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise QuerybenchError("git is not installed: --against needs it") from None
    if done.returncode:
        reason = " ".join((done.stderr or done.stdout).split()) or f"exit {done.returncode}"
        raise QuerybenchError(f"git {' '.join(args)}: {reason}")
    return done.stdout.strip()


def working_tree(folder: Path) -> tuple[Tree, bool]:
    """The git working tree holding ``folder``, and whether it has uncommitted changes."""
    if not folder.is_dir():
        raise QuerybenchError(f"{folder}: no such folder")
    try:
        root = Path(_git(folder, "rev-parse", "--show-toplevel"))
    except QuerybenchError:
        raise QuerybenchError(
            f"{folder}: not inside a git repository; --against compares with a git revision"
        ) from None
    commit = _git(root, "rev-parse", "HEAD")
    dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    return Tree("working tree", root, commit), dirty


def resolve(root: Path, ref: str) -> str:
    """The commit ``ref`` names in the repository at ``root``; an unknown one is one line."""
    if not ref or ref.startswith("-"):
        raise QuerybenchError(f"--against: {ref!r} is not a git revision")
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except QuerybenchError:
        raise QuerybenchError(
            f"--against: unknown revision {ref!r} in {root} (in CI, fetch it: fetch-depth: 0)"
        ) from None


@contextmanager
def base_revision(root: Path, ref: str) -> Iterator[Tree]:
    """A detached worktree of ``ref`` in a temporary folder, removed when the block ends."""
    commit = resolve(root, ref)
    holder = Path(tempfile.mkdtemp(prefix="querybench-base-"))
    folder = holder / "base"
    try:
        _git(root, "worktree", "add", "--detach", "--quiet", str(folder), commit)
        yield Tree(f"{ref} ({commit[:12]})", folder, commit)
    finally:
        if folder.exists():
            subprocess.run(
                ["git", "-C", str(root), "worktree", "remove", "--force", str(folder)],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(holder, ignore_errors=True)
        subprocess.run(
            ["git", "-C", str(root), "worktree", "prune"], capture_output=True, check=False
        )
