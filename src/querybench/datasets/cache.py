"""Where built SQLite datasets are cached, and how a file is put in place atomically.

The cache root is ``$QUERYBENCH_CACHE_DIR`` or else ``./.querybench-cache`` (git-ignored).
Built databases live in ``<root>/datasets/<name>-<key>.sqlite``, keyed by the source's
``cache_key()`` (for payments: the spec digest, ``BUILDER_VERSION`` and Faker's version, since a
new Faker may draw other names from the same seed); the default working copies that runs use
and may modify live in ``<root>/work/<name>.sqlite``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import faker

from querybench.datasets.generate import BUILDER_VERSION
from querybench.datasets.spec import DatasetSpec

if TYPE_CHECKING:
    from querybench.datasets.source import RowSource

CACHE_ENV = "QUERYBENCH_CACHE_DIR"
DEFAULT_CACHE_DIR = ".querybench-cache"


def cache_root(cache_dir: Path | None = None) -> Path:
    """The cache root: ``cache_dir``, else ``$QUERYBENCH_CACHE_DIR``, else ``.querybench-cache``."""
    if cache_dir is not None:
        return cache_dir
    return Path(os.environ.get(CACHE_ENV) or Path.cwd() / DEFAULT_CACHE_DIR)


def cache_key(spec: DatasetSpec) -> str:
    """What a cached build depends on, hashed: the spec, the builder and Faker's version."""
    identity = f"{spec.digest}\nbuilder {BUILDER_VERSION}\nfaker {faker.VERSION}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def cached_path(root: Path, source: RowSource | DatasetSpec) -> Path:
    """The cached build of a source (or a payments spec) under ``root``, present or not."""
    key = cache_key(source) if isinstance(source, DatasetSpec) else source.cache_key()
    return root / "datasets" / f"{source.name}-{key}.sqlite"


def working_copy_path(root: Path, name: str) -> Path:
    """The default SQLite file a build of the dataset ``name`` is copied to for use."""
    return root / "work" / f"{name}.sqlite"


def temporary_sibling(path: Path, purpose: str) -> Path:
    """A fresh name beside ``path`` for a file that will be renamed onto it."""
    return path.with_name(f".{path.name}.{purpose}-{os.getpid()}-{secrets.token_hex(4)}")


def copy_atomically(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` so that readers see the old file or the new, never half."""
    temporary = temporary_sibling(target, "copy")
    try:
        shutil.copyfile(source, temporary)
        temporary.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
