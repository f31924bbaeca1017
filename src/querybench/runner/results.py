"""The results table: typed records with one schema, and their JSON and CSV forms on disk.

A results file carries a ``schema`` number. This version reads every schema up to its own and
refuses anything else (or anything malformed) with one ``ResultsError`` line naming the file
and the field, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from querybench.errors import ResultsError
from querybench.plans.shape import IndexProof, Plan, PlanFinding, Scan, TableIndex
from querybench.runner.signals import signals_held
from querybench.runner.timing import Latency

SCHEMA = 1
T = TypeVar("T")
_MAX_INT = 2**63 - 1  # what pandas and numpy hold in an int64


@dataclass(frozen=True)
class FindingRecord:
    """An N+1 finding as the results keep it."""

    kind: str
    target: str
    repeats: int
    example_sql: str
    callsite: str
    fix: str


@dataclass(frozen=True)
class StatementGroup:
    """The statements of one cell that share a fingerprint."""

    fingerprint: str
    count: int
    total_seconds: float
    # The statement's plan on the cell's backend (``querybench run --plans``; None otherwise,
    # as in files written before plans existed).
    plan: Plan | None = None


@dataclass(frozen=True)
class ProofRecord:
    """``prove_fix`` on a naive cell with findings: the derived options, before and after.

    ``proven`` when the options were injected, the statement count fell and the result stayed
    equal; ``reason`` says why not otherwise (a loop of ``session.get`` needs a code change).
    Times are single recorded calls, in seconds: indicative, unlike the cell's latency.
    """

    proven: bool
    options: tuple[str, ...]
    before_queries: int
    after_queries: int
    before_seconds: float
    after_seconds: float
    fixed: int
    reason: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PoolRecord:
    """How a cell (or a load run) used its engine's connection pool (runner/pool.py).

    ``wait_seconds`` is the total time spent getting connections from the pool, the opening
    of new ones included; ``peak_overflow`` the most connections open beyond ``pool_size``;
    ``timeouts`` the checkouts that gave up after ``pool_timeout``.
    """

    checkouts: int
    connections_opened: int
    wait_seconds: float
    max_wait_seconds: float
    timeouts: int
    peak_overflow: int
    peak_checked_out: int


@dataclass(frozen=True)
class Cell:
    """One scenario x variant x size x backend: its exact counts and its latency."""

    scenario: str
    variant: str
    size: int
    backend: str
    queries: int
    rows: int
    latency: Latency | None
    findings: tuple[FindingRecord, ...] = ()
    statements: tuple[StatementGroup, ...] = ()
    status: str = "ok"
    error: str = ""
    proof: ProofRecord | None = None
    # Bytes of the values the statements fetched, where the driver lets them be seen (SQLite
    # through its row factory); None: not measured. Deterministic, like ``queries``.
    bytes: int | None = None
    # The suite the scenario belongs to ('' in files written before suites existed).
    suite: str = ""
    # Issue 18: the recorded call's pool use; the body size of a route scenario's response.
    pool: PoolRecord | None = None
    response_bytes: int | None = None
    # With --plans: what the plans show (querybench.plans.findings) and, with --prove-indexes,
    # each advised index measured without and with it.
    plan_findings: tuple[PlanFinding, ...] = ()
    index_proofs: tuple[IndexProof, ...] = ()
    # With --plans: the non-unique indexes of the tables the statements read (plans.unused).
    plan_indexes: tuple[TableIndex, ...] = ()

    @property
    def key(self) -> tuple[str, str, int, str]:
        """What identifies the cell across runs."""
        return (self.scenario, self.variant, self.size, self.backend)


@dataclass(frozen=True)
class BackendInfo:
    """A backend as the environment block describes it (password hidden)."""

    label: str
    name: str
    driver: str
    server_version: str
    url: str
    rtt_ms: float


@dataclass(frozen=True)
class Environment:
    """Where and on what the numbers were measured."""

    python: str
    sqlalchemy: str
    querybench: str
    machine: str
    cpu: str
    git_commit: str
    started_at: str
    dataset: str
    dataset_digest: str
    backends: tuple[BackendInfo, ...] = ()
    # CV of a CPU-bound control loop timed as cells are, before the first cell (None: not
    # measured, as in files written before it existed); see runner.timing.machine_noise.
    machine_noise: float | None = None
    # The suites measured, in run order (empty in files written before suites existed).
    suites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Results:
    """A whole run: its environment and its cells; ``partial`` when it was interrupted."""

    environment: Environment
    cells: tuple[Cell, ...]
    partial: bool = False
    schema: int = SCHEMA

    def to_json(self) -> str:
        """The results as JSON text (latency in seconds)."""
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    def to_csv(self) -> str:
        """One CSV row per cell, latency flattened, for spreadsheets and pandas."""
        out = io.StringIO()
        columns = ["scenario", "variant", "size", "backend", "queries", "rows", "status"]
        # Round samples stay in the JSON; a spreadsheet wants one number per column.
        latency_columns = [f.name for f in fields(Latency) if f.name != "samples"]
        writer = csv.writer(out)
        writer.writerow([*columns, *latency_columns, "cv", "findings", "error"])
        for cell in self.cells:
            latency = asdict(cell.latency) if cell.latency else {}
            writer.writerow(
                [getattr(cell, name) for name in columns]
                + [latency.get(name, "") for name in latency_columns]
                + [cell.latency.cv if cell.latency else "", len(cell.findings), cell.error]
            )
        return out.getvalue()


# -- reading -------------------------------------------------------------------------------------


def _build(cls: type[T], data: object, where: str) -> T:
    """Build dataclass ``cls`` from ``data``, checking every field's type."""
    if not isinstance(data, Mapping):
        raise ResultsError(f"{where}: expected an object, got {type(data).__name__}")
    values: dict[str, Any] = {}
    for spec in fields(cls):  # type: ignore[arg-type]
        if spec.name not in data:
            if spec.default is not MISSING or spec.default_factory is not MISSING:
                continue
            raise ResultsError(f"{where}: missing field {spec.name!r}")
        values[spec.name] = _value(spec.type, data[spec.name], f"{where}.{spec.name}")
    if cls is Cell and values["size"] < 1:
        raise ResultsError(f"{where}.size: expected a size N >= 1, got {values['size']}")
    return cls(**values)


_NESTED: dict[str, type[Any]] = {
    "Latency": Latency,
    "FindingRecord": FindingRecord,
    "ProofRecord": ProofRecord,
    "PoolRecord": PoolRecord,
    "StatementGroup": StatementGroup,
    "BackendInfo": BackendInfo,
    "Environment": Environment,
    "Cell": Cell,
    "Plan": Plan,
    "Scan": Scan,
    "PlanFinding": PlanFinding,
    "IndexProof": IndexProof,
    "TableIndex": TableIndex,
}
_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
}


def _value(annotation: object, value: object, where: str) -> object:
    text = str(annotation)
    if text.endswith(" | None"):
        return None if value is None else _value(text.removesuffix(" | None"), value, where)
    if text.startswith("tuple[") and text.endswith(", ...]"):
        if not isinstance(value, list):
            raise ResultsError(f"{where}: expected a list, got {type(value).__name__}")
        inner = text.removeprefix("tuple[").removesuffix(", ...]")
        return tuple(_value(inner, item, f"{where}[{i}]") for i, item in enumerate(value))
    if text in _NESTED:
        return _build(_NESTED[text], value, where)
    accepted = _SCALARS[text]
    if (isinstance(value, bool) and bool not in accepted) or not isinstance(value, accepted):
        raise ResultsError(f"{where}: expected {text}, got {type(value).__name__}")
    return _in_range(text, value, where)


def _in_range(kind: str, value: object, where: str) -> object:
    """Every number in a results file is a count, a size or a duration: not negative, finite.

    The report and the gate compute with them (growth classes, ratios, numpy arrays); a value
    no run can produce is refused here, in one line, rather than as a traceback there.
    """
    if kind == "int" and isinstance(value, int) and not 0 <= value <= _MAX_INT:
        raise ResultsError(f"{where}: expected an integer from 0 to 2**63 - 1, got {_shown(value)}")
    if kind == "float" and isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not (math.isfinite(number) and number >= 0):
            raise ResultsError(f"{where}: expected a finite number >= 0, got {_shown(value)}")
        return number
    return value


def _shown(value: object) -> str:
    """A value for an error message: its repr, cut short (it may be a megabyte of text)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def results_from_json(text: str, where: str) -> Results:
    """Parse results JSON; anything malformed is one ResultsError naming ``where`` and the field."""
    try:
        data = json.loads(text)
    except ValueError as error:  # not JSON, or an integer of more than 4300 digits
        raise ResultsError(f"{where}: not JSON ({error})") from None
    except RecursionError:
        raise ResultsError(f"{where}: not a results file (nested too deeply to read)") from None
    if not isinstance(data, dict):
        raise ResultsError(f"{where}: expected a results object, got {type(data).__name__}")
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or not 1 <= schema <= SCHEMA:
        raise ResultsError(
            f"{where}: unsupported results schema {_shown(schema)};"
            f" this querybench reads 1..{SCHEMA}"
        )
    return _build(Results, data, where)


def read_results(path: Path) -> Results:
    """Read a results file; an unreadable file is one ResultsError line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(f"{path}: cannot read ({error.__class__.__name__}: {error})") from None
    return results_from_json(text, str(path))


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: never half-written,
    and no temporary file left behind by a signal (they wait until the rename is done)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with signals_held():
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        try:
            # mkstemp makes the file private (0600); give it the mode a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(handle, 0o666 & ~umask)  # noqa: PTH101 - by descriptor; Path.chmod needs a name
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def write_results(results: Results, folder: Path) -> list[Path]:
    """Write ``results.json`` and ``results.csv`` into ``folder`` atomically."""
    written = []
    for name, text in (("results.json", results.to_json()), ("results.csv", results.to_csv())):
        write_atomic(folder / name, text)
        written.append(folder / name)
    return written
