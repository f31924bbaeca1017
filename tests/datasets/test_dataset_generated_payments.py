"""Payments' tiny built by the generic generator keeps every payments probe, on every backend.

The probe tests of ``test_dataset_probes`` run again here, with ``tiny_built`` overridden by
the generated build.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from querybench.datasets import BuiltDataset, DatasetSpec
from querybench.datasets.payments_generated import build_generated_payments

_spec = importlib.util.spec_from_file_location(
    "hand_written_probe_tests", Path(__file__).with_name("test_dataset_probes.py")
)
assert _spec is not None
assert _spec.loader is not None
_probe_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_probe_tests)
globals().update(
    {name: value for name, value in vars(_probe_tests).items() if name.startswith("test_")}
)
conn = _probe_tests.conn


@pytest.fixture(scope="module", params=["sqlite", "postgres", "mysql"])
def tiny_built(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    scratch_database: Callable[[str], URL],
    tiny_spec: DatasetSpec,
) -> BuiltDataset:
    """The tiny spec built by the generic generator, once per backend."""
    if request.param == "sqlite":
        url = make_url(f"sqlite:///{tmp_path_factory.mktemp('gen') / 'tiny.sqlite'}")
    else:
        url = scratch_database(request.param)
    return build_generated_payments(tiny_spec, url, cache_dir=tmp_path_factory.mktemp("c"))


def test_the_generated_build_gives_the_same_digest_on_every_backend(
    tiny_built: BuiltDataset, tiny_spec: DatasetSpec, tmp_path: Path
) -> None:
    reference = build_generated_payments(tiny_spec, f"sqlite:///{tmp_path / 'r.db'}")
    assert tiny_built.digest == reference.digest
    assert tiny_built.probes == reference.probes
    assert tiny_built.row_counts == {"payments": 1000, "pricing_plans": 5, "users": 200}
