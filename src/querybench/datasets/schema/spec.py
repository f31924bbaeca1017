"""What the schema-driven generator builds: counts, overrides and fan-outs, in code or TOML.

In code::

    SchemaSpec(
        name="blog",
        seed=7,
        sizes=(1, 10, 100),
        counts={"users": 1000, "posts": 20000},
        overrides={"users": {"email": faker("email"), "role": "member",
                             "score": lambda index, rng: rng.randrange(100)}},
        fanouts={"User.posts": Fanout(mean=20, skew=1.5)},
    )

In TOML (``read_schema_spec(path)``)::

    name = "blog"
    seed = 7
    sizes = [1, 10, 100]
    [counts]
    users = 1000
    [overrides.users]
    email = { faker = "email" }
    role = { value = "member" }          # or a bare value: role = "member"
    tier = { choices = ["free", "pro"], weights = [3, 1] }
    [fanouts]
    "User.posts" = { mean = 20, skew = 1.5 }   # or a bare mean: "User.posts" = 20

A fan-out names a relationship (``Class.attr``) or a foreign key (``table.column``): its mean
sizes the child table when ``counts`` does not, its skew (sigma of a log-normal weight per
parent, 0 = every parent alike) spreads the children.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import random
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from querybench.errors import SpecError

#: A per-row function: ``fn(index, rng) -> value`` (index from 0 in insertion order).
ValueFunction = Callable[[int, random.Random], Any]


@dataclass(frozen=True)
class FakerOverride:
    """Draw the column from a Faker provider (a pool of ``pool`` values, drawn by the seed)."""

    provider: str
    pool: int = 1024


@dataclass(frozen=True)
class ChoicesOverride:
    """Draw the column from ``choices``, weighted by ``weights`` (equal when empty)."""

    choices: tuple[Any, ...]
    weights: tuple[float, ...] = ()


@dataclass(frozen=True)
class ConstantOverride:
    """Every row gets ``value``."""

    value: Any


@dataclass(frozen=True)
class FunctionOverride:
    """Every row gets ``function(index, rng)``."""

    function: ValueFunction


Override = FakerOverride | ChoicesOverride | ConstantOverride | FunctionOverride


def faker(provider: str, *, pool: int = 1024) -> FakerOverride:
    """Override a column with a Faker provider, like ``faker("email")``."""
    return FakerOverride(provider, pool)


def choices(
    values: list[Any] | tuple[Any, ...], weights: tuple[float, ...] = ()
) -> ChoicesOverride:
    """Override a column with weighted choices."""
    return ChoicesOverride(tuple(values), tuple(weights))


@dataclass(frozen=True)
class Fanout:
    """How many children a parent has: ``mean`` per parent, spread by ``skew``."""

    mean: float
    skew: float = 1.0


@dataclass(frozen=True)
class SchemaSpec:
    """A generated dataset: seed, sizes N, row counts, column overrides and fan-outs."""

    name: str
    seed: int = 0
    sizes: tuple[int, ...] = (1, 10, 100)
    counts: Mapping[str, int] = field(default_factory=dict)
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fanouts: Mapping[str, Fanout | float] = field(default_factory=dict)
    #: Rows of a table that neither ``counts`` nor a fan-out sizes.
    rows: int = 1000
    #: Fraction of NULLs in a nullable column without an override (foreign keys: none).
    null_ratio: float = 0.1
    #: Where it was read from, for messages; not part of its identity.
    path: Path | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """How messages name the spec: its file, else its name."""
        return str(self.path) if self.path is not None else f"spec {self.name!r}"

    def override(self, table: str, column: str) -> Override | None:
        """The column's override, normalised; None when it has none."""
        tables = self.overrides.get(table, {})
        if column not in tables:
            return None
        value = tables[column]
        if isinstance(value, FakerOverride | ChoicesOverride | ConstantOverride | FunctionOverride):
            return value
        if callable(value):
            return FunctionOverride(value)
        return ConstantOverride(value)

    def fanout(self, *names: str) -> Fanout | None:
        """The fan-out given under any of ``names`` (relationship or foreign key), if any."""
        for name in names:
            if name in self.fanouts:
                given = self.fanouts[name]
                return given if isinstance(given, Fanout) else Fanout(float(given))
        return None

    def canonical(self) -> str:
        """Everything the rows depend on, as text: what the build cache keys on."""
        overrides = {
            table: {column: _describe(self.override(table, column)) for column in columns}
            for table, columns in self.overrides.items()
        }
        fanouts = {name: _describe(self.fanout(name)) for name in self.fanouts}
        document = {
            "name": self.name,
            "seed": self.seed,
            "sizes": list(self.sizes),
            "counts": dict(self.counts),
            "overrides": overrides,
            "fanouts": fanouts,
            "rows": self.rows,
            "null_ratio": self.null_ratio,
        }
        return json.dumps(document, sort_keys=True, default=repr)

    @property
    def digest(self) -> str:
        """sha256 of ``canonical()``."""
        return hashlib.sha256(self.canonical().encode()).hexdigest()


def _describe(override: object) -> object:
    if isinstance(override, FunctionOverride):
        try:
            return inspect.getsource(override.function)
        except (OSError, TypeError):
            return getattr(override.function, "__qualname__", "function")
    return repr(override)


_TOP = ("name", "seed", "sizes", "counts", "overrides", "fanouts", "rows", "null_ratio", "models")


def read_schema_spec(path: Path) -> SchemaSpec:
    """Read a TOML spec; every problem is one ``SpecError`` line naming the file and key."""
    where = str(path)
    try:
        document = tomllib.loads(path.read_text())
    except OSError as error:
        raise SpecError(f"{where}: cannot read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{where}: not valid TOML: {error}") from None
    for key in document:
        if key not in _TOP:
            raise SpecError(f"{where}: unknown key {key!r} (known: {', '.join(_TOP)})")
    name = document.get("name", path.stem)
    seed = document.get("seed", 0)
    sizes = document.get("sizes", [1, 10, 100])
    if not isinstance(name, str) or not name:
        raise SpecError(f"{where}: name: expected a non-empty string, got {name!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise SpecError(f"{where}: seed: expected an integer, got {seed!r}")
    if not (isinstance(sizes, list) and sizes and all(_count(n) for n in sizes)):
        raise SpecError(f"{where}: sizes: expected a list of positive integers, got {sizes!r}")
    counts = _table(document, "counts", where)
    for table, count in counts.items():
        if not _count(count) and count != 0:
            raise SpecError(f"{where}: counts.{table}: expected a row count, got {count!r}")
    overrides = {
        table: {
            column: _override(value, f"{where}: overrides.{table}.{column}")
            for column, value in _table(columns, "", where, f"overrides.{table}").items()
        }
        for table, columns in _table(document, "overrides", where).items()
    }
    fanouts = {
        name: _fanout(value, f"{where}: fanouts.{name}")
        for name, value in _table(document, "fanouts", where).items()
    }
    rows = document.get("rows", 1000)
    null_ratio = document.get("null_ratio", 0.1)
    if not _count(rows):
        raise SpecError(f"{where}: rows: expected a positive integer, got {rows!r}")
    if not isinstance(null_ratio, int | float) or not 0 <= null_ratio <= 1:
        raise SpecError(f"{where}: null_ratio: expected a number in [0, 1], got {null_ratio!r}")
    return SchemaSpec(
        name=name,
        seed=seed,
        sizes=tuple(sorted(set(sizes))),
        counts=counts,
        overrides=overrides,
        fanouts=fanouts,
        rows=rows,
        null_ratio=float(null_ratio),
        path=path,
    )


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _table(document: Any, key: str, where: str, shown: str | None = None) -> dict[str, Any]:
    value = document.get(key, {}) if key else document
    if not isinstance(value, dict):
        raise SpecError(f"{where}: {shown or key}: expected a table, got {value!r}")
    return value


def _override(value: Any, where: str) -> Override:
    if not isinstance(value, dict):
        return ConstantOverride(value)
    kinds = [kind for kind in ("faker", "value", "choices") if kind in value]
    extra = set(value) - {"faker", "value", "choices", "weights", "pool"}
    if len(kinds) != 1 or extra:
        raise SpecError(f"{where}: expected one of faker = ..., value = ..., choices = [...]")
    if "faker" in value:
        if not isinstance(value["faker"], str):
            raise SpecError(f'{where}: faker: expected a provider name like "email"')
        return FakerOverride(value["faker"], int(value.get("pool", 1024)))
    if "value" in value:
        return ConstantOverride(value["value"])
    items, weights = value["choices"], value.get("weights", [])
    if not isinstance(items, list) or not items:
        raise SpecError(f"{where}: choices: expected a non-empty list")
    if weights and (
        len(weights) != len(items) or not all(isinstance(w, int | float) for w in weights)
    ):
        raise SpecError(f"{where}: weights: expected {len(items)} numbers, one per choice")
    return ChoicesOverride(tuple(items), tuple(float(w) for w in weights))


def _fanout(value: Any, where: str) -> Fanout:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return Fanout(float(value))
    if isinstance(value, dict) and set(value) <= {"mean", "skew"} and "mean" in value:
        mean, skew = value["mean"], value.get("skew", 1.0)
        if isinstance(mean, int | float) and isinstance(skew, int | float) and mean >= 0 <= skew:
            return Fanout(float(mean), float(skew))
    raise SpecError(f"{where}: expected a mean like 20 or {{ mean = 20, skew = 1.5 }}")
