"""Bad input, clear answers: one ``querybench: error:`` line, exit 2, no traceback; ``--debug``
shows the traceback. Each case runs in-process through ``main([...])`` and once as
``python -m querybench``, where stderr is the real one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from reliability_checks import (
    QUICK,
    Querybench,
    assert_one_error_line,
    missing_driver,
    sample_results,
)

from querybench.cli import main
from querybench.datasets.catalog import PACKAGED_SPECS
from querybench.errors import QuerybenchError

DRIVER = missing_driver()
DRIVER_MODULE = {
    "mysql+mysqldb": "MySQLdb",
    "postgresql+asyncpg": "asyncpg",
    "postgresql+pg8000": "pg8000",
    "mssql+pymssql": "pymssql",
}[DRIVER]


@dataclass(frozen=True)
class Case:
    """A bad command line (``{tmp}`` stands for the test's folder) and the line it must get."""

    args: tuple[str, ...]
    line: str


def results_text(**cell_changes: object) -> str:
    """A small valid results file, with fields of its first cell replaced."""
    document = json.loads(sample_results(1).to_json())
    document["cells"][0].update(cell_changes)
    return json.dumps(document)


FILES: dict[str, str | bytes] = {
    "bad.toml": 'name = "broken\nseed = 1\n',
    "latin1.toml": 'name = "caf\xe9"\n'.encode("latin-1"),
    "latin1.json": b'{"schema": 1, "note": "caf\xe9"}',
    "wrong.toml": (PACKAGED_SPECS / "tiny.toml")
    .read_text(encoding="utf-8")
    .replace("users = 200", 'users = "many"'),
    "prose.json": "these are not the results you are looking for",
    "future.json": json.dumps({"schema": 99, "environment": {}, "cells": []}),
    "typed.json": results_text(size="ten"),
    "negative.json": results_text(queries=-3),
    "a-file": "",
}
RUN = ("run", *QUICK)
CASES = {
    "unknown-scenario": Case(
        (*RUN, "-k", "get_paymnts_by_status", "--out", "{tmp}/out"),
        "querybench: error: unknown scenario 'get_paymnts_by_status'; did you mean"
        " routes.get_payments_by_status, PaymentRepository.get_payments_by_status,"
        " PaymentRepository.get_user_payments_by_status?",
    ),
    "malformed-url": Case(
        (*RUN, "--db", "postgresql://bench@127.0.0.1:fivefourthreetwo/bench", "--out", "{tmp}/o"),
        "querybench: error: cannot parse the database URL: expected"
        " dialect+driver://user:password@host/database",
    ),
    "unknown-dialect": Case(
        (*RUN, "--db", "nosuchdb://bench@127.0.0.1/bench", "--out", "{tmp}/out"),
        "querybench: error: nosuchdb://bench@127.0.0.1/bench: no SQLAlchemy dialect 'nosuchdb'"
        " is installed",
    ),
    "missing-driver": Case(
        (*RUN, "--db", f"{DRIVER}://bench@127.0.0.1/bench", "--out", "{tmp}/out"),
        f"querybench: error: {DRIVER}://bench@127.0.0.1/bench: cannot use this URL:"
        f" ModuleNotFoundError: No module named '{DRIVER_MODULE}'",
    ),
    "unreachable-server": Case(
        (*RUN, "--db", "postgresql+psycopg://bench@127.0.0.1:1/bench", "--out", "{tmp}/out"),
        "querybench: error: postgresql+psycopg://bench@127.0.0.1:1/bench: cannot build:"
        ' OperationalError: connection failed: connection to server at "127.0.0.1", port 1'
        " failed: Connection refused Is the server running on that host and accepting TCP/IP"
        " connections?",
    ),
    "malformed-spec": Case(
        ("run", "--dataset", "{tmp}/bad.toml", "--out", "{tmp}/out"),
        "querybench: error: {tmp}/bad.toml: not valid TOML: Illegal character '\\n'"
        " (at line 1, column 15)",
    ),
    "spec-not-utf8": Case(
        ("run", "--dataset", "{tmp}/latin1.toml", "--out", "{tmp}/out"),
        "querybench: error: {tmp}/latin1.toml: not valid TOML: not UTF-8 text (byte 11)",
    ),
    "wrong-schema-spec": Case(
        ("datasets", "{tmp}/wrong.toml"),
        "querybench: error: {tmp}/wrong.toml: key 'users': expected a positive integer, got 'many'",
    ),
    "unknown-dataset": Case(
        ("run", "--dataset", "tinny", "--out", "{tmp}/out"),
        "querybench: error: unknown dataset 'tinny': known datasets are large, medium, small,"
        " tiny (or give the path of a .toml spec)",
    ),
    "unknown-dataset-to-build": Case(
        ("datasets", "huge"),
        "querybench: error: unknown dataset 'huge': known datasets are large, medium, small,"
        " tiny (or give the path of a .toml spec)",
    ),
    "results-not-json": Case(
        ("report", "{tmp}/prose.json"),
        "querybench: error: {tmp}/prose.json: not JSON (Expecting value: line 1 column 1 (char 0))",
    ),
    "results-not-utf8": Case(
        ("report", "{tmp}/latin1.json"),
        "querybench: error: {tmp}/latin1.json: cannot read (UnicodeDecodeError: 'utf-8' codec"
        " can't decode byte 0xe9 in position 26: invalid continuation byte)",
    ),
    "results-wrong-schema": Case(
        ("report", "{tmp}/future.json"),
        "querybench: error: {tmp}/future.json: unsupported results schema 99;"
        " this querybench reads 1..1",
    ),
    "results-wrong-type": Case(
        ("report", "{tmp}/typed.json"),
        "querybench: error: {tmp}/typed.json.cells[0].size: expected int, got str",
    ),
    "results-impossible-value": Case(
        ("report", "{tmp}/negative.json"),
        "querybench: error: {tmp}/negative.json.cells[0].queries: expected an integer from 0"
        " to 2**63 - 1, got -3",
    ),
    "results-missing": Case(
        ("report", "{tmp}/absent.json"),
        "querybench: error: {tmp}/absent.json: cannot read (FileNotFoundError: [Errno 2] No"
        " such file or directory: '{tmp}/absent.json')",
    ),
    "output-under-a-file": Case(
        (*RUN, "--out", "{tmp}/a-file/out"),
        "querybench: error: cannot write to output folder {tmp}/a-file/out: Not a directory",
    ),
    "size-not-in-probes": Case(
        (*RUN, "--sizes", "1,7,1000", "--out", "{tmp}/out"),
        "querybench: error: dataset 'tiny' has probes for sizes [1, 10, 100], not [7, 1000];"
        " choose sizes from that list or add them to the spec's 'sizes'",
    ),
    "negative-rtt": Case(
        (*RUN, "--rtt", "-5", "--out", "{tmp}/out"),
        "querybench: error: --rtt must be zero or more milliseconds, got -5",
    ),
    "unknown-option": Case(
        ("run", "--dtaset", "tiny"),
        "querybench: error: No such option '--dtaset'. (Did you mean one of: '--dataset',"
        " '--rtt'?) (see 'querybench run --help')",
    ),
    "option-out-of-range": Case(
        ("run", "--rounds", "0"),
        "querybench: error: Invalid value for '--rounds': 0 is not in the range x>=1."
        " (see 'querybench run --help')",
    ),
    "sizes-not-numbers": Case(
        ("run", "--sizes", "ten"),
        "querybench: error: Invalid value: expected sizes like 1,10,100, got 'ten'"
        " (see 'querybench run --help')",
    ),
    "unknown-command": Case(
        ("bench",),
        "querybench: error: No such command 'bench'. (see 'querybench --help')",
    ),
}


@pytest.fixture
def files(tmp_path: Path) -> Callable[[Case], tuple[list[str], str]]:
    """Write the input files; returns a function giving a case's argv and expected line."""
    for name, text in FILES.items():
        data = text if isinstance(text, bytes) else text.encode()
        (tmp_path / name).write_bytes(data)

    def resolve(case: Case) -> tuple[list[str], str]:
        return [arg.format(tmp=tmp_path) for arg in case.args], case.line.format(tmp=tmp_path)

    return resolve


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_in_process_one_line_and_exit_2(
    case: Case,
    files: Callable[[Case], tuple[list[str], str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, line = files(case)
    assert main(args) == 2
    captured = capsys.readouterr()
    assert_one_error_line(captured.err)
    assert captured.err == line + "\n"
    assert captured.out == ""


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_in_process_debug_raises_with_the_same_message(
    case: Case, files: Callable[[Case], tuple[list[str], str]]
) -> None:
    args, line = files(case)
    with pytest.raises((QuerybenchError, click.ClickException)) as caught:
        main(["--debug", *args])
    message = str(caught.value)
    if isinstance(caught.value, click.ClickException):
        message = caught.value.format_message()
    assert " ".join(message.split()) in line


def test_debug_is_accepted_after_the_command_too(
    files: Callable[[Case], tuple[list[str], str]],
) -> None:
    args, _ = files(CASES["negative-rtt"])
    with pytest.raises(QuerybenchError, match="--rtt must be zero or more milliseconds"):
        main([*args, "--debug"])


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_as_a_command_one_line_and_exit_2(
    case: Case, files: Callable[[Case], tuple[list[str], str]], querybench: Querybench
) -> None:
    args, line = files(case)
    done = querybench(*args)
    assert (done.returncode, done.stderr, done.stdout) == (2, line + "\n", "")


@pytest.mark.parametrize("name", ["unknown-scenario", "results-wrong-type", "unknown-option"])
def test_as_a_command_debug_prints_the_traceback(
    name: str, files: Callable[[Case], tuple[list[str], str]], querybench: Querybench
) -> None:
    args, line = files(CASES[name])
    done = querybench("--debug", *args)
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):")
    last = done.stderr.splitlines()[-1]
    assert last.split(": ", 1)[1] in line
