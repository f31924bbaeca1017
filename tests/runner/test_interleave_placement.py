"""Where an interleaved comparison's rounds run: fresh worker processes per block, one CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from querybench.runner import cpus
from querybench.runner.interleave import PairPolicy, compare_trees
from querybench.runner.revision import working_tree

SUITE = '''"""Each call notes which process ran it and on which CPUs it may run."""
import json
import os

from sqlalchemy import text

from querybench.scenarios.registry import Scenario, Variant

LOG = os.environ["PLACEMENT_LOG"]


def ping(session, n):
    session.execute(text("SELECT 1")).scalar()
    with open(LOG, "a", encoding="utf-8") as out:
        cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        out.write(json.dumps([os.getpid(), cpus]) + "\\n")
    return n


def registry():
    only = Variant("only", ping, "constant")
    return [Scenario("Demo.ping", "one statement", "ping", lambda s, n: n, {"only": only})]
'''


@pytest.mark.parametrize(
    ("pairs", "processes", "blocks"),
    [(15, 3, [5, 5, 5]), (16, 3, [6, 5, 5]), (6, 1, [6]), (2, 3, [1, 1])],
)
def test_pairs_are_split_over_the_process_pairs(
    pairs: int, processes: int, blocks: list[int]
) -> None:
    assert PairPolicy(pairs=pairs, processes=processes).blocks() == blocks


def _tree(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "suite.py").write_text(SUITE, encoding="utf-8")
    for args in (["init", "-q"], ["add", "suite.py"], ["commit", "-qm", "suite"]):
        subprocess.run(
            ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@x", *args],
            check=True,
            capture_output=True,
        )
    return folder


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="pinning needs Linux")
def test_each_block_has_fresh_workers_all_pinned_to_the_cpu_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "placement.log"
    monkeypatch.setenv("PLACEMENT_LOG", str(log))
    tree, _ = working_tree(_tree(tmp_path))
    cpu = max(os.sched_getaffinity(0))
    policy = PairPolicy(pairs=6, round_time=0.0001, warmup_calls=1, processes=3)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    base, head, changed = compare_trees(
        (tree, tree), "suite.py:registry", url, "sqlite", [1], policy, cpu=cpu
    )
    assert [cell.status for cell in base + head] == ["ok", "ok"]
    assert changed == []
    assert len(base[0].latency.samples) == 6  # type: ignore[union-attr]
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {tuple(cpus_) for _, cpus_ in calls} == {(cpu,)}
    assert len({pid for pid, _ in calls}) == 6  # two sides x three blocks
    assert os.getpid() not in {pid for pid, _ in calls}


def test_the_idlest_cpu_is_the_one_with_the_fewest_busy_ticks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "sched_setaffinity"):
        assert cpus.idlest_cpu(0) is None
        return
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    # user nice system idle iowait irq softirq steal: CPU 1 gains the fewest busy ticks (steal
    # counts as busy: a vCPU losing time to its host is a slow one).
    samples = iter(
        [
            "cpu 0 0 0 0 0 0 0 0\ncpu0 100 0 0 100 0 0 0 0\n"
            "cpu1 500 0 0 100 0 0 0 0\ncpu2 0 0 0 100 0 0 0 0\n",
            "cpu 0 0 0 0 0 0 0 0\ncpu0 150 0 0 150 0 0 0 0\n"
            "cpu1 510 0 0 190 0 0 0 0\ncpu2 0 0 0 110 0 0 0 90\n",
        ]
    )
    stat = tmp_path / "stat"

    def read_text(self: Path, encoding: str = "") -> str:
        assert self == stat
        return next(samples)

    monkeypatch.setattr(cpus, "STAT", stat)
    monkeypatch.setattr(Path, "read_text", read_text)
    assert cpus.idlest_cpu(0) == 1


def test_without_proc_stat_the_first_allowed_cpu_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("pinning needs Linux")
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {3, 5})
    monkeypatch.setattr(cpus, "STAT", tmp_path / "missing")
    assert cpus.idlest_cpu(0) == 3


def test_pinning_a_process_that_is_gone_is_not_an_error() -> None:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    cpus.pin(done.pid, 0)  # ProcessLookupError is swallowed
    cpus.pin(os.getpid(), None)  # None: nothing to do
