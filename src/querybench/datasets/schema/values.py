"""Column values, a whole column at a time, from the column's type, checks and override.

Every column draws from a ``random.Random`` of its own, seeded by the spec's seed and the
column's name, so that adding a column leaves the others' values alone. Faker (seeded) fills
pools of values (names, emails, words) drawn from with the column's rng: calling Faker per row
would cost a million rows tens of seconds. Values are chosen to read back identically on
SQLite, PostgreSQL and MariaDB: whole-second naive datetimes, decimals of at most 15 digits,
floats that are multiples of 1/4, strings cut to the column's length with no trailing blanks.
"""

from __future__ import annotations

import itertools
import random
import re
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from faker import Faker

from querybench.datasets.schema.checks import ColumnRule
from querybench.datasets.schema.spec import (
    ChoicesOverride,
    ConstantOverride,
    FakerOverride,
    FunctionOverride,
    Override,
)
from querybench.errors import SpecError

EPOCH = datetime(2023, 1, 1)
PERIOD_SECONDS = 2 * 365 * 24 * 3600
POOL = 512

# Column name fragment -> Faker provider, first match wins.
_PROVIDERS = (
    ("email", "email"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("username", "user_name"),
    ("login", "user_name"),
    ("name", "name"),
    ("title", "sentence"),
    ("city", "city"),
    ("country", "country"),
    ("phone", "phone_number"),
    ("url", "url"),
    ("website", "url"),
    ("address", "street_address"),
    ("street", "street_address"),
    ("currency", "currency_code"),
    ("company", "company"),
    ("slug", "slug"),
    ("color", "color_name"),
    ("zip", "postcode"),
    ("postcode", "postcode"),
    ("description", "paragraph"),
    ("body", "paragraph"),
    ("content", "paragraph"),
    ("text", "paragraph"),
    ("comment", "sentence"),
    ("bio", "paragraph"),
)
_NOT_LOCAL = re.compile(r"[^a-z0-9]")


class Pools:
    """Faker pools by provider, filled once per build from one seeded Faker."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.pools: dict[tuple[str, int], list[Any]] = {}

    def pool(self, provider: str, size: int = POOL) -> list[Any]:
        """``size`` values of ``provider``, the same for the same seed."""
        key = (provider, size)
        if key not in self.pools:
            fake = Faker("en_US")
            # Seeded per provider: the pool of one provider does not depend on the others'.
            fake.seed_instance(f"{self.seed}/{provider}")
            method = getattr(fake, provider)
            self.pools[key] = [method() for _ in range(size)]
        return self.pools[key]


def check_provider(provider: str, where: str) -> None:
    """Raise a one-line ``SpecError`` when Faker has no such provider."""
    method = getattr(Faker("en_US"), provider, None)
    if not callable(method):
        raise SpecError(f"{where}: Faker has no provider {provider!r}")


def column_values(
    column: sa.Column[Any],
    count: int,
    rng: random.Random,
    pools: Pools,
    *,
    override: Override | None,
    rule: ColumnRule | None,
    unique: bool,
    null_ratio: float,
) -> list[Any]:
    """``count`` values for ``column``."""
    if override is not None:
        values = _overridden(column, count, rng, pools, override)
    elif rule is not None and rule.choices is not None:
        values = rng.choices(rule.choices, k=count)
    else:
        values = _typed(column, count, rng, pools, rule, unique=unique)
    if unique and isinstance(override, FakerOverride):
        values = _uniquified(column, values)
    elif unique and override is not None and len(set(values)) != len(values):
        raise SpecError(
            f"column {column.table.name}.{column.name}: unique, and its override repeats values"
        )
    if column.nullable and override is None and null_ratio > 0 and not unique:
        draws = [rng.random() for _ in range(count)]
        values = [
            None if draw < null_ratio else value for draw, value in zip(draws, values, strict=True)
        ]
    return values


def _overridden(
    column: sa.Column[Any], count: int, rng: random.Random, pools: Pools, override: Override
) -> list[Any]:
    if isinstance(override, ConstantOverride):
        return [override.value] * count
    if isinstance(override, ChoicesOverride):
        weights = list(override.weights) or None
        return rng.choices(override.choices, weights=weights, k=count)
    if isinstance(override, FakerOverride):
        return rng.choices(_fit(column, pools.pool(override.provider, override.pool)), k=count)
    assert isinstance(override, FunctionOverride)
    return [override.function(index, rng) for index in range(count)]


def _typed(
    column: sa.Column[Any],
    count: int,
    rng: random.Random,
    pools: Pools,
    rule: ColumnRule | None,
    *,
    unique: bool,
) -> list[Any]:
    kind = column.type
    if isinstance(kind, sa.Enum):
        return rng.choices(list(kind.enums), k=count)
    if isinstance(kind, sa.Boolean):
        return rng.choices((True, False), k=count)
    if isinstance(kind, sa.Integer):
        return _integers(kind, count, rng, rule, unique=unique)
    if isinstance(kind, sa.Float):
        low, high = _span(rule, 0, 1000)
        steps = int((high - low) * 4)
        return [float(low) + int(draw * (steps + 1)) / 4 for draw in _draws(rng, count)]
    if isinstance(kind, sa.Numeric):
        return _decimals(kind, count, rng, rule)
    if isinstance(kind, sa.DateTime):
        offsets = [int(draw * PERIOD_SECONDS) for draw in _draws(rng, count)]
        return list(map(EPOCH.__add__, map(timedelta, itertools.repeat(0), offsets)))
    if isinstance(kind, sa.Date):
        days = [EPOCH.date() + timedelta(days=day) for day in range(730)]
        return [days[int(draw * 730)] for draw in _draws(rng, count)]
    if isinstance(kind, sa.Time):
        return [time(*divmod(rng.randrange(1440), 60), rng.randrange(60)) for _ in range(count)]
    if isinstance(kind, sa.Uuid):
        made = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(count)]
        return made if kind.as_uuid else [value.hex for value in made]
    if isinstance(kind, sa.LargeBinary):
        return [rng.randbytes(min(kind.length or 16, 16)) for _ in range(count)]
    if isinstance(kind, sa.JSON):
        return [{"value": rng.randrange(1000)} for _ in range(count)]
    if isinstance(kind, sa.String):
        return _strings(column, count, rng, pools, unique=unique)
    if column.nullable:
        return [None] * count
    raise SpecError(
        f"column {column.table.name}.{column.name}: no generator for type {kind!r};"
        " give it an override (a constant, choices or a function)"
    )


def _span(rule: ColumnRule | None, low: int, high: int) -> tuple[Decimal, Decimal]:
    start = Decimal(low) if rule is None or rule.low is None else rule.low
    stop = Decimal(high) if rule is None or rule.high is None else rule.high
    if rule is not None and rule.low is not None and rule.high is None:
        stop = start + (high - low)
    if rule is not None and rule.high is not None and rule.low is None:
        start = stop - (high - low)
    return start, stop


def _integers(
    kind: sa.Integer, count: int, rng: random.Random, rule: ColumnRule | None, *, unique: bool
) -> list[int]:
    low, high = _span(rule, 0, 30000 if isinstance(kind, sa.SmallInteger) else 100_000)
    first = int(low) + (1 if rule is not None and rule.low_open else 0)
    last = int(high) - (1 if rule is not None and rule.high_open else 0)
    if unique:
        values = list(range(first, first + count))
        rng.shuffle(values)
        return values
    span = last - first + 1
    return [first + int(draw * span) for draw in _draws(rng, count)]


def _draws(rng: random.Random, count: int) -> list[float]:
    """``count`` floats in [0, 1): ``random()`` is several times cheaper than ``randint``."""
    draw = rng.random
    return [draw() for _ in range(count)]


def _decimals(
    kind: sa.Numeric[Any], count: int, rng: random.Random, rule: ColumnRule | None
) -> list[Decimal]:
    scale = kind.scale or 0
    # At most 15 significant digits: SQLite keeps NUMERIC as a double.
    digits = min((kind.precision or 10) - scale, 15 - scale, 6)
    low, high = _span(rule, 0, 10 ** max(digits, 1) - 1)
    unit = Decimal(1).scaleb(-scale)
    first = int(low.scaleb(scale)) + (1 if rule is not None and rule.low_open else 0)
    last = int(high.scaleb(scale)) - (1 if rule is not None and rule.high_open else 0)
    # One shared Decimal per drawn amount is cheaper than a million constructions.
    made: dict[int, Decimal] = {}

    def amount(steps: int) -> Decimal:
        if steps not in made:
            made[steps] = (Decimal(steps) * unit).quantize(unit)
        return made[steps]

    span = last - first + 1
    return [amount(first + int(draw * span)) for draw in _draws(rng, count)]


def _provider(name: str) -> str:
    lowered = name.lower()
    return next((provider for part, provider in _PROVIDERS if part in lowered), "word")


def _strings(
    column: sa.Column[Any], count: int, rng: random.Random, pools: Pools, *, unique: bool
) -> list[str]:
    provider = _provider(column.name)
    pool = pools.pool(provider)
    if unique and provider == "email":
        locals_ = [_NOT_LOCAL.sub("", str(value).split("@")[0].lower()) or "user" for value in pool]
        drawn = rng.choices(locals_, k=count)
        values = [f"{local}.{index}@example.com" for index, local in enumerate(drawn, start=1)]
        return _fit(column, values)
    # Cut the pool, not the column: a million values share a few hundred strings.
    values = rng.choices(_fit(column, pool), k=count)
    return _uniquified(column, values) if unique else values


def _length(column: sa.Column[Any]) -> int:
    length = getattr(column.type, "length", None)
    return length if isinstance(length, int) and length > 0 else 200


def _fit(column: sa.Column[Any], values: list[Any]) -> list[Any]:
    """Strings cut to the column's length, without the trailing blanks MariaDB would pad away."""
    if not isinstance(column.type, sa.String) or isinstance(column.type, sa.Enum):
        return values
    length = _length(column)

    def cut(value: Any) -> Any:
        return str(value)[:length].rstrip() if value is not None else None

    return list(map(cut, values))


def _uniquified(column: sa.Column[Any], values: list[Any]) -> list[Any]:
    """Values made unique by their row number (strings: a suffix; numbers: an offset)."""
    if isinstance(column.type, sa.String):
        length = _length(column)
        room = length - len(str(len(values))) - 1
        # Values short enough (nearly all) need no cut; the suffix keeps them unique.
        return [
            f"{value}-{index}" if len(value) <= room else f"{value[:room].rstrip()}-{index}"
            for index, value in enumerate(map(str, values), start=1)
        ]
    return list(range(1, len(values) + 1))
