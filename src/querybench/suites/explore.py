"""``querybench explore MODELS``: a loader matrix generated from a mapping, no code needed.

For every relationship of the mapping (``Class.attr``) one scenario named after it loads N
rows of its class, by primary key, and touches the relationship on each:

- a collection (one-to-many, many-to-many): N parents, each with at least one related row;
- a scalar (many-to-one, one-to-one): N rows whose N related rows are distinct.

The rows come from the generated dataset's probes (``querybench.datasets.schema``), so N means
what it means for payments. The variants are the mapping's own loader (``default``) and
``joined``, ``selectin``, ``subquery`` and ``immediate``; each returns the same plain data
(row keys and the related keys, sorted), so the runner checks they agree. Before each size is
measured, the load runs once more with ``raiseload``: it must raise, proving that the path
really touches the relationship (``proofs`` records the outcome).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.orm import (
    Mapper,
    RelationshipProperty,
    Session,
    immediateload,
    joinedload,
    raiseload,
    selectinload,
    subqueryload,
)
from sqlalchemy.orm.interfaces import LoaderOption

from querybench.datasets import read_source_probes
from querybench.datasets.schema import SchemaSpec, read_schema_spec, schema_source
from querybench.errors import QuerybenchError, SuiteError
from querybench.scenarios.registry import Variant
from querybench.suites.suite import DEFAULT_SIZES, Suite

#: Variant name -> the option that loads a relationship so (None: the mapping's own setting).
STRATEGIES: dict[str, Callable[[Any], LoaderOption] | None] = {
    "default": None,
    "joined": joinedload,
    "selectin": selectinload,
    "subquery": subqueryload,
    "immediate": immediateload,
}
#: How the option is written, for the line a user pastes.
OPTION_NAMES = {
    "joined": "joinedload",
    "selectin": "selectinload",
    "subquery": "subqueryload",
    "immediate": "immediateload",
}
# Loader settings no option can replace: the relationship is not loaded, it is queried.
_QUERIED = {"dynamic", "write_only", "noload"}


@dataclass
class Exploration:
    """The generated suite, what each relationship's scenario is, and the raiseload proofs."""

    suite: Suite
    relationships: dict[str, RelationshipProperty[Any]]
    skipped: list[str] = field(default_factory=list)
    #: Scenario -> size -> whether raiseload raised (True: the path touches it).
    proofs: dict[str, dict[int, bool]] = field(default_factory=dict)


def load_models(ref: str, base: Path | None = None) -> Any:
    """The mapping named by ``module:attribute`` or ``file.py:attribute`` (a Base or MetaData)."""
    from querybench.suites import discovery

    target, _, attribute = ref.partition(":")
    if not attribute:
        raise SuiteError(f"{ref}: name the mapping as module:Base (or file.py:Base)")
    if target.endswith(".py") or "/" in target:
        path = ((base or Path.cwd()) / target).resolve()
        if not path.is_file():
            raise SuiteError(f"{ref}: no such file ({path})")
        module = discovery._import_file(path, ref)
    else:
        module = discovery._import_module(target, ref)
    value: object = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise SuiteError(f"{ref}: {target} has no attribute {attribute!r}")
        value = getattr(value, part)
    if not isinstance(value, sa.MetaData) and not hasattr(value, "registry"):
        raise SuiteError(f"{ref}: {value!r} is neither a declarative Base nor a MetaData")
    return value


def explore_spec(models: Any, sizes: Sequence[int], spec_path: Path | None = None) -> SchemaSpec:
    """The dataset spec: ``spec_path``'s (its sizes replaced by ``sizes``), else counts that
    hold every probe of ``sizes``."""
    name = f"explore-{getattr(models, '__name__', 'metadata').lower()}"
    if spec_path is not None:
        read = read_schema_spec(spec_path)
        return SchemaSpec(**{**read.__dict__, "sizes": tuple(sizes)})
    # Room for the planted children of a few keys per table and the tail of M rows.
    rows = max(1000, 4 * sum(sizes) + 3 * max(sizes))
    return SchemaSpec(name=name, seed=0, sizes=tuple(sizes), rows=rows)


def explore(
    models: Any, *, sizes: Sequence[int] = DEFAULT_SIZES, spec_path: Path | None = None
) -> Exploration:
    """The exploration suite of ``models`` (a declarative Base; a MetaData has no loaders)."""
    registry = getattr(models, "registry", None)
    if registry is None:
        raise SuiteError("explore needs a declarative Base: a bare MetaData has no relationships")
    spec = explore_spec(models, sizes, spec_path)
    source = schema_source(models, spec)
    suite = Suite(spec.name, models=models, dataset=source, sizes=spec.sizes)
    found = Exploration(suite=suite, relationships={})
    probed = source.model.relationships
    for mapper in sorted(registry.mappers, key=lambda mapper: mapper.class_.__name__):
        for rel in mapper.relationships:
            if rel.parent is not mapper:
                continue
            name = f"{mapper.class_.__name__}.{rel.key}"
            why = _unexplorable(mapper, rel, name in probed)
            if why:
                found.skipped.append(f"{name}: {why}")
                continue
            found.relationships[name] = rel
            _register(found, name, mapper, rel)
    if not found.relationships:
        raise QuerybenchError("explore: the mapping has no relationship to explore")
    return found


def _unexplorable(mapper: Mapper[Any], rel: RelationshipProperty[Any], probed: bool) -> str:
    if rel.lazy in _QUERIED:
        return f"lazy={rel.lazy!r}: queried, not loaded"
    if len(mapper.primary_key) != 1:
        return "its class has a composite primary key"
    if not probed:
        return "no probe (a custom join condition or a view-only relationship)"
    return ""


def _register(
    found: Exploration, name: str, mapper: Mapper[Any], rel: RelationshipProperty[Any]
) -> None:
    cls = mapper.class_
    key_column = mapper.primary_key[0]
    attribute = getattr(cls, rel.key)
    collection = bool(rel.uselist)
    own_key = mapper.get_property_by_column(key_column).key
    target_key = rel.mapper.get_property_by_column(rel.mapper.primary_key[0]).key

    def load(session: Session, keys: list[Any], option: LoaderOption | None) -> list[Any]:
        query = sa.select(cls).where(key_column.in_(keys)).order_by(key_column)
        if option is not None:
            query = query.options(option)
        rows = session.scalars(query).unique().all()
        out: list[Any] = []
        for row in rows:
            related = getattr(row, rel.key)
            own = getattr(row, own_key)
            if collection:
                out.append([own, sorted(getattr(item, target_key) for item in related)])
            else:
                out.append([own, None if related is None else getattr(related, target_key)])
        return out

    proofs = found.proofs.setdefault(name, {})

    def prepare(session: Session, size: int) -> list[Any]:
        probe = read_source_probes(session.connection())["relationships"].get(name)
        keys = (probe or {}).get("parents" if collection else "rows", [])[:size]
        if len(keys) < size:
            raise QuerybenchError(f"{name}: the dataset holds no probe of size {size}")
        if size not in proofs:
            with Session(session.get_bind()) as proving:
                try:
                    load(proving, keys, raiseload(attribute))
                    proofs[size] = False
                except exc.InvalidRequestError:
                    proofs[size] = True
        return list(keys)

    variants = []
    for strategy, make in STRATEGIES.items():
        option = None if make is None else make(attribute)

        def run(session: Session, keys: list[Any], option: LoaderOption | None = option) -> object:
            return load(session, keys, option)

        label = f"lazy={rel.lazy!r}" if make is None else f"{OPTION_NAMES[strategy]}({name})"
        variants.append(Variant(strategy, run, None, label))
    kind = "parents" if collection else "rows"
    found.suite.scenario(
        name,
        *variants,
        prepare=prepare,
        size_meaning=f"{cls.__name__} {kind}",
        description=f"load N {cls.__name__} rows and touch .{rel.key}",
    )
