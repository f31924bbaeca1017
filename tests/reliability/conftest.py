"""Fixtures of the reliability tests: a private build cache, the command run in a subprocess.

The tests here drive ``querybench`` the way a user does, through ``main([...])`` and through
``python -m querybench``, and check what survives: exit codes, the one error line, the rows of
tables querybench does not own, the cells of an interrupted run, passwords kept out of output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from querybench.datasets import CACHE_ENV

# The suite imports test modules in importlib mode, which leaves sys.path alone; the helper
# module beside this file is made importable here.
sys.path.insert(0, str(Path(__file__).parent))
from reliability_checks import Querybench


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test builds into a cache of this run (shared by its tests), never the repository's."""
    root = tmp_path_factory.getbasetemp() / "reliability-cache"
    monkeypatch.setenv(CACHE_ENV, str(root))
    return root


@pytest.fixture
def querybench(tmp_path: Path, private_cache: Path) -> Querybench:
    """``querybench(*args, env={...})``: run ``python -m querybench`` in a folder of the test's.

    The folder is a sub-folder, so that the test's files show by their full paths, as they do
    in-process.
    """
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    def run(
        *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "querybench", *args],
            cwd=cwd,
            env={**os.environ, CACHE_ENV: str(private_cache), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
