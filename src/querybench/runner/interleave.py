"""Interleaved comparison: the same cells of two revisions, round for round, on the same data.

Each revision runs in a worker process of its own (``compare_worker.py``, with that revision's
code first on its path) against one database, built once. For every cell both workers record
one call (exact counts), are calibrated to the same calls per round, then take turns: A, B, then
B, A, and so on, so that the machine's drift and bursts land on both sides alike and round i of
A and round i of B form a pair (see ``gate.paired``). Only one worker runs at a time.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from querybench.errors import QuerybenchError
from querybench.runner.results import Cell, StatementGroup
from querybench.runner.revision import Tree
from querybench.runner.timing import Latency

WORKER = Path(__file__).with_name("compare_worker.py")
MAX_CALLS = 10_000
CellKey = tuple[str, str, int]


@dataclass(frozen=True)
class PairPolicy:
    """How long to compare each cell: paired rounds, and how long one round lasts."""

    pairs: int = 15
    # A round's figure is its median call, so a burst does not need long rounds to be diluted.
    round_time: float = 0.005
    warmup_calls: int = 3


class WorkerProcess:
    """One revision's worker: requests in on stdin, answers out on stdout, one JSON line each."""

    def __init__(self, tree: Tree, suite: str, url: str) -> None:
        self.tree = tree
        # A fixed hash seed: the same code and data then make the same objects in the same
        # order on both sides, which keeps counts and any instruction count repeatable.
        env = {**os.environ, "PYTHONHASHSEED": "0", "QUERYBENCH_WORKER_DB": url}
        command = [sys.executable, "-I", str(WORKER), "--root", str(tree.import_root)]
        self.process = subprocess.Popen(
            [*command, "--suite", suite],
            cwd=tree.root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def ask(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request and wait for its answer; a worker that died is one error line."""
        stdin, stdout = self._pipes()
        try:
            stdin.write(json.dumps({"op": op, **fields}) + "\n")
            stdin.flush()
            line = stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            code = self.process.wait()
            raise QuerybenchError(f"the worker for the {self.tree.label} exited ({code})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self.process.stdin is not None and self.process.stdout is not None  # noqa: PT018
        return self.process.stdin, self.process.stdout

    def close(self) -> None:
        """Ask the worker to quit; kill it if it does not within five seconds."""
        stdin, _ = self._pipes()
        try:
            stdin.write('{"op": "quit"}\n')
            stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _cells_of(worker: WorkerProcess, sizes: Sequence[int], pattern: str) -> list[CellKey]:
    answer = worker.ask("cells", sizes=list(sizes), pattern=pattern)
    if "error" in answer:
        raise QuerybenchError(f"{worker.tree.label}: {answer['error']}")
    return [(str(name), str(variant), int(size)) for name, variant, size in answer["cells"]]


def _failed(key: CellKey, backend: str, error: str) -> Cell:
    return Cell(*key, backend, 0, 0, None, status="failed", error=error)


def _recorded(key: CellKey, backend: str, answer: dict[str, Any], latency: Latency | None) -> Cell:
    groups = tuple(StatementGroup(str(fp), int(count), 0.0) for fp, count in answer["statements"])
    return Cell(
        *key,
        backend,
        queries=int(answer["queries"]),
        rows=int(answer["rows"]),
        latency=latency,
        statements=groups,
        bytes=answer.get("bytes"),
    )


def _counted(key: CellKey, backend: str, answer: dict[str, Any]) -> Cell:
    """A cell recorded but not timed: its counts, or its failure."""
    if "error" in answer:
        return _failed(key, backend, str(answer["error"]))
    return _recorded(key, backend, answer, None)


def compare_cell(
    key: CellKey, pair: tuple[WorkerProcess, WorkerProcess], backend: str, policy: PairPolicy
) -> tuple[Cell, Cell, bool]:
    """Both sides of one cell (A then B), and whether they returned the same data."""
    request = {"scenario": key[0], "variant": key[1], "size": key[2]}
    records = [worker.ask("record", **request) for worker in pair]
    if any("error" in answer for answer in records):
        base, head = (_counted(key, backend, answer) for answer in records)
        return base, head, True
    fastest = math.inf
    for _ in range(policy.warmup_calls):
        for worker in pair:
            answer = worker.ask("time", **request, calls=1)
            fastest = min(fastest, float(answer["total"]))
    calls = min(MAX_CALLS, max(1, math.ceil(policy.round_time / fastest))) if fastest > 0 else 1
    samples: tuple[list[float], list[float]] = ([], [])
    for number in range(policy.pairs):
        # A, B then B, A: neither side is always the one that runs right after the other.
        order = (0, 1) if number % 2 == 0 else (1, 0)
        for side in order:
            answer = pair[side].ask("time", **request, calls=calls)
            if "error" in answer:
                failed = _failed(key, backend, str(answer["error"]))
                return failed, failed, True
            samples[side].append(float(answer["median"]))
    base, head = (
        _recorded(key, backend, records[side], Latency.of(samples[side], calls_per_round=calls))
        for side in (0, 1)
    )
    return base, head, records[0]["result"] == records[1]["result"]


def compare_trees(
    trees: tuple[Tree, Tree],
    suite: str,
    url: str,
    backend: str,
    sizes: Sequence[int],
    policy: PairPolicy,
    on_cell: Callable[[CellKey], None] | None = None,
    pattern: str = "",
) -> tuple[list[Cell], list[Cell], list[CellKey]]:
    """Cells of the base and the working tree, measured in turns; also the cells whose result
    (the data the variant returned) differs between the two."""
    workers = [WorkerProcess(tree, suite, url) for tree in trees]
    try:
        pair = (workers[0], workers[1])
        base_keys, head_keys = (_cells_of(worker, sizes, pattern) for worker in pair)
        common = set(base_keys) & set(head_keys)
        base: list[Cell] = []
        head: list[Cell] = []
        changed: list[CellKey] = []
        for key in head_keys:
            if key not in common:
                continue
            old, new, same = compare_cell(key, pair, backend, policy)
            base.append(old)
            head.append(new)
            if not same:
                changed.append(key)
            if on_cell is not None:
                on_cell(key)
        # Cells on one side only still reach the gate, counted: as new (or missing) cells.
        for keys, side, out in ((head_keys, 1, head), (base_keys, 0, base)):
            for key in keys:
                if key not in common:
                    request = {"scenario": key[0], "variant": key[1], "size": key[2]}
                    out.append(_counted(key, backend, pair[side].ask("record", **request)))
        return base, head, changed
    finally:
        for worker in workers:
            worker.close()
