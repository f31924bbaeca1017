"""Finding dataset specs: a path to a ``.toml`` file, or a name: ``./fixtures``, then the package's.

The named specs (``tiny``, ``small``, ``medium``, ``large``) ship inside the package, so they are
found from any folder; a ``fixtures/<name>.toml`` in the current folder adds a name or overrides
a packaged one.
"""

from __future__ import annotations

import os
from pathlib import Path

from querybench.datasets.parse import read_spec_file
from querybench.datasets.spec import DatasetSpec
from querybench.errors import SpecError

PACKAGED_SPECS = Path(__file__).resolve().parent / "specs"
"""The named specs shipped in the package (package data, in the wheel)."""
REPOSITORY_FIXTURES = (
    PACKAGED_SPECS  # the former name (specs lived in fixtures/), for branches using it
)


def spec_folders() -> list[Path]:
    """Folders searched for named specs, first wins: ``./fixtures``, then the package's."""
    folders: list[Path] = []
    for folder in (Path.cwd() / "fixtures", PACKAGED_SPECS):
        if folder.is_dir() and all(folder.resolve() != seen.resolve() for seen in folders):
            folders.append(folder)
    return folders


def spec_paths() -> dict[str, Path]:
    """Every named spec, by file stem: ``specs/small.toml`` is ``small``."""
    paths: dict[str, Path] = {}
    for folder in spec_folders():
        for path in sorted(folder.glob("*.toml")):
            paths.setdefault(path.stem, path)
    return paths


def load_spec(name_or_path: str | Path) -> DatasetSpec:
    """Read a spec given as a path (ends with ``.toml``, names a file, or has a slash) or a name."""
    text = str(name_or_path)
    as_path = Path(text)
    if (
        isinstance(name_or_path, Path)
        or text.endswith(".toml")
        or os.sep in text
        or "/" in text
        or as_path.is_file()
    ):
        return read_spec_file(as_path)
    paths = spec_paths()
    if text in paths:
        return read_spec_file(paths[text])
    known = ", ".join(paths) if paths else "none found"
    raise SpecError(
        f"unknown dataset {text!r}: known datasets are {known} (or give the path of a .toml spec)"
    )


def available_specs() -> list[DatasetSpec]:
    """Every named spec, smallest first; a malformed one raises its ``SpecError``."""
    specs = [read_spec_file(path) for path in spec_paths().values()]
    return sorted(specs, key=lambda spec: (spec.users, spec.payments, spec.name))
