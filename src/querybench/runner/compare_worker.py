"""One side of an interleaved comparison: a process that imports one revision's code and runs
its cells on request.

Run as a script (``python -I compare_worker.py --root TREE --suite module:attr``, the database URL
in ``$QUERYBENCH_WORKER_DB`` so that no password shows in a process list), never
imported: it must put the revision's code first on ``sys.path`` before anything of querybench or
the user's project is imported, so this file imports only the standard library at its top. The
clock is this file's own (not the revision's querybench), so both sides are timed by the same
code whatever the base revision contains.

It reads one JSON request per line on stdin and answers one JSON line on its own copy of stdout;
whatever the code under test prints goes to stderr. Requests: ``cells`` (what the suite holds),
``record`` (one call inside a statement recorder), ``time`` (one round of calls) and ``quit``.
"""

from __future__ import annotations

import fnmatch
import gc
import hashlib
import importlib
import importlib.util
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

Request = dict[str, Any]


def load_suite(text: str) -> list[Any]:
    """The scenarios of ``module:attr`` or ``path.py[:attr]`` (a Suite, a Registry or any
    iterable of scenarios; a callable is called first). Without an attribute: every Suite the
    module defines, else its ``registry``. (Not ``querybench.suites``: a base revision may
    predate it, and this must load the same suite in both trees.)"""
    target, _, attr = text.partition(":")
    if target.endswith(".py"):
        path = Path(target).resolve()
        spec = importlib.util.spec_from_file_location(f"querybench_suite_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {target}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    if not attr:
        # A file or module of suites (querybench.Suite): every one it defines at module level.
        suites = [value for value in vars(module).values() if type(value).__name__ == "Suite"]
        if suites:
            return [scenario for suite in dict.fromkeys(suites) for scenario in suite]
    found = getattr(module, attr or "registry")
    if callable(found) and not hasattr(found, "__iter__"):
        found = found()
    return list(found)


def fetched_size(value: object) -> int:
    """Bytes one fetched value stands for: text as UTF-8, bytes as they are, numbers as 8."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    return 8


class Worker:
    """The suite of one revision, on one database, with its prepared inputs kept per cell."""

    def __init__(self, suite: str, url: str) -> None:
        from sqlalchemy import create_engine

        self.scenarios = {scenario.name: scenario for scenario in load_suite(suite)}
        self.engine = create_engine(url)
        self.inputs: dict[tuple[str, int], object] = {}

    def cells(self, request: Request) -> dict[str, Any]:
        """Every scenario x variant x size of the suite within the sweep asked for (and whose
        name contains one of the ``|`` or ``,`` separated parts of ``pattern``, or matches it
        as a glob, as ``querybench run -k`` selects)."""
        sizes = list(request["sizes"])
        parts = [p.strip() for p in re.split(r"[|,]", request.get("pattern") or "") if p.strip()]
        cells = []
        for scenario in self.scenarios.values():
            if parts and not any(
                p.lower() in scenario.name.lower() or fnmatch.fnmatchcase(scenario.name, p)
                for p in parts
            ):
                continue
            for size in scenario.sizes_in(sizes):
                cells += [[scenario.name, variant, size] for variant in scenario.variants]
        import querybench

        return {"cells": cells, "querybench": str(Path(querybench.__file__).parent)}

    def _body(self, request: Request) -> Any:
        from sqlalchemy.orm import Session

        scenario = self.scenarios[request["scenario"]]
        size = int(request["size"])
        if (scenario.name, size) not in self.inputs:
            with Session(self.engine) as session:
                self.inputs[(scenario.name, size)] = scenario.prepare(session, size)
        inputs = self.inputs[(scenario.name, size)]
        run = scenario.variants[request["variant"]].run
        return lambda session: run(session, inputs)

    def record(self, request: Request) -> dict[str, Any]:
        """One call inside a recorder: counts, rows, bytes, statements by fingerprint, result."""
        from sqlalchemy import event
        from sqlalchemy.orm import Session

        from querybench import count_queries

        body = self._body(request)
        fetched = [0]

        def count_bytes(_conn: Any, cursor: Any, *_: Any) -> None:
            # sqlite3 lets a row factory see every row fetched; other drivers report no bytes.
            if hasattr(cursor, "row_factory") and cursor.description is not None:
                previous = cursor.row_factory

                def sized(raw: Any, row: Any) -> Any:
                    fetched[0] += sum(fetched_size(value) for value in row)
                    return previous(raw, row) if previous is not None else row

                cursor.row_factory = sized

        sqlite = self.engine.dialect.name == "sqlite"
        if sqlite:
            event.listen(self.engine, "after_cursor_execute", count_bytes)
        try:
            with Session(self.engine) as session:
                session.connection()
                with count_queries(session, count_rows=True) as recorder:
                    result = body(session)
                session.rollback()
        finally:
            if sqlite:
                event.remove(self.engine, "after_cursor_execute", count_bytes)
        groups: dict[str, int] = {}
        for statement in recorder.statements:
            groups[statement.fingerprint] = groups.get(statement.fingerprint, 0) + 1
        text = json.dumps(result, sort_keys=True, default=repr)
        return {
            "queries": recorder.count,
            "rows": sum(statement.rows or 0 for statement in recorder.statements),
            "bytes": fetched[0] if sqlite else None,
            "statements": sorted(groups.items()),
            "result": hashlib.sha256(text.encode()).hexdigest(),
        }

    def time(self, request: Request) -> dict[str, Any]:
        """One round of ``calls`` calls, each in a fresh pre-connected Session, timed alone.

        The round's figure is the median call: a burst of load that lands in a few calls of a
        round moves its mean, not its median. The collector is paused inside each timed call.
        """
        from sqlalchemy.orm import Session

        body = self._body(request)
        times = []
        for _ in range(int(request["calls"])):
            with Session(self.engine) as session:
                session.connection()
                gc.disable()
                try:
                    start = time.perf_counter_ns()
                    body(session)
                    elapsed = time.perf_counter_ns() - start
                finally:
                    gc.enable()
                    session.rollback()
            times.append(elapsed / 1e9)
        return {"median": statistics.median(times), "total": sum(times)}


def serve(worker: Worker | None, error: str, requests: Any, answers: Any) -> None:
    """Answer requests until ``quit`` or end of input; a failing request answers its error."""
    for line in requests:
        request = json.loads(line)
        op = request.get("op")
        if op == "quit":
            break
        try:
            if worker is None:
                raise RuntimeError(error)
            answer = getattr(worker, op)(request)
        except Exception as failure:  # a failing cell is an answer, not the worker's end
            text = str(failure).strip().splitlines()[0] if str(failure).strip() else ""
            answer = {"error": f"{type(failure).__name__}: {text}"[:500]}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main(argv: list[str]) -> int:
    """Put ``--root`` first on the path, load the suite, serve requests."""
    options = dict(zip(argv[0::2], argv[1::2], strict=True))
    sys.path.insert(0, options["--root"])
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the code under test prints to stderr, never into the protocol
    sys.stdout = sys.stderr
    worker, error = None, ""
    try:
        worker = Worker(options["--suite"], os.environ["QUERYBENCH_WORKER_DB"])
    except Exception as failure:  # reported on the first request, as one line
        error = f"cannot load suite {options['--suite']!r}: {type(failure).__name__}: {failure}"
    gc.collect()
    gc.freeze()  # the suite and its inputs stay alive: keep them out of every collection
    serve(worker, error, sys.stdin, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
