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
from querybench.runner.cpus import pin
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
    # The pairs are split over this many pairs of fresh worker processes, so that an offset
    # one process keeps for its whole life (its memory layout, say) moves a third of a cell's
    # pairs, not all of them. (Not measured apart from pinning, which removed the offsets seen.)
    processes: int = 3
    # Both workers on the CPU that was idlest when the comparison started (``runner.cpus``).
    pin: bool = True

    def blocks(self) -> list[int]:
        """How many pairs each pair of worker processes takes, in order."""
        count = max(1, min(self.processes, self.pairs))
        return [self.pairs // count + (index < self.pairs % count) for index in range(count)]


class WorkerProcess:
    """One revision's worker: requests in on stdin, answers out on stdout, one JSON line each."""

    def __init__(self, tree: Tree, suite: str, url: str, cpu: int | None = None) -> None:
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
        pin(self.process.pid, cpu)  # before it has imported anything worth timing

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


@dataclass
class _Pending:
    """One cell being compared: its recorded calls, calls per round and the rounds so far."""

    key: CellKey
    records: list[dict[str, Any]]
    calls: int
    samples: tuple[list[float], list[float]]
    error: str = ""

    @property
    def request(self) -> dict[str, Any]:
        """The cell, as a worker request names it."""
        return {"scenario": self.key[0], "variant": self.key[1], "size": self.key[2]}

    @property
    def timed(self) -> bool:
        """Whether the cell still takes rounds: both sides recorded it and nothing failed."""
        return not self.error and not any("error" in answer for answer in self.records)


def _warm(pending: _Pending, pair: tuple[WorkerProcess, WorkerProcess], calls: int) -> float:
    """Prepare the cell's inputs and call it ``calls`` times on each side, untimed as rounds;
    the fastest call (inf when the cell failed, its error kept)."""
    fastest = math.inf
    for _ in range(calls):
        for worker in pair:
            answer = worker.ask("time", **pending.request, calls=1)
            if "error" in answer:
                pending.error = str(answer["error"])
                return math.inf
            fastest = min(fastest, float(answer["total"]))
    return fastest


def _calibrate(
    key: CellKey, pair: tuple[WorkerProcess, WorkerProcess], policy: PairPolicy
) -> _Pending:
    """Record one call on each side (exact counts), warm both up, and size the rounds."""
    pending = _Pending(key, [], 1, ([], []))
    pending.records = [worker.ask("record", **pending.request) for worker in pair]
    if pending.timed:
        fastest = _warm(pending, pair, policy.warmup_calls)
        if 0 < fastest < math.inf:
            pending.calls = min(MAX_CALLS, max(1, math.ceil(policy.round_time / fastest)))
    return pending


def _round(pending: _Pending, pair: tuple[WorkerProcess, WorkerProcess], first: int) -> None:
    """One paired round of one cell: side ``first`` runs, then the other, back to back."""
    for side in (first, 1 - first):
        answer = pair[side].ask("time", **pending.request, calls=pending.calls)
        if "error" in answer:
            pending.error = str(answer["error"])
            return
        pending.samples[side].append(float(answer["median"]))


def _cells(pending: _Pending, backend: str) -> tuple[Cell, Cell, bool]:
    """Both sides of a compared cell, and whether they returned the same data."""
    key, records = pending.key, pending.records
    if any("error" in answer for answer in records):
        base, head = (_counted(key, backend, answer) for answer in records)
        return base, head, True
    if pending.error:
        failed = _failed(key, backend, pending.error)
        return failed, failed, True
    base, head = (
        _recorded(
            key,
            backend,
            records[side],
            Latency.of(pending.samples[side], calls_per_round=pending.calls),
        )
        for side in (0, 1)
    )
    return base, head, records[0]["result"] == records[1]["result"]


def compare_cells(
    keys: Sequence[CellKey],
    pair: tuple[WorkerProcess, WorkerProcess],
    fresh: Callable[[], tuple[WorkerProcess, WorkerProcess]],
    backend: str,
    policy: PairPolicy,
    on_cell: Callable[[CellKey], None] | None = None,
) -> list[tuple[Cell, Cell, bool]]:
    """Both sides of every cell (A then B), and whether each returned the same data.

    The first block of rounds runs on ``pair``, each later one on the workers ``fresh()``
    starts (``PairPolicy.processes``), warmed up again before their first timed round. Within
    a block the rounds are spread over the whole block: round i of every cell, then round
    i + 1, so a burst or a slow spell of one CPU (a neighbour on a shared host) lands on a
    round or two of many cells, never on all the rounds of one. A cell's pair i runs A, B when
    i + its position is even and B, A otherwise.
    """
    pending = [_calibrate(key, pair, policy) for key in keys]
    number = 0
    for block, count in enumerate(policy.blocks()):
        live = [cell for cell in pending if cell.timed]
        if block:
            pair = fresh()
            for cell in live:
                _warm(cell, pair, policy.warmup_calls)
        for _ in range(count):
            for position, cell in enumerate(live):
                if not cell.error:
                    _round(cell, pair, (number + position) % 2)
            number += 1
    results = []
    for cell in pending:
        results.append(_cells(cell, backend))
        if on_cell is not None:
            on_cell(cell.key)
    return results


def compare_trees(
    trees: tuple[Tree, Tree],
    suite: str,
    url: str,
    backend: str,
    sizes: Sequence[int],
    policy: PairPolicy,
    on_cell: Callable[[CellKey], None] | None = None,
    pattern: str = "",
    cpu: int | None = None,
) -> tuple[list[Cell], list[Cell], list[CellKey]]:
    """Cells of the base and the working tree, measured in turns; also the cells whose result
    (the data the variant returned) differs between the two. With ``cpu``, every worker runs
    on that CPU only (``runner.cpus``)."""
    workers: list[WorkerProcess] = []

    def fresh() -> tuple[WorkerProcess, WorkerProcess]:
        while workers:
            workers.pop().close()
        # Both start at once (Popen does not wait), so a block's start-up costs one import.
        workers.extend(WorkerProcess(tree, suite, url, cpu) for tree in trees)
        return workers[0], workers[1]

    try:
        pair = fresh()
        base_keys, head_keys = (_cells_of(worker, sizes, pattern) for worker in pair)
        common = set(base_keys) & set(head_keys)
        base: list[Cell] = []
        head: list[Cell] = []
        changed: list[CellKey] = []
        keys = [key for key in head_keys if key in common]
        compared = compare_cells(keys, pair, fresh, backend, policy, on_cell)
        for key, (old, new, same) in zip(keys, compared, strict=True):
            base.append(old)
            head.append(new)
            if not same:
                changed.append(key)
        pair = (workers[0], workers[1])
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
