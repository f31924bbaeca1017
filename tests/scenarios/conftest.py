"""The tiny dataset, built once per backend for the scenario tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from querybench.datasets import BuiltDataset, build_dataset, load_spec


@pytest.fixture(scope="session", params=["sqlite", "postgres", "mysql"])
def tiny(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    scratch_database: Callable[[str], URL],
) -> BuiltDataset:
    """The ``tiny`` dataset on each backend, in a database of its own."""
    if request.param == "sqlite":
        folder: Path = tmp_path_factory.mktemp("tiny")
        url: URL | str = f"sqlite:///{folder / 'tiny.sqlite'}"
    else:
        url = scratch_database(request.param)
    return build_dataset(load_spec("tiny"), url)


@pytest.fixture(scope="session")
def tiny_engine(tiny: BuiltDataset) -> Iterator[Engine]:
    """An engine on the tiny dataset."""
    engine = sa.create_engine(tiny.url)
    yield engine
    engine.dispose()
