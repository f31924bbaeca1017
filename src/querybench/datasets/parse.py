"""Reading a dataset spec from TOML: each problem is one ``SpecError`` line naming file and key."""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from querybench.datasets.spec import (
    DatasetSpec,
    PaymentsPerUser,
    PlanSpec,
    StatusMix,
    probe_shortfalls,
)
from querybench.errors import SpecError
from querybench.payments.models import PaymentStatus

TOP_KEYS = (
    "name",
    "seed",
    "users",
    "payments",
    "active_ratio",
    "sizes",
    "payments_per_user",
    "status_mix",
    "plans",
)
PER_USER_KEYS = ("skew", "without_payments")
STATUS_KEYS = tuple(status.value for status in PaymentStatus)
PLAN_KEYS = ("name", "price", "currency", "interval", "share")

_NAME = re.compile(r"[A-Za-z0-9_-]+")
_CURRENCY = re.compile(r"[A-Z]{3}")
_SPANS: dict[str, Callable[[float], bool]] = {
    "[0, 1]": lambda number: 0.0 <= number <= 1.0,
    "(0, 1]": lambda number: 0.0 < number <= 1.0,
    "[0, 1)": lambda number: 0.0 <= number < 1.0,
    "[0, inf)": lambda number: number >= 0.0,
}
# Row ids and sizes are INTEGER columns on every backend; seeds are what TOML itself holds.
_MAX_COUNT = 2**31 - 1
_MAX_SEED = 2**63 - 1
# Numeric(10, 2) in the models: at most 8 digits before the point.
_MAX_PRICE = Decimal("99999999.99")


def _shown(value: object) -> str:
    """A value for a message: its repr, cut short (a fuzzed or mistaken value may be huge)."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _key(key: object) -> str:
    """A key as a message shows it: a quoted TOML key may hold a newline or be any length."""
    text = str(key)
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= 40 else f"{text[:37]}..."


def shown_path(path: Path) -> str:
    """The path as the user would type it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Reader:
    """Checks the values of one spec file, raising ``SpecError`` at the first problem."""

    def __init__(self, path: Path) -> None:
        self.where = shown_path(path)

    def fail(self, key: str, problem: str) -> SpecError:
        return SpecError(f"{self.where}: key '{key}': {problem}")

    def table(self, document: Mapping[str, Any], prefix: str, keys: tuple[str, ...]) -> None:
        """Refuse unknown and missing keys of one TOML table."""
        for key in document:
            if key not in keys:
                known = ", ".join(keys)
                raise self.fail(prefix + _key(key), f"unknown key (expected one of: {known})")
        for key in keys:
            if key not in document:
                raise self.fail(prefix + key, "missing")

    def integer(self, value: object, key: str, *, minimum: int, maximum: int = _MAX_COUNT) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            if value <= maximum:
                return value
            raise self.fail(key, f"expected at most {maximum:,}, got {_shown(value)}")
        kind = "a positive integer" if minimum == 1 else "a non-negative integer"
        raise self.fail(key, f"expected {kind}, got {_shown(value)}")

    def number(self, value: object, key: str, span: str) -> float:
        """A float or integer inside ``span``, one of the intervals in ``_SPANS``."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an integer too large for a float
                number = math.inf
            if math.isfinite(number) and _SPANS[span](number):
                return number
        raise self.fail(key, f"expected a number in {span}, got {_shown(value)}")

    def text(self, value: object, key: str, pattern: re.Pattern[str], what: str) -> str:
        if isinstance(value, str) and pattern.fullmatch(value):
            return value
        raise self.fail(key, f"expected {what}, got {_shown(value)}")


def parse_spec(document: Mapping[str, Any], path: Path) -> DatasetSpec:
    """Validate a parsed TOML document and freeze it into a ``DatasetSpec``."""
    read = _Reader(path)
    if not isinstance(document, Mapping):
        raise SpecError(f"{read.where}: expected a table of keys, got {type(document).__name__}")
    read.table(document, "", TOP_KEYS)
    name = read.text(document["name"], "name", _NAME, "a name of letters, digits, '-' or '_'")
    seed = read.integer(document["seed"], "seed", minimum=0, maximum=_MAX_SEED)
    users = read.integer(document["users"], "users", minimum=1)
    payments = read.integer(document["payments"], "payments", minimum=1)
    active_ratio = read.number(document["active_ratio"], "active_ratio", "(0, 1]")
    sizes = _sizes(read, document["sizes"])
    per_user = _payments_per_user(read, document["payments_per_user"])
    status_mix = _status_mix(read, document["status_mix"])
    plans = _plans(read, document["plans"])
    spec = DatasetSpec(
        name=name,
        seed=seed,
        users=users,
        payments=payments,
        active_ratio=active_ratio,
        sizes=sizes,
        payments_per_user=per_user,
        status_mix=status_mix,
        plans=plans,
        path=path,
    )
    problems = probe_shortfalls(spec)
    if problems:
        raise read.fail("sizes", problems[0])
    return spec


def read_spec_file(path: Path) -> DatasetSpec:
    """Read and validate one spec file."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise SpecError(f"{shown_path(path)}: cannot read: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{shown_path(path)}: not valid TOML: {error}") from error
    except UnicodeDecodeError as error:
        raise SpecError(
            f"{shown_path(path)}: not valid TOML: not UTF-8 text (byte {error.start})"
        ) from error
    return parse_spec(document, path)


def _sizes(read: _Reader, value: object) -> tuple[int, ...]:
    what = "a non-empty list of increasing positive integers"
    if not isinstance(value, list) or not value:
        raise read.fail("sizes", f"expected {what}, got {_shown(value)}")
    sizes = tuple(read.integer(size, "sizes", minimum=1) for size in value)
    if any(later <= earlier for earlier, later in itertools.pairwise(sizes)):
        raise read.fail("sizes", f"expected {what}, got {_shown(list(sizes))}")
    return sizes


def _sub_table(read: _Reader, value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise read.fail(key, f"expected a table [{key}], got {_shown(value)}")
    return value


def _payments_per_user(read: _Reader, value: object) -> PaymentsPerUser:
    table = _sub_table(read, value, "payments_per_user")
    read.table(table, "payments_per_user.", PER_USER_KEYS)
    skew = read.number(table["skew"], "payments_per_user.skew", "[0, inf)")
    without = read.number(
        table["without_payments"],
        "payments_per_user.without_payments",
        "[0, 1)",
    )
    return PaymentsPerUser(skew=skew, without_payments=without)


def _status_mix(read: _Reader, value: object) -> StatusMix:
    table = _sub_table(read, value, "status_mix")
    read.table(table, "status_mix.", STATUS_KEYS)
    fractions = {key: read.number(table[key], f"status_mix.{key}", "[0, 1]") for key in STATUS_KEYS}
    total = math.fsum(fractions.values())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        terms = " + ".join(f"{key} {fraction:g}" for key, fraction in fractions.items())
        raise read.fail("status_mix", f"fractions must sum to 1, got {total:g} ({terms})")
    return StatusMix(**fractions)


def _plans(read: _Reader, value: object) -> tuple[PlanSpec, ...]:
    if not isinstance(value, list) or not value:
        raise read.fail(
            "plans", f"expected a non-empty array of tables [[plans]], got {_shown(value)}"
        )
    plans: list[PlanSpec] = []
    for index, entry in enumerate(value):
        key = f"plans[{index}]"
        table = _sub_table(read, entry, key)
        read.table(table, f"{key}.", PLAN_KEYS)
        name = read.text(table["name"], f"{key}.name", re.compile(r".{1,64}"), "1 to 64 characters")
        if any(plan.name == name for plan in plans):
            raise read.fail(f"{key}.name", f"duplicate plan name {name!r}")
        plans.append(
            PlanSpec(
                name=name,
                price=_price(read, table["price"], f"{key}.price"),
                currency=read.text(
                    table["currency"], f"{key}.currency", _CURRENCY, "3 capital letters like 'USD'"
                ),
                interval=read.text(
                    table["interval"],
                    f"{key}.interval",
                    re.compile(r"\w{1,16}"),
                    "a word like 'month'",
                ),
                share=read.number(table["share"], f"{key}.share", "[0, 1]"),
            )
        )
    total = math.fsum(plan.share for plan in plans)
    if total > 1.0 + 1e-9:
        raise read.fail(
            "plans", f"shares must sum to at most 1 (the rest have no plan), got {total:g}"
        )
    return tuple(plans)


def _price(read: _Reader, value: object, key: str) -> Decimal:
    what = 'a decimal string with at most 2 places like "9.99"'
    if isinstance(value, str):
        try:
            price = Decimal(value)
        except InvalidOperation:
            pass
        else:
            exponent = price.as_tuple().exponent
            if price.is_finite() and isinstance(exponent, int) and exponent >= -2:
                if Decimal(0) <= price <= _MAX_PRICE:
                    return price.quantize(Decimal("0.01"))
                raise read.fail(
                    key, f"expected a price from 0 to {_MAX_PRICE}, got {_shown(value)}"
                )
    raise read.fail(key, f"expected {what}, got {_shown(value)}")
