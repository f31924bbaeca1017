"""Scenarios: one operation implemented one or several ways (variants) that must return equal data.

A registry is an object, so two suites never see each other's scenarios. Shape is checked
when a scenario is added, not when it runs: a name ``<Owner>.<operation>``, at least one
variant, and ``naive`` and ``eager`` as a pair (the before/after table compares those two).
A scenario with a single variant ("the code as it is") is measured, counted and gated like
any other; it has no speedup to report.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy.orm import Session

from querybench.errors import ScenarioError

InputsT = TypeVar("InputsT")
ExpectedGrowth = Literal["constant", "linear"]
#: The pair the before/after table compares; a scenario that has one of them needs the other.
PAIRED_VARIANTS = ("naive", "eager")
REQUIRED_VARIANTS = PAIRED_VARIANTS  # the name other modules imported before single variants
_VARIANT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_GROWTHS = ("constant", "linear")


@dataclass(frozen=True)
class Variant(Generic[InputsT]):
    """One implementation: runs in the Session it is given and returns plain serialised data.

    ``growth`` is how its statement count is expected to grow with N (None: not stated); the
    gate judges the measured growth against the baseline either way.
    """

    name: str
    run: Callable[[Session, InputsT], object]
    growth: ExpectedGrowth | None = None
    description: str = ""


@dataclass(frozen=True)
class Scenario(Generic[InputsT]):
    """An operation, how its inputs are picked for a size N, and its variants.

    ``prepare(session, n)`` runs before any timing and returns the inputs every variant gets;
    the dataset guarantees that the operation then returns or touches exactly N primary rows.
    ``sizes`` pins the sizes that make sense (``(1,)`` for a single-row lookup); None means
    the dataset's whole sweep. A scenario that ``writes`` is always rolled back after a round.
    """

    name: str
    description: str
    size_meaning: str
    prepare: Callable[[Session, int], InputsT]
    variants: Mapping[str, Variant[InputsT]]
    sizes: tuple[int, ...] | None = None
    writes: bool = False
    tags: frozenset[str] = field(default_factory=frozenset)

    def sizes_in(self, sweep: Sequence[int]) -> list[int]:
        """The sizes of ``sweep`` this scenario runs at."""
        if self.sizes is None:
            return list(sweep)
        return [size for size in sweep if size in self.sizes] or list(self.sizes)

    @property
    def reference(self) -> str:
        """The variant every other must agree with: ``naive`` if present, else the first."""
        return "naive" if "naive" in self.variants else next(iter(self.variants))


def check_scenario(scenario: Scenario[Any]) -> None:
    """Raise ``ScenarioError`` naming what is wrong with ``scenario``'s shape, if anything."""
    where = f"scenario {scenario.name!r}"
    name: object = scenario.name  # user input: checked, whatever its annotation says
    if not isinstance(name, str) or "." not in name.strip(".") or name != name.strip():
        raise ScenarioError(
            f"{where}: name it '<Owner>.<operation>', "
            "for example 'PaymentRepository.get_payments_by_status'"
        )
    if not callable(scenario.prepare):
        raise ScenarioError(f"{where}: prepare is {scenario.prepare!r}, not a function")
    if not scenario.variants:
        raise ScenarioError(f"{where} has no variant; give at least one function to measure")
    if len(scenario.variants) > 1 and any(v in scenario.variants for v in PAIRED_VARIANTS):
        for required in PAIRED_VARIANTS:
            if required not in scenario.variants:
                raise ScenarioError(
                    f"{where} has no {required!r} variant (naive and eager come as a pair; "
                    f"it has {', '.join(scenario.variants)})"
                )
    for key, variant in scenario.variants.items():
        if not isinstance(variant, Variant):
            raise ScenarioError(f"{where}: variant {key!r} is {variant!r}, not a Variant")
        if key != variant.name:
            raise ScenarioError(f"{where}: variant registered as {key!r} is named {variant.name!r}")
        if not _VARIANT_NAME.fullmatch(key):
            raise ScenarioError(
                f"{where}: variant name {key!r} must be a word (letters, digits, _ or -)"
            )
        if not callable(variant.run):
            raise ScenarioError(f"{where}: variant {key!r} runs {variant.run!r}, not a function")
        if variant.growth is not None and variant.growth not in _GROWTHS:
            raise ScenarioError(
                f"{where}: variant {key!r} growth {variant.growth!r}; "
                "expected 'constant', 'linear' or None"
            )
    if scenario.sizes is not None and not positive_sizes(scenario.sizes):
        raise ScenarioError(f"{where}: sizes {scenario.sizes!r} must be positive integers")


def positive_sizes(sizes: Sequence[object]) -> bool:
    """Whether ``sizes`` is a non-empty run of positive integers (user input, so checked)."""
    return bool(sizes) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes
    )


class Registry:
    """An ordered set of scenarios, checked as they are added."""

    def __init__(self) -> None:
        self._scenarios: dict[str, Scenario[Any]] = {}

    def add(self, scenario: Scenario[InputsT]) -> Scenario[InputsT]:
        """Register ``scenario``; a malformed one or a duplicate name is a ``ScenarioError``."""
        check_scenario(scenario)
        if scenario.name in self._scenarios:
            raise ScenarioError(f"scenario {scenario.name!r} is registered twice")
        self._scenarios[scenario.name] = scenario
        return scenario

    def get(self, name: str) -> Scenario[Any]:
        """The scenario called ``name``; an unknown name suggests the closest ones."""
        try:
            return self._scenarios[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._scenarios), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ScenarioError(f"unknown scenario {name!r}{hint}") from None

    def select(self, pattern: str | None = None) -> list[Scenario[Any]]:
        """Scenarios matching ``pattern`` (all when None), in registration order.

        The pattern is one or more alternatives separated by ``|`` or ``,``; each selects
        the names that contain it (case-insensitive) or match it as a glob. An alternative
        that selects nothing is an error naming the closest scenarios, so a typo never turns
        into an empty, green run.
        """
        if not pattern:
            return list(self._scenarios.values())
        chosen: dict[str, Scenario[Any]] = {}
        for alternative in filter(None, (part.strip() for part in re.split(r"[|,]", pattern))):
            matched = self.matching(alternative)
            if not matched:
                self.get(alternative)  # raises, with suggestions
            chosen.update((scenario.name, scenario) for scenario in matched)
        return [scenario for name, scenario in self._scenarios.items() if name in chosen]

    def matching(self, alternative: str) -> list[Scenario[Any]]:
        """Scenarios whose name contains ``alternative`` (any case) or matches it as a glob."""
        return [
            scenario
            for name, scenario in self._scenarios.items()
            if alternative.lower() in name.lower() or fnmatch.fnmatchcase(name, alternative)
        ]

    def __iter__(self) -> Iterator[Scenario[Any]]:
        return iter(self._scenarios.values())

    def __len__(self) -> int:
        return len(self._scenarios)

    def __contains__(self, name: object) -> bool:
        return name in self._scenarios
