"""Eager load usage as a tracking recorder reports it: what each eager load filled, what was read.

The records are filled by :class:`querybench.recorder.usage_tap.UsageTap`, which explains how.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from querybench.recorder.statement import CallSite

Pair = tuple[Any, str]
"""An object's ``InstanceState`` and a relationship key."""


@dataclass(frozen=True, slots=True)
class EagerLoadUsage:
    """One eager load (relationship, strategy, call site): how many objects it filled, and how
    many of those had the relationship read afterwards. ``configured`` is True when the strategy
    is the relationship's own (``relationship(lazy="joined")``): no option to drop then."""

    relationship: str
    strategy: str
    callsite: CallSite | None
    parents: int
    touched: int
    configured: bool = False

    @property
    def share(self) -> float:
        """The fraction of the filled objects whose relationship was read (0 to 1)."""
        return self.touched / self.parents if self.parents else 0.0

    @property
    def unused(self) -> bool:
        """No object read what this eager load fetched."""
        return self.touched == 0

    def __str__(self) -> str:
        where = f" at {self.callsite}" if self.callsite else ""
        head = f"{self.strategy} eager load of {self.relationship}{where}"
        if self.unused:
            none = f"none of its {self.parents} parents"
            if self.parents == 1:
                none = "its one parent did not"
            if self.configured:
                name = self.relationship
                return (
                    f"{head}: unused, {none} read it; the relationship loads it eagerly "
                    f'(relationship(lazy="{self.strategy}")): set lazy="select" on {name} and '
                    f"ask for it where it is read, or override it on this query with "
                    f"lazyload({name})"
                )
            return (
                f"{head}: unused, {none} read it; drop the option, or load the relationship "
                "where it is read"
            )
        return (
            f"{head}: {self.touched} of {_count(self.parents, 'parent')} read it ({self.share:.0%})"
        )


@dataclass(frozen=True, slots=True)
class CartesianLoad:
    """Joined eager loads of two or more collections side by side in one statement."""

    relationships: tuple[str, ...]
    callsite: CallSite | None
    rows: int
    parents: int

    @property
    def rows_per_parent(self) -> float:
        """Rows fetched per distinct parent: the product of the collections' sizes."""
        return self.rows / self.parents if self.parents else 0.0

    def __str__(self) -> str:
        where = f" at {self.callsite}" if self.callsite else ""
        head = (
            f"joined eager loads of {' and '.join(self.relationships)} in one statement{where}: "
            f"{_count(self.rows, 'row')} for {_count(self.parents, 'parent')}"
        )
        if self.rows <= self.parents:
            # no collection held more than one item here: the rows did not multiply yet
            return (
                f"{head} (no more than one row per parent with this data, but the rows multiply "
                "as the collections grow); load all but one of them with selectinload"
            )
        return (
            f"{head} ({self.rows_per_parent:.1f} rows per parent, a cartesian product); "
            "load all but one of them with selectinload"
        )


GroupKey = tuple[str, str, CallSite | None, bool]
"""Relationship, strategy, call site, and whether the strategy is the relationship's own."""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class UsageLog:
    """What one tracking recorder saw: the objects each eager load filled, and which were read."""

    def __init__(self) -> None:
        self._filled: dict[Pair, GroupKey] = {}
        self._touched: set[Pair] = set()
        self._cartesian: list[CartesianLoad] = []
        self.untracked = 0
        """ORM SELECTs not tracked because they stream their rows (yield_per, stream_results)."""

    def touch(self, pair: Pair) -> None:
        """Note a read of a relationship (called for every read of a tracked attribute)."""
        if pair in self._filled:
            self._touched.add(pair)

    def add(self, filled: Sequence[tuple[Pair, GroupKey]], cartesian: CartesianLoad | None) -> None:
        """Take what one statement's eager loaders filled."""
        for pair, key in filled:
            self._filled.setdefault(pair, key)
        if cartesian is not None:
            self._cartesian.append(cartesian)

    def eager_loads(self) -> tuple[EagerLoadUsage, ...]:
        """Every eager load seen, in the order they first ran."""
        parents = Counter(self._filled.values())
        touched = Counter(self._filled[pair] for pair in self._touched)
        return tuple(
            EagerLoadUsage(name, strategy, site, parents[key], touched[key], configured)
            for key in parents
            for name, strategy, site, configured in [key]
        )

    def cartesian_loads(self) -> tuple[CartesianLoad, ...]:
        """Statements that joined two or more collections side by side."""
        return tuple(self._cartesian)
