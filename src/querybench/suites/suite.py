"""``Suite``: a benchmark suite over one mapping — its models, how its dataset is built, and
its scenarios with their variants.

Shaped after SQLAlchemy's ``examples/performance`` (a suite per access pattern, each measured
function a plain function whose docstring's first line is its label), but as an object rather
than class-level state, so two suites never see each other's scenarios::

    suite = Suite("library", models=Base, dataset=build_library)

    def naive(session: Session, n: int) -> list[str]:
        \"\"\"Lazy loads: one SELECT of tags per book.\"\"\"
        ...

    def eager(session: Session, n: int) -> list[str]:
        \"\"\"selectinload(Book.tags): two SELECTs at any N.\"\"\"
        ...

    suite.scenario("BookRepository.books_with_tags", naive, eager, size_meaning="books")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

import sqlalchemy as sa
from sqlalchemy.orm import Session

from querybench.errors import ScenarioError
from querybench.scenarios.registry import (
    ExpectedGrowth,
    Registry,
    Scenario,
    Variant,
    positive_sizes,
)

if TYPE_CHECKING:
    from querybench.datasets.schema import SchemaSpec
    from querybench.datasets.source import BuilderFunction, RowSource

InputsT = TypeVar("InputsT")
DEFAULT_SIZES = (1, 10, 100)
"""The size sweep of a suite that names none: a single row, ten, a hundred."""


def first_line(text: str | None) -> str:
    """The first non-empty line of a docstring, stripped ('' for none)."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def size_itself(session: Session, size: int) -> int:
    """The default ``prepare``: the inputs are N itself (a LIMIT, a count of rows to write)."""
    return size


def metadata_of(models: object, where: str) -> sa.MetaData:
    """The ``MetaData`` of a declarative base (or the ``MetaData`` itself)."""
    if isinstance(models, sa.MetaData):
        return models
    metadata = getattr(models, "metadata", None)
    if not isinstance(metadata, sa.MetaData):
        raise ScenarioError(
            f"{where}: models={models!r} is neither a declarative Base nor a MetaData"
        )
    return metadata


class Suite:
    """A named set of scenarios over one mapping, with how its dataset is built.

    ``models`` is the declarative ``Base`` (or a ``MetaData``) whose tables the dataset holds.
    ``dataset`` is how rows get there: None (the default) generates seeded rows from the
    models, with probes for every relationship (``querybench.datasets.schema``; a
    ``SchemaSpec`` sets counts, overrides and fan-outs); a builder function
    ``fn(connection, context)`` inserts rows itself and returns the probes its scenarios read
    back (see ``callable_source``); or a ready row source. ``datasets``, instead, maps
    a ``--dataset NAME`` to a row source (payments' named specs; ``default_dataset`` is used
    when none is named). ``sizes`` is the sweep of N when the run names none.
    """

    def __init__(
        self,
        name: str,
        *,
        models: object,
        dataset: RowSource | BuilderFunction | SchemaSpec | None = None,
        datasets: Callable[[str], RowSource] | None = None,
        default_dataset: str | None = None,
        sizes: Iterable[int] = DEFAULT_SIZES,
        description: str = "",
    ) -> None:
        given: object = name  # user input: checked, whatever its annotation says
        if not isinstance(given, str) or not name.strip() or name != name.strip():
            raise ScenarioError(f"suite name {name!r}: give a non-empty name without spaces")
        self.name = name
        self.metadata = metadata_of(models, f"suite {name!r}")
        self.models = models
        if dataset is not None and datasets is not None:
            raise ScenarioError(f"suite {name!r}: give dataset= or datasets=, not both")
        if dataset is not None and not (
            callable(dataset) or hasattr(dataset, "write") or hasattr(dataset, "fanouts")
        ):
            raise ScenarioError(
                f"suite {name!r}: dataset={dataset!r} is neither a builder function "
                "fn(connection, context), a SchemaSpec nor a row source"
            )
        self.dataset = dataset
        self.datasets = datasets
        self.default_dataset = default_dataset
        self.sizes = tuple(sizes)
        if not positive_sizes(self.sizes):
            raise ScenarioError(f"suite {name!r}: sizes {sizes!r} must be positive integers")
        self.description = description
        self.registry = Registry()
        #: Where the suite was loaded from (a file, a module); discovery fills it in.
        self.origin = ""

    def add(self, scenario: Scenario[InputsT]) -> Scenario[InputsT]:
        """Register a ready ``Scenario``; a malformed one is a ``ScenarioError``."""
        return self.registry.add(scenario)

    @overload
    def scenario(
        self,
        name: str,
        *variants: Callable[[Session, int], object] | Variant[int],
        prepare: None = None,
        size_meaning: str = "",
        description: str = "",
        sizes: Iterable[int] | None = None,
        writes: bool = False,
        growth: Mapping[str, ExpectedGrowth] | None = None,
    ) -> Scenario[int]: ...

    @overload
    def scenario(
        self,
        name: str,
        *variants: Callable[[Session, InputsT], object] | Variant[InputsT],
        prepare: Callable[[Session, int], InputsT],
        size_meaning: str = "",
        description: str = "",
        sizes: Iterable[int] | None = None,
        writes: bool = False,
        growth: Mapping[str, ExpectedGrowth] | None = None,
    ) -> Scenario[InputsT]: ...

    def scenario(
        self,
        name: str,
        *variants: Callable[[Session, Any], object] | Variant[Any],
        prepare: Callable[[Session, int], Any] | None = None,
        size_meaning: str = "",
        description: str = "",
        sizes: Iterable[int] | None = None,
        writes: bool = False,
        growth: Mapping[str, ExpectedGrowth] | None = None,
    ) -> Scenario[Any]:
        """Register scenario ``name`` measured by ``variants``; returns the ``Scenario``.

        Each variant is a function ``fn(session, inputs)`` returning plain data (lists, dicts,
        numbers, strings: what a route would serialise), named by its ``__name__`` (``naive``,
        ``eager``, ``joined``...) with its docstring's first line as its label, or a
        ``Variant`` for another name. One variant is "the code as it is": measured, counted
        and gated, with no pair to compare. With several, each must return what the
        reference variant returns (``naive`` if present, else the first).

        ``prepare(session, n)`` picks the inputs for size N before any timing (default: N
        itself); ``description`` defaults to the first line of ``prepare``'s docstring.
        ``sizes`` pins the sizes that make sense (``(1,)`` for a single-row lookup);
        ``writes`` rolls every round back; ``growth`` states, per variant, how its statement
        count is expected to grow (``"constant"`` or ``"linear"``).
        """
        where = f"scenario {name!r}"
        chosen_prepare = size_itself if prepare is None else prepare
        built: dict[str, Variant[Any]] = {}
        for given in variants:
            variant = self._variant(given, where, growth or {})
            if variant.name in built:
                raise ScenarioError(f"{where}: two variants are named {variant.name!r}")
            built[variant.name] = variant
        unknown = sorted(set(growth or {}) - set(built))
        if unknown:
            raise ScenarioError(f"{where}: growth names no variant {', '.join(unknown)}")
        return self.add(
            Scenario(
                name=name,
                description=description or first_line(getattr(prepare, "__doc__", None)),
                size_meaning=size_meaning,
                prepare=chosen_prepare,
                variants=built,
                sizes=None if sizes is None else tuple(sizes),
                writes=writes,
            )
        )

    @staticmethod
    def _variant(
        given: Callable[[Session, Any], object] | Variant[Any],
        where: str,
        growth: Mapping[str, ExpectedGrowth],
    ) -> Variant[Any]:
        if isinstance(given, Variant):
            return given
        if not callable(given):
            raise ScenarioError(f"{where}: variant {given!r} is not a function")
        name = getattr(given, "__name__", "")
        if not name or name == "<lambda>":
            raise ScenarioError(
                f"{where}: a lambda has no name to be a variant by; use a def "
                "(naive, eager, ...) or Variant('name', fn)"
            )
        return Variant(name, given, growth.get(name), first_line(given.__doc__))

    def select(self, pattern: str | None = None) -> list[Scenario[Any]]:
        """The suite's scenarios matching ``pattern`` (see ``Registry.select``)."""
        return self.registry.select(pattern)

    def __iter__(self) -> Iterator[Scenario[Any]]:
        return iter(self.registry)

    def __len__(self) -> int:
        return len(self.registry)

    def __repr__(self) -> str:
        return f"Suite({self.name!r}, {len(self.registry)} scenarios)"
