"""Fuzzing the readers: any input is either valid or refused with the one error type, in a line.

Arbitrary values find the type holes; documents mutated from a valid one (a value replaced or
deleted a few levels down) reach the checks deep inside. Fingerprinting has its own hypothesis
tests in tests/recorder/test_fingerprint.py.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reliability_checks import sample_results

from querybench.cli import main
from querybench.datasets import DatasetSpec, load_spec
from querybench.datasets.catalog import PACKAGED_SPECS
from querybench.datasets.parse import parse_spec
from querybench.datasets.spec import probe_shortfalls
from querybench.errors import ResultsError, SpecError
from querybench.report.sources import load_results
from querybench.runner.results import Results, results_from_json

TINY_TOML = (PACKAGED_SPECS / "tiny.toml").read_text(encoding="utf-8")
TINY = tomllib.loads(TINY_TOML)
RESULTS = json.loads(sample_results(2).to_json())
BENCHMARK = {
    "machine_info": {"python_version": "3.11.2", "system": "Linux", "cpu": {"count": 2}},
    "commit_info": {"id": "0123456789abcdef", "dirty": True},
    "datetime": "2025-01-01T00:00:00",
    "benchmarks": [
        {
            "name": "test_count[naive-10]",
            "extra_info": {
                "scenario": "QueryHelper.count",
                "variant": "naive",
                "size": 10,
                "backend": "sqlite",
                "queries": 1,
                "rows": 1,
            },
            "stats": {
                "median": 0.001,
                "q1": 0.0009,
                "iqr": 0.0002,
                "min": 0.0008,
                "mean": 0.001,
                "stddev": 0.0001,
                "rounds": 5,
            },
        }
    ],
}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# TOML's values (and JSON's): what a parsed document can hold.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["", "0", "1e400", "NaN", "9.999", "USD", "month", "tiny"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(document: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``document`` (dict keys and list indexes)."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with one to three values replaced by arbitrary ones, deleted, or keys added."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        *parents, last = draw(st.sampled_from(paths(document)[1:]))
        holder: Any = document
        for step in parents:
            holder = holder[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            holder[last] = draw(values)
        elif action == "delete" and isinstance(holder, dict):
            del holder[last]
        elif action == "add" and isinstance(holder, dict):
            holder[draw(st.text(max_size=10))] = draw(values)
        if not isinstance(document, dict):
            break
    return document


def assert_one_line(error: Exception) -> None:
    assert str(error).strip()
    assert "\n" not in str(error)


# -- dataset specs --------------------------------------------------------------------------


def check_spec(document: object, where: Path) -> None:
    try:
        spec = parse_spec(document, where)  # type: ignore[arg-type]
    except SpecError as error:
        assert_one_line(error)
        refused = str(error)
    else:
        refused = ""
    if refused:
        assert refused.startswith(f"{where}: ")
        return
    assert isinstance(spec, DatasetSpec)
    assert probe_shortfalls(spec) == []
    assert len(spec.digest) == 64


@FUZZ
@given(values)
def test_parse_spec_of_any_value_is_a_spec_or_a_spec_error(document: object) -> None:
    check_spec(document, Path("fuzz.toml"))


@FUZZ
@given(mutated(TINY))
def test_parse_spec_of_a_mutated_tiny_spec_is_a_spec_or_a_spec_error(
    document: dict[str, Any],
) -> None:
    check_spec(document, Path("fuzz.toml"))


def test_the_unmutated_tiny_spec_parses() -> None:
    assert parse_spec(TINY, Path("tiny.toml")).name == "tiny"


toml_lines = st.lists(
    st.sampled_from(TINY_TOML.splitlines())
    | st.text(max_size=30)
    | st.builds(
        lambda key, value: f"{key} = {value}",
        st.sampled_from([*TINY, "skew", "share", "price"]),
        st.text(max_size=12) | st.integers().map(str),
    ),
    max_size=40,
).map("\n".join)


@FUZZ
@given(st.text(max_size=200) | toml_lines | st.binary(max_size=100))
def test_load_spec_of_any_toml_text_is_a_spec_or_a_spec_error(
    tmp_path: Path, text: str | bytes
) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    try:
        spec = load_spec(path)
    except SpecError as error:
        assert_one_line(error)
        return
    assert probe_shortfalls(spec) == []


# -- results ----------------------------------------------------------------------------------


def check_results(read: Any, *args: Any) -> Results | None:
    try:
        results = read(*args)
    except ResultsError as error:
        assert_one_line(error)
        event("refused")
        return None
    event("read")
    assert isinstance(results, Results)
    # What a valid file reads as, it writes back and reads again the same.
    assert results_from_json(results.to_json(), "again") == results
    assert len(results.to_csv().splitlines()) >= 1 + len(results.cells)
    return results


@FUZZ
@given(values | mutated(RESULTS))
def test_results_from_json_of_any_value_is_results_or_a_results_error(document: object) -> None:
    check_results(results_from_json, json.dumps(document), "fuzz.json")


@FUZZ
@given(st.text(max_size=100) | st.binary(max_size=100).map(lambda b: b.decode("latin-1")))
def test_results_from_json_of_any_text_is_results_or_a_results_error(text: str) -> None:
    check_results(results_from_json, text, "fuzz.json")


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, "1" * 5000, '{"schema": 1, "cells": ' + "9" * 4400 + "}", "NaN", "-Infinity"],
    ids=["deep", "huge-int", "huge-int-inside", "nan", "-inf"],
)
def test_results_from_json_of_pathological_text_is_a_results_error(text: str) -> None:
    with pytest.raises(ResultsError):
        results_from_json(text, "fuzz.json")


@FUZZ
@given(values | mutated(RESULTS) | mutated(BENCHMARK))
def test_the_reports_reader_of_any_file_is_results_or_a_results_error(
    tmp_path: Path, document: object
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    check_results(load_results, path)


def test_the_unmutated_documents_read(tmp_path: Path) -> None:
    for name, document, cells in (("results", RESULTS, 2), ("bench", BENCHMARK, 1)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        assert len(load_results(path).cells) == cells


@settings(FUZZ, max_examples=100)
@given(values | mutated(RESULTS))
def test_querybench_report_of_any_json_exits_0_or_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: object
) -> None:
    path, html = tmp_path / "fuzz.json", tmp_path / "fuzz.html"
    path.write_text(json.dumps(document), encoding="utf-8")
    html.unlink(missing_ok=True)
    status = main(["report", str(path), "-o", str(html)])
    event(f"exit {status}")
    captured = capsys.readouterr()
    assert status in (0, 2)
    if status == 2:
        assert captured.err.startswith("querybench: error: ")
        assert captured.err.count("\n") == 1
        assert not html.exists()
    else:
        assert captured.err == ""
        assert "<html" in html.read_text(encoding="utf-8")
