"""Which row source builds a suite's dataset for a run, given ``--dataset`` and ``--sizes``.

A suite names its dataset one of four ways: ``datasets=`` (named specs, chosen with
``--dataset``: payments); ``dataset=`` a ready row source; ``dataset=`` a builder function
wrapped with ``callable_source`` over the suite's models, its probes planted for the run's
sizes; or nothing (or a ``SchemaSpec``): rows generated from the models by the schema-driven
generator, whose spec ``--dataset PATH.toml`` may also name.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from querybench.datasets import RowSource, callable_source
from querybench.errors import QuerybenchError
from querybench.suites.suite import Suite


def suite_source(
    suite: Suite, dataset: str | None = None, sizes: tuple[int, ...] | None = None
) -> RowSource:
    """The row source that builds ``suite``'s dataset for sizes ``sizes`` (None: its default)."""
    if suite.datasets is not None:
        name = dataset or suite.default_dataset
        if name is None:
            raise QuerybenchError(f"suite {suite.name!r}: choose a dataset with --dataset NAME")
        return _covering(suite, suite.datasets(name), sizes)
    from querybench.datasets.schema import SchemaSpec, read_schema_spec, schema_source

    if dataset is not None and (suite.dataset is None or isinstance(suite.dataset, SchemaSpec)):
        spec = read_schema_spec(Path(dataset))
        return _covering(suite, schema_source(suite.models, spec), sizes)
    if dataset is not None:
        raise QuerybenchError(
            f"suite {suite.name!r} builds its own dataset; --dataset {dataset!r} applies only "
            "to suites whose rows are generated, or that have named datasets (payments)"
        )
    if suite.dataset is None or isinstance(suite.dataset, SchemaSpec):
        spec = suite.dataset or SchemaSpec(name=suite.name, sizes=suite.sizes)
        return schema_source(suite.models, replace(spec, sizes=sizes) if sizes else spec)
    if hasattr(suite.dataset, "write"):
        source: RowSource = suite.dataset  # type: ignore[assignment]
        return _covering(suite, source, sizes)
    return callable_source(
        suite.metadata, suite.dataset, name=suite.name, sizes=sizes or suite.sizes
    )


def default_sizes(suite: Suite, source: RowSource) -> tuple[int, ...]:
    """The sweep of a run that names no sizes: the source's probe sizes."""
    return tuple(source.sizes) or suite.sizes


def _covering(suite: Suite, source: RowSource, sizes: tuple[int, ...] | None) -> RowSource:
    """``source``, after checking that its probes cover every size asked for."""
    missing = sorted(set(sizes or ()) - set(source.sizes))
    if missing:
        raise QuerybenchError(
            f"dataset {source.name!r} has probes for sizes {list(source.sizes)}, not "
            f"{missing}; choose sizes from that list or add them to the spec's 'sizes'"
        )
    return source
