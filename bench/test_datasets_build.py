"""How long a dataset takes to build on SQLite: from scratch, and again from the build cache.

    .venv/bin/pytest bench/test_datasets_build.py --benchmark-only

Targets on the project's 2-core machine: ``large`` (1.1 million rows) from scratch in under
30 s, that is over 35,000 rows/s; a rebuild from the cache in under 2 s. The numbers are
reported, not asserted: an absolute time says as much about the machine's other load as
about the code. Each benchmark's ``extra_info`` holds the rows and rows per second.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from querybench.datasets import BuiltDataset, build_dataset, load_spec

# Large from scratch takes about half a minute a round: one round is the measurement.
SCRATCH_ROUNDS = {"small": 3, "large": 1}


def record(benchmark: BenchmarkFixture, built: BuiltDataset) -> None:
    """Put what was built, and how fast, beside the timing."""
    benchmark.extra_info.update(
        rows=built.rows,
        row_counts=built.row_counts,
        build_seconds=round(built.seconds, 3),
        rows_per_second=round(built.rows / built.seconds),
        digest=built.digest,
        from_cache=built.from_cache,
    )


@pytest.mark.parametrize("name", ["small", "large"])
def test_build_from_scratch(benchmark: BenchmarkFixture, tmp_path: Path, name: str) -> None:
    """Generate, load, index and digest the dataset into a private SQLite file, then copy it."""
    spec = load_spec(name)
    cache = tmp_path / "cache"

    def empty_cache() -> tuple[tuple[Any, ...], dict[str, Any]]:
        shutil.rmtree(cache, ignore_errors=True)
        return (spec,), {"cache_dir": cache}

    built: BuiltDataset = benchmark.pedantic(
        build_dataset, setup=empty_cache, rounds=SCRATCH_ROUNDS[name], iterations=1
    )
    assert not built.from_cache
    assert built.row_counts["payments"] == spec.payments
    record(benchmark, built)


@pytest.mark.parametrize("name", ["small", "large"])
def test_rebuild_from_cache(benchmark: BenchmarkFixture, tmp_path: Path, name: str) -> None:
    """Replace the working copy by the cached build: the cost every run pays after the first."""
    spec = load_spec(name)
    warm = build_dataset(spec, cache_dir=tmp_path)  # untimed: fills the cache
    built: BuiltDataset = benchmark.pedantic(
        build_dataset, args=(spec,), kwargs={"cache_dir": tmp_path}, rounds=5, iterations=1
    )
    assert built.from_cache
    assert built.digest == warm.digest
    record(benchmark, built)
