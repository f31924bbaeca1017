"""Which row source builds a suite's dataset for a run, given ``--dataset`` and ``--sizes``.

A suite names its dataset one of three ways: ``datasets=`` (named specs, chosen with
``--dataset``: payments), ``dataset=`` a ready row source, or ``dataset=`` a builder function
wrapped with ``callable_source`` over the suite's models, its probes planted for the run's sizes.
"""

from __future__ import annotations

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
    if dataset is not None:
        raise QuerybenchError(
            f"suite {suite.name!r} builds its own dataset; --dataset {dataset!r} applies only "
            "to suites with named datasets (the built-in payments suite)"
        )
    if suite.dataset is None:
        raise QuerybenchError(
            f"suite {suite.name!r}{_origin(suite)} names no dataset: give Suite(..., "
            "dataset=build) a function build(connection, context) that inserts its rows"
        )
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


def _origin(suite: Suite) -> str:
    return f" ({suite.origin})" if suite.origin else ""
