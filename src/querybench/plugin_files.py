"""The plugin's committed files: the N+1 baseline and the statement budgets, read and written.

Both are TOML a reviewer can read in a diff: keys are test node ids, sorted, and each line is
one test's budget (``"tests/test_a.py::test_list" = 6``) or one known finding. The plugin runs
in any environment, so this module needs only the standard library (``tomllib``) and pytest;
the harness's gate package, which imports the report's dependencies, is not imported.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest

BASELINE_HEAD = (
    "# querybench N+1 baseline: the known findings of each test, as kind:subject@file::function\n"
    "# (no line numbers, which move with every edit). Only findings not listed here fail a\n"
    "# test; fixed ones are reported at the end of the run. Rewrite: --querybench-baseline-write\n"
)
BUDGETS_HEAD = (
    "# querybench statement budgets: the most SQL statements each test's function may emit.\n"
    "# Added by --querybench-budgets-write=new; =lower also lowers the budgets a test now beats.\n"
)


def _toml(path: Path, what: str) -> dict[str, object]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise pytest.UsageError(f"querybench: {what} {path} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise pytest.UsageError(f"querybench: {what} {path} is unreadable: {error}") from None


def read_baseline(path: Path, missing_ok: bool) -> dict[str, frozenset[str]]:
    """The known findings of each test in ``path`` (empty when missing and ``missing_ok``)."""
    if missing_ok and not path.exists():
        return {}
    known: dict[str, frozenset[str]] = {}
    for nodeid, keys in _toml(path, "N+1 baseline").items():
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise pytest.UsageError(
                f"querybench: N+1 baseline {path}: {nodeid!r} must be a list of finding keys"
            )
        known[nodeid] = frozenset(keys)
    return known


def read_budgets(path: Path, missing_ok: bool) -> dict[str, int]:
    """The budget of each test in ``path`` (empty when missing and ``missing_ok``)."""
    if missing_ok and not path.exists():
        return {}
    budgets: dict[str, int] = {}
    for nodeid, limit in _toml(path, "budgets file").items():
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise pytest.UsageError(
                f"querybench: budgets file {path}: {nodeid!r} must be a whole number >= 0, "
                f"got {limit!r}"
            )
        budgets[nodeid] = limit
    return budgets


def _key(text: str) -> str:
    # a JSON string is a TOML basic string: quotes, backslashes and control characters escaped
    return json.dumps(text, ensure_ascii=False)


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a reader never sees half of it."""
    # imported here: the runner imports SQLAlchemy, which a run that writes nothing never loads
    from querybench.runner.results import write_atomic

    write_atomic(path, text)


def write_baseline(path: Path, known: Mapping[str, frozenset[str]]) -> None:
    """Write the known findings, tests and keys sorted, one key a line; tests without any are
    left out."""
    lines = [BASELINE_HEAD]
    for nodeid in sorted(known):
        if known[nodeid]:
            keys = "".join(f"    {_key(key)},\n" for key in sorted(known[nodeid]))
            lines.append(f"{_key(nodeid)} = [\n{keys}]\n")
    _write(path, "".join(lines))


def write_budgets(path: Path, budgets: Mapping[str, int]) -> None:
    """Write the budgets, one test a line, sorted by node id."""
    lines = [BUDGETS_HEAD, *(f"{_key(nodeid)} = {budgets[nodeid]}\n" for nodeid in sorted(budgets))]
    _write(path, "".join(lines))
