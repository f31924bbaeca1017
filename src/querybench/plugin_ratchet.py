"""The budget ratchet: exact ``max_queries`` budgets for every test, in one reviewable file.

``--querybench-budgets=FILE`` (ini ``querybench_budgets``) names a TOML file of budgets, one
test a line (``"tests/test_a.py::test_list" = 6``, sorted). A test without a
``querybench_max_queries`` marker gets its budget from the file, and fails, naming the file,
when its function emits more statements. ``--querybench-budgets-write=new`` records every test
and adds the exact count of each passing test that has no budget yet; ``=lower`` also lowers
the budgets a test now beats. No budget is ever raised by the plugin: a regression is a
failure, and raising a budget is an edit a reviewer sees. Markers win over the file. Only the
controller writes, from the call reports the workers send under xdist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from querybench.plugin_files import read_budgets, write_budgets

WRITE_MODES = ("new", "lower")


@dataclass
class Budgets:
    """The budgets file, what it holds, and what this run added or lowered."""

    path: Path
    write: str | None
    budgets: dict[str, int]
    added: dict[str, int] = field(default_factory=dict)
    lowered: dict[str, tuple[int, int]] = field(default_factory=dict)


BUDGETS = pytest.StashKey[Budgets]()


def add_options(group: Any, parser: pytest.Parser) -> None:
    """``--querybench-budgets``, its ini twin, and ``--querybench-budgets-write``."""
    group.addoption(
        "--querybench-budgets",
        dest="querybench_budgets",
        default=None,
        metavar="FILE",
        help="A file of statement budgets per test, enforced for tests without a "
        "querybench_max_queries marker. Overrides the querybench_budgets ini setting.",
    )
    parser.addini("querybench_budgets", "A file of statement budgets (see --querybench-budgets)")
    group.addoption(
        "--querybench-budgets-write",
        dest="querybench_budgets_write",
        choices=WRITE_MODES,
        default=None,
        help="new: add exact budgets for passing tests that have none; lower: also lower the "
        "budgets a test now beats. Never raises one.",
    )


def configure(config: pytest.Config) -> Budgets | None:
    """Read the budgets file named by the option or ini setting; None when there is none."""
    name = config.getoption("querybench_budgets") or str(config.getini("querybench_budgets"))
    write: str | None = config.getoption("querybench_budgets_write")
    if not name.strip():
        if write:
            raise pytest.UsageError(
                "querybench: --querybench-budgets-write needs --querybench-budgets=FILE"
            )
        return None
    path = Path(config.rootpath, name.strip())
    budgets = Budgets(path, write, read_budgets(path, missing_ok=write is not None))
    config.stash[BUDGETS] = budgets
    return budgets


def budget_for(config: pytest.Config, nodeid: str) -> tuple[int | None, str]:
    """The file's budget for one test and the file's path (None and '' when it has none)."""
    budgets = config.stash.get(BUDGETS, None)
    limit = None if budgets is None else budgets.budgets.get(nodeid)
    return (None, "") if budgets is None or limit is None else (limit, str(budgets.path))


def finish(budgets: Budgets, runs: Mapping[str, Mapping[str, Any]]) -> None:
    """In write mode, add the missing budgets (and lower beaten ones) and rewrite the file."""
    if budgets.write is None:
        return
    for nodeid, run in sorted(runs.items()):
        count, source = run["count"], run["source"]
        if source == "marker" or not run["passed"]:
            continue
        current = budgets.budgets.get(nodeid)
        if current is None:
            budgets.added[nodeid] = count
        elif budgets.write == "lower" and count < current:
            budgets.lowered[nodeid] = (current, count)
    if budgets.added or budgets.lowered or not budgets.path.exists():
        merged = dict(budgets.budgets)
        merged.update(budgets.added)
        merged.update({nodeid: new for nodeid, (_, new) in budgets.lowered.items()})
        write_budgets(budgets.path, merged)


def summary(budgets: Budgets, runs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The lines of the budgets' summary section."""
    lines = [
        *(f"added: {nodeid} = {count}" for nodeid, count in budgets.added.items()),
        *(
            f"lowered: {nodeid} = {new} (was {old})"
            for nodeid, (old, new) in budgets.lowered.items()
        ),
    ]
    if budgets.write is not None:
        head = (
            f"{len(budgets.added)} budgets added, {len(budgets.lowered)} lowered in {budgets.path}"
        )
        return [head, *lines]
    beaten = [
        f"beaten: {nodeid}: {run['count']} statements, budget {budgets.budgets[nodeid]}"
        for nodeid, run in sorted(runs.items())
        if run["source"] == "file" and run["count"] < budgets.budgets[nodeid]
    ]
    if not beaten:
        return []
    head = (
        f"{len(beaten)} tests emit fewer statements than their budget in {budgets.path}: "
        "--querybench-budgets-write=lower lowers them"
    )
    return [head, *beaten]
