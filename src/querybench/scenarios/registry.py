"""Scenarios: one operation implemented several ways (variants) that must return equal data.

A registry is an object, so two suites never see each other's scenarios. Pairing is checked
when a scenario is added, not when it runs: every scenario has a ``naive`` and an ``eager``
variant, and names follow ``<Owner>.<operation>``.
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
REQUIRED_VARIANTS = ("naive", "eager")


@dataclass(frozen=True)
class Variant(Generic[InputsT]):
    """One implementation: runs in the Session it is given and returns plain serialised data."""

    name: str
    run: Callable[[Session, InputsT], object]
    growth: ExpectedGrowth
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


class Registry:
    """An ordered set of scenarios, checked as they are added."""

    def __init__(self) -> None:
        self._scenarios: dict[str, Scenario[Any]] = {}

    def add(self, scenario: Scenario[InputsT]) -> Scenario[InputsT]:
        """Register ``scenario``; a missing naive/eager variant or a duplicate name is an error."""
        if "." not in scenario.name:
            raise ScenarioError(
                f"scenario {scenario.name!r}: name it '<Owner>.<operation>', "
                "for example 'PaymentRepository.get_payments_by_status'"
            )
        if scenario.name in self._scenarios:
            raise ScenarioError(f"scenario {scenario.name!r} is registered twice")
        for required in REQUIRED_VARIANTS:
            if required not in scenario.variants:
                raise ScenarioError(f"scenario {scenario.name!r} has no {required!r} variant")
        for key, variant in scenario.variants.items():
            if key != variant.name:
                raise ScenarioError(
                    f"scenario {scenario.name!r}: variant registered as {key!r} "
                    f"is named {variant.name!r}"
                )
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
            matched = {
                name: scenario
                for name, scenario in self._scenarios.items()
                if alternative.lower() in name.lower() or fnmatch.fnmatchcase(name, alternative)
            }
            if not matched:
                self.get(alternative)  # raises, with suggestions
            chosen.update(matched)
        return [scenario for name, scenario in self._scenarios.items() if name in chosen]

    def __iter__(self) -> Iterator[Scenario[Any]]:
        return iter(self._scenarios.values())

    def __len__(self) -> int:
        return len(self._scenarios)

    def __contains__(self, name: object) -> bool:
        return name in self._scenarios
