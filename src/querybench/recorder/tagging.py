"""Origins: why each statement ran, read off the execution context the cursor event receives.

The ORM hands its loader state to the connection in the execution options (the load options:
the parent of a lazy load, the object being refreshed) and in the compiled statement (its
compile options: the loader path). The cursor event keeps a reference to both, which costs
nothing, and :func:`origin_of` reads them only when someone reads the statements. No
``do_orm_execute`` listener is needed: that event makes the ORM prepare every statement twice.
Loads for one object (column loads, lazy loads) are tagged on the spot, because whether its
attributes were expired, and its identity, can change once the load has run (a rollback).
Flush statements are told apart by the flush frame on the stack (see
:mod:`querybench.recorder.callsite`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import ORMExecuteState, RelationshipProperty

from querybench.recorder.statement import LoadedBy, Origin

LOAD_OPTIONS_KEY = "_sa_orm_load_options"
"""The execution option in which the ORM passes its load options down to the connection."""

Tag = tuple[Any, ...]

_FLUSH = Origin("flush")
_CORE = Origin("core")


def _compile_options(compiled: Any) -> Any:
    return getattr(getattr(compiled, "statement", None), "_compile_options", None)


def loaded_relationship(path: Any) -> RelationshipProperty[Any] | None:
    """The relationship a loader statement serves: the last one on its load path."""
    if path is None:
        return None
    for element in reversed(path.path):
        if isinstance(element, RelationshipProperty):
            return element
    return None


def column_load_tag(load_options: Any, compiled: Any) -> Tag | None:
    """The tag of a column load (deferred, expired or refreshed columns of one object).

    Called from the cursor event while the load runs: afterwards the attributes are no longer
    expired, so this is the last moment to tell an expired column from a deferred one.
    """
    refreshed: Any = load_options._refresh_state
    if refreshed is None:
        return None
    only: frozenset[str] | None = getattr(_compile_options(compiled), "_only_load_props", None)
    # Early 2.0 releases have no _is_user_refresh: there, a Session.refresh() naming attributes
    # is told apart from an expired or deferred load by nothing, and is tagged as one of those.
    if getattr(load_options, "_is_user_refresh", False) or only is None:
        detail = "refresh"
    elif only & refreshed.expired_attributes:
        detail = "expired"
    else:
        detail = "deferred"
    # the object's run id and load path still say which query loaded it: this load overwrites them
    return (
        "column_load",
        refreshed.class_,
        detail,
        tuple(sorted(only or ())),
        refreshed.identity,
        refreshed.runid,
        refreshed.load_path,
    )


def relationship_tag(path: Any, parent: Any, execution_options: Mapping[Any, Any]) -> Tag:
    """The tag of a relationship loader's statement: a lazy load, or an eager one and its kind.

    ``path`` is the loader path, ``parent`` the InstanceState a lazy (or immediate) load ran
    for, ``execution_options`` those the statement ran with.
    """
    prop = loaded_relationship(path)
    if parent is not None and "sa_top_level_orm_context" not in execution_options:
        # the parent's run id and load path: which query loaded it, along which path
        return ("lazy_load", prop, parent.class_, parent.identity, parent.runid, parent.load_path)
    if parent is not None:
        return ("eager_load", prop, "immediate")
    if any(type(key) is tuple and key[0] == "orig_query" for key in execution_options):
        return ("eager_load", prop, "subquery")
    return ("eager_load", prop, "selectin")


def relationship_load_tag(state: ORMExecuteState) -> Tag:
    """:func:`relationship_tag` of a statement seen by a ``do_orm_execute`` listener."""
    return relationship_tag(
        state.loader_strategy_path, state.lazy_loaded_from, state.execution_options
    )


def loader_tag(
    load_options: Any, execution_options: Mapping[Any, Any], compiled: Any
) -> Tag | None:
    """The tag of a relationship load from what the cursor event kept; None for other
    statements. ``load_options`` is the ORM's, from ``execution_options``."""
    path = getattr(_compile_options(compiled), "_current_path", None)
    if not path:  # the root path: an explicit statement
        return None
    return relationship_tag(path, load_options._lazy_loaded_from, execution_options)


def describe_object(cls: type[Any], identity: tuple[Any, ...] | None) -> str:
    """``Author(3)``: how origins and findings name one object."""
    if identity is None:
        return f"{cls.__name__}(pending)"
    return f"{cls.__name__}({', '.join(repr(value) for value in identity)})"


def relationship_name(prop: RelationshipProperty[Any] | None) -> str | None:
    """``Author.posts``: a relationship as origins and findings name it."""
    return None if prop is None else f"{prop.parent.class_.__name__}.{prop.key}"


def _path_of(registry: Any) -> tuple[Any, ...]:
    """A load path's elements (mappers and relationships alternating), () when unknown."""
    return tuple(getattr(registry, "path", ()) or ())


_query_origins: dict[type[Any], Origin] = {}


def _query_origin(entity: type[Any]) -> Origin:
    origin = _query_origins.get(entity)
    if origin is None:
        origin = _query_origins[entity] = Origin("query", entity=entity)
    return origin


def _orm_entity(compiled: Any) -> type[Any] | None:
    """The first mapped class of an ORM statement's compiled form, None for Core and text."""
    statement = getattr(compiled, "statement", None)
    attrs = getattr(statement, "_propagate_attrs", None) or {}
    if attrs.get("compile_state_plugin") != "orm":
        return None
    subject = attrs.get("plugin_subject")
    mapper = getattr(subject, "mapper", None)
    cls = getattr(mapper, "class_", None)
    return cls if isinstance(cls, type) else None


def origin_of(
    tag: Tag | None, execution_options: Mapping[Any, Any], flushing: bool, compiled: Any
) -> Origin:
    """Build the :class:`Origin` of a recorded statement from what the hot path kept."""
    if tag is None and execution_options:
        load_options = execution_options.get(LOAD_OPTIONS_KEY)
        if load_options is not None:
            tag = loader_tag(load_options, execution_options, compiled)
    if tag is not None:
        if tag[0] == "lazy_load":
            prop, cls, identity = tag[1], tag[2], tag[3]
            return Origin(
                "lazy_load",
                entity=prop.mapper.class_ if prop is not None else None,
                relationship=relationship_name(prop),
                collection=prop.uselist if prop is not None else None,
                detail="lazy",
                parent=describe_object(cls, identity),
                loaded_by=LoadedBy(tag[4], _path_of(tag[5]), prop),
            )
        if tag[0] == "eager_load":
            prop = tag[1]
            return Origin(
                "eager_load",
                entity=prop.mapper.class_ if prop is not None else None,
                relationship=relationship_name(prop),
                collection=prop.uselist if prop is not None else None,
                detail=tag[2],
            )
        cls, detail, attributes, identity = tag[1], tag[2], tag[3], tag[4]
        return Origin(
            "column_load",
            entity=cls,
            detail=detail,
            parent=describe_object(cls, identity),
            attributes=attributes,
            loaded_by=LoadedBy(tag[5], _path_of(tag[6]), None),
        )
    if flushing:
        return _FLUSH
    entity = _orm_entity(compiled)
    return _CORE if entity is None else _query_origin(entity)
