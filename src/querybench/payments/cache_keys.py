"""Keys and tags of the query cache: ``cache_key()`` of a call, ``table_names()`` of models.

A key names the function and encodes its arguments by type, so it is the same in every
process; the tables an entry is tagged with are those of the models it was read from.
``QueryCache`` and ``@cached`` in ``cache.py`` use both.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import inspect
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_scoped_session
from sqlalchemy.orm import InstanceState, Mapper, Session, scoped_session
from sqlalchemy.sql.expression import TableClause

__all__ = ["ModelRef", "cache_key", "qualified_name", "table_names"]

ModelRef: TypeAlias = type[Any] | TableClause | str
"""What names the tables an entry depends on: a mapped class, a Table, or a table name."""

# Arguments that say where to run the query, not what it returns: left out of keys.
_BINDS = (
    *(Session, scoped_session, Connection, Engine),
    *(AsyncSession, async_scoped_session, AsyncConnection, AsyncEngine),
)
# Keyed by str(): each of these prints the same in every process, and differently per value.
_KEYED_BY_STR = (Decimal, uuid.UUID, dt.date, dt.time, dt.timedelta, bytes)
_JSON_SCALARS = (str, int, float, bool, type(None))
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def cache_key(
    func: Callable[..., object], args: Sequence[object], kwargs: Mapping[str, object]
) -> str:
    """Return ``module.qualname:<sha256>`` of the call, the same in every process.

    Session, Connection and Engine arguments (sync or async) are left out: they say where
    to run the query, not what it returns. Arguments are bound to the signature, so
    ``f(1)`` and ``f(x=1)`` share a key, and keyword order does not matter. Values are
    encoded by type, never by ``hash()`` (salted per process) or ``id()``: JSON scalars,
    Decimal, date/time, UUID, bytes, enums, classes, containers of these, and mapped
    instances by identity. Anything else raises TypeError. SHA-256 rather than the seed's
    MD5: both would do (the key needs stability, not secrecy), but FIPS builds refuse MD5.
    Functions defined inside another function share a qualname; cache module-level ones.
    """
    name = qualified_name(func)
    arguments: Mapping[str, object]
    try:
        bound = _signature(func).bind(*args, **kwargs)
    except (TypeError, ValueError):  # no signature, or args that do not fit: key them as given
        arguments, variadic = {"*": tuple(args), "**": dict(kwargs)}, {"*", "**"}
    else:
        arguments = bound.arguments
        variadic = {p.name for p in bound.signature.parameters.values() if p.kind in _VARIADIC}
    encoded = []
    for parameter, value in arguments.items():
        if _is_bind(value):
            continue
        if parameter in variadic:  # *args and **kwargs may hold a Session too
            if isinstance(value, tuple):
                value = [item for item in value if not _is_bind(item)]
            elif isinstance(value, dict):
                value = {key: item for key, item in value.items() if not _is_bind(item)}
        encoded.append([parameter, _canonical(value, f"{name}({parameter}=...)")])
    text = json.dumps([name, encoded], ensure_ascii=False, separators=(",", ":"))
    return f"{name}:{hashlib.sha256(text.encode()).hexdigest()}"


def qualified_name(func: Callable[..., object]) -> str:
    """Return ``module.qualname`` of func, which names it the same in every process."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise TypeError(f"cannot cache {func!r}: it has no __module__ and __qualname__")
    return f"{module}.{qualname}"


def table_names(targets: ModelRef | Iterable[ModelRef]) -> frozenset[str]:
    """Return the table names of a mapped class (all its tables), a Table, a name, or several."""
    if isinstance(targets, str | type | TableClause):
        targets = (targets,)
    names: set[str] = set()
    for target in targets:
        if isinstance(target, str) and target:
            names.add(target)
        elif isinstance(target, TableClause):
            names.add(target.fullname)
        elif isinstance(mapper := sa.inspect(target, raiseerr=False), Mapper):
            names.update(table.fullname for table in mapper.tables)
        else:
            raise TypeError(f"{target!r} is not a mapped class, a Table or a table name")
    return frozenset(names)


@functools.lru_cache(maxsize=1024)
def _signature(func: Callable[..., object]) -> inspect.Signature:
    return inspect.signature(func)


def _is_bind(value: object) -> bool:
    return isinstance(value, _BINDS)


def _canonical(value: object, where: str) -> object:
    """Encode value as JSON that differs whenever the value does: containers carry a type tag."""
    if isinstance(value, enum.Enum):  # before str/int: a StrEnum is also a str
        kind = type(value)
        return ["enum", f"{kind.__module__}.{kind.__qualname__}", _canonical(value.value, where)]
    if type(value) in _JSON_SCALARS:
        return value
    if isinstance(value, _KEYED_BY_STR):
        return [type(value).__name__, str(value)]
    if isinstance(value, list | tuple):
        return ["list", [_canonical(item, where) for item in value]]
    if isinstance(value, set | frozenset):
        return ["set", sorted((_canonical(item, where) for item in value), key=_json)]
    if isinstance(value, Mapping):
        pairs = [[_canonical(k, where), _canonical(v, where)] for k, v in value.items()]
        return ["dict", sorted(pairs, key=_json)]
    if isinstance(value, type):
        return ["type", f"{value.__module__}.{value.__qualname__}"]
    state = sa.inspect(value, raiseerr=False)
    if isinstance(state, InstanceState):  # a mapped instance: keyed by class and primary key
        if state.identity is None:
            raise TypeError(
                f"cache_key: {where} is a {type(value).__name__} with no primary key yet"
                " (transient or pending): flush it first, or pass its id"
            )
        mapped = state.mapper.class_
        identity = _canonical(list(state.identity), where)
        return ["row", f"{mapped.__module__}.{mapped.__qualname__}", identity]
    raise TypeError(
        f"cache_key: {where} is {_describe(value)}, which has no stable key;"
        " pass a plain value (its id, a str, a number) instead"
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _describe(value: object) -> str:
    """Name value's type, with the plain form to use instead where there is an obvious one."""
    kind = type(value).__name__
    if isinstance(sa.inspect(value, raiseerr=False), InstanceState):
        return (
            f"a {kind} (an ORM instance: cached past its Session it is detached and"
            " stale, and its lazy loads raise DetachedInstanceError)"
        )
    if isinstance(value, enum.Enum):
        return f"a {kind} enum member (use its .value)"
    if isinstance(value, Decimal):
        return "a Decimal (use str(value), which is exact)"
    if isinstance(value, tuple):
        return f"a {kind} (use a list: JSON has no tuple, it would come back a list)"
    return f"a {kind}"
