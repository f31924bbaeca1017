"""The fixes N+1 findings suggest: code a reader can paste, named with their own mapped classes.

:mod:`querybench.recorder.detection` finds the patterns; this module words what to write instead
for those that are not a relationship's loader option: undefer the columns, one ``IN`` query
over the primary key or the column looked up, one flush, one executemany.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable

from querybench.recorder.statement import Statement

_KEY_LOOKUP = re.compile(r"WHERE ([\w\"`]+)\.([\w\"`]+) = \?( LIMIT \?)?$")


def _primary_key(entity: type[Any]) -> str:
    """How the primary key of ``entity`` is written in a query: ``User.id``, or a tuple_()."""
    mapper: Any = inspect(entity)
    names = [
        f"{entity.__name__}.{mapper.get_property_by_column(c).key}" for c in mapper.primary_key
    ]
    return names[0] if len(names) == 1 else f"tuple_({', '.join(names)})"


def _attribute_for(entity: type[Any] | None, table: str, column: str) -> str | None:
    """The mapped attribute of ``entity`` for ``table.column``, when there is one."""
    try:
        mapper: Any = inspect(entity) if entity is not None else None
    except NoInspectionAvailable:
        return None
    if mapper is None:
        return None
    for prop in mapper.column_attrs:
        if any(getattr(col, "name", None) == column for col in prop.columns):
            return str(prop.key)
    return None


def lookup_fix(group: Sequence[Statement]) -> str:
    """The fix for one SELECT run per key: one IN query, named with the mapped attribute."""
    match = _KEY_LOOKUP.search(group[0].fingerprint)
    entity = group[0].origin.entity
    if match is None:
        return "run one statement for all the parameter sets (an IN list or a join), not one each"
    table, column = (part.strip('"`') for part in match.group(1, 2))
    attribute = _attribute_for(entity, table, column)
    if entity is not None and attribute is not None:
        name = entity.__name__
        return (
            f"collect the keys and load them in one IN query: session.scalars(select({name})"
            f".where({name}.{attribute}.in_(keys))) instead of one session.get or SELECT per key"
        )
    return f"collect the values and run one statement with WHERE {table}.{column} IN (...)"


def write_fix(group: Sequence[Statement]) -> str:
    """The fix for single-row writes in a loop: one flush, or one executemany."""
    if group[0].origin.kind == "flush":
        return (
            "add or change all the objects, then flush once: the unit of work batches them "
            "(executemany, insertmanyvalues)"
        )
    verb = group[0].kind
    return f"pass a list of parameter dicts to one execute() call: one executemany {verb}"


def column_reload_fix(entity: type[Any], detail: str | None, attributes: Sequence[str]) -> str:
    """The fix for columns loaded one object at a time: undefer them, or reload in one query."""
    name = entity.__name__
    if detail == "deferred":
        undefer = ", ".join(f"undefer({name}.{attr})" for attr in attributes)
        return f".options({undefer}) on the query that loads the {name} objects"
    return (
        f"reload them in one query, session.scalars(select({name}).where("
        f"{_primary_key(entity)}.in_(keys)).execution_options(populate_existing=True)), "
        f"or keep them loaded (Session(expire_on_commit=False))"
    )
