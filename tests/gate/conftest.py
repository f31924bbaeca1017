"""Real results to edit: the committed SQLite baseline, a real run of the tiny dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from querybench.runner.results import Results, read_results

BASELINES = Path(__file__).parents[2] / "src" / "querybench" / "baselines"


@pytest.fixture(scope="session")
def real() -> Results:
    """A real run of the tiny dataset on SQLite: the committed baseline (statements trimmed)."""
    return read_results(BASELINES / "sqlite.json")
