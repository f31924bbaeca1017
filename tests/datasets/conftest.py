"""Fixtures of the dataset tests: a private build cache, empty databases, tiny built per backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from querybench.datasets import CACHE_ENV, BuiltDataset, DatasetSpec, build_dataset, load_spec

BACKENDS = ["sqlite", "postgres", "mysql"]
# The content digest of fixtures/tiny.toml. If a change to the builder meant to change the rows,
# bump BUILDER_VERSION (so stale caches are not served) and paste the new digest here.
TINY_DIGEST = "528967459e3fa1fc2b3d7b217aea5dcb1914a21a50ec3d3078118f518cf2c847"


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test builds into a cache of this run, never the repository's."""
    root = tmp_path_factory.getbasetemp() / "cache"
    monkeypatch.setenv(CACHE_ENV, str(root))
    return root


@pytest.fixture(scope="session")
def tiny_digest() -> str:
    """The pinned content digest of the tiny dataset, the same on every backend."""
    return TINY_DIGEST


@pytest.fixture(scope="session")
def tiny_spec() -> DatasetSpec:
    """The committed tiny spec."""
    return load_spec("tiny")


def _empty_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory, scratch_database: Callable[[str], URL]
) -> URL:
    if backend == "sqlite":
        return make_url(f"sqlite:///{tmp_path_factory.mktemp('db') / 'empty.sqlite'}")
    return scratch_database(backend)


@pytest.fixture(params=BACKENDS)
def empty_database(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    scratch_database: Callable[[str], URL],
) -> URL:
    """An empty database of this test's own on each backend (servers: skipped when down)."""
    return _empty_database(request.param, tmp_path_factory, scratch_database)


@pytest.fixture(scope="session", params=BACKENDS)
def tiny_built(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    scratch_database: Callable[[str], URL],
    tiny_spec: DatasetSpec,
) -> BuiltDataset:
    """The tiny dataset built once per backend into a database of its own."""
    url = _empty_database(request.param, tmp_path_factory, scratch_database)
    return build_dataset(tiny_spec, url, cache_dir=tmp_path_factory.mktemp("tiny-cache"))
