"""The small payments dataset on every backend, in a database of its own, schema switchable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from querybench.datasets import build_dataset, load_spec
from querybench.plans.schema import apply_schema


@pytest.fixture(scope="module", params=["sqlite", "postgres", "mysql"])
def payments_engine(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    scratch_database: Callable[[str], URL],
) -> Iterator[Engine]:
    """An engine on the small dataset (5,000 users, 50,000 payments), built for this module."""
    name: str = request.param
    folder: Path = tmp_path_factory.mktemp(f"plans-{name}")
    url: URL | str = (
        f"sqlite:///{folder / 'small.sqlite'}" if name == "sqlite" else scratch_database(name)
    )
    built = build_dataset(load_spec("small"), url, cache_dir=tmp_path_factory.getbasetemp() / "c")
    engine = sa.create_engine(built.url)
    yield engine
    engine.dispose()


@pytest.fixture
def phase3(payments_engine: Engine) -> Iterator[Engine]:
    """The dataset on the seed's Phase 3.2 schema for one test, then back to today's."""
    apply_schema(payments_engine, "phase3")
    yield payments_engine
    apply_schema(payments_engine, "indexed")


@pytest.fixture
def indexed(payments_engine: Engine) -> Engine:
    """The dataset on today's indexed schema."""
    apply_schema(payments_engine, "indexed")
    return payments_engine
