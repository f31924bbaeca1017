"""The SQLite build cache: a second build of the same spec is a file copy."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from querybench.datasets import CACHE_ENV, DatasetSpec, build_dataset, content_digest
from querybench.datasets.cache import cache_key, cached_path
from querybench.errors import BackendError
from querybench.payments.models import Payment


def test_the_second_build_is_copied_from_the_cache(tiny_spec: DatasetSpec, tmp_path: Path) -> None:
    first = build_dataset(tiny_spec, cache_dir=tmp_path)
    second = build_dataset(tiny_spec, cache_dir=tmp_path)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.digest == first.digest
    assert second.probes == first.probes
    assert second.row_counts == first.row_counts
    assert second.url.database == str(tmp_path / "work" / "tiny.sqlite")
    assert sorted(path.name for path in (tmp_path / "datasets").iterdir()) == [
        f"tiny-{cache_key(tiny_spec)}.sqlite"
    ]


def test_the_cache_folder_comes_from_the_environment(
    tiny_spec: DatasetSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "elsewhere"))
    built = build_dataset(tiny_spec)
    assert built.url.database == str(tmp_path / "elsewhere" / "work" / "tiny.sqlite")
    assert cached_path(tmp_path / "elsewhere", tiny_spec).is_file()


def test_the_default_cache_folder_is_under_the_current_one(
    tiny_spec: DatasetSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.chdir(tmp_path)
    built = build_dataset(tiny_spec)
    assert built.url.database == str(tmp_path / ".querybench-cache" / "work" / "tiny.sqlite")


def test_a_modified_working_copy_is_restored_by_the_next_build(
    tiny_spec: DatasetSpec, tmp_path: Path, make_engine: Callable[[URL | str], Engine]
) -> None:
    built = build_dataset(tiny_spec, cache_dir=tmp_path)
    engine = make_engine(built.url)
    with engine.begin() as conn:
        conn.execute(sa.delete(Payment).where(Payment.id <= 10))
    assert content_digest(engine) != built.digest
    engine.dispose()
    again = build_dataset(tiny_spec, cache_dir=tmp_path)
    assert again.from_cache
    assert content_digest(make_engine(again.url)) == built.digest


def test_a_corrupt_cached_file_is_rebuilt(tiny_spec: DatasetSpec, tmp_path: Path) -> None:
    cached = cached_path(tmp_path, tiny_spec)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not a database")
    built = build_dataset(tiny_spec, cache_dir=tmp_path)
    assert not built.from_cache
    assert build_dataset(tiny_spec, cache_dir=tmp_path).digest == built.digest


def test_a_sqlite_file_named_by_url_is_filled_from_the_cache(
    tiny_spec: DatasetSpec, tmp_path: Path
) -> None:
    first = build_dataset(tiny_spec, f"sqlite:///{tmp_path / 'a.sqlite'}", cache_dir=tmp_path)
    second = build_dataset(tiny_spec, f"sqlite:///{tmp_path / 'b.sqlite'}", cache_dir=tmp_path)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.digest == first.digest
    assert second.url.database == str(tmp_path / "b.sqlite")


def test_the_cache_is_keyed_by_the_spec(tiny_spec: DatasetSpec, tmp_path: Path) -> None:
    reseeded = dataclasses.replace(tiny_spec, seed=99)
    assert cached_path(tmp_path, reseeded) != cached_path(tmp_path, tiny_spec)
    assert cached_path(tmp_path, dataclasses.replace(tiny_spec)) == cached_path(tmp_path, tiny_spec)


def test_a_missing_folder_is_refused(tiny_spec: DatasetSpec, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'x.sqlite'}"
    with pytest.raises(BackendError) as caught:
        build_dataset(tiny_spec, url)
    assert str(caught.value) == (
        f"{url}: cannot write: folder {tmp_path / 'nowhere'} does not exist"
    )


def test_a_file_that_is_not_a_database_is_refused_and_kept(
    tiny_spec: DatasetSpec, tmp_path: Path
) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("my notes")
    with pytest.raises(BackendError) as caught:
        build_dataset(tiny_spec, f"sqlite:///{path}")
    assert str(caught.value) == (
        f"sqlite:///{path}: cannot open: DatabaseError: file is not a database"
    )
    assert path.read_text() == "my notes"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(tiny_spec: DatasetSpec, url: str) -> None:
    with pytest.raises(BackendError) as caught:
        build_dataset(tiny_spec, url)
    shown = make_url(url).render_as_string(hide_password=True)
    assert str(caught.value) == (
        f"{shown}: an in-memory SQLite database dies with its connection;"
        " give a file instead, like sqlite:///bench.sqlite"
    )
