"""Origins: the ORM's ``do_orm_execute`` event tags relationship and column loads as they happen.

The tag is a small tuple put into the execution options, so it travels with the statement to the
cursor event, where the recorder stores it untouched; :func:`origin_of` turns it into an
:class:`Origin` only when someone reads the statements. Explicit statements are not tagged at all
(the common case stays cheap): they are told apart later by their compiled form, and flush
statements by the flush frame on the stack (see :mod:`querybench.recorder.callsite`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import ORMExecuteState, RelationshipProperty

from querybench.recorder.statement import Origin

TAG_KEY = "querybench_origin"
"""The execution option that carries a tag from ``do_orm_execute`` to the cursor event."""

Tag = tuple[Any, ...]

_FLUSH = Origin("flush")
_CORE = Origin("core")


def loaded_relationship(state: ORMExecuteState) -> RelationshipProperty[Any] | None:
    """The relationship a loader statement serves: the last one on the load path."""
    path = state.loader_strategy_path
    if path is None:
        return None
    for element in reversed(path.path):
        if isinstance(element, RelationshipProperty):
            return element
    return None


def _column_load_tag(state: ORMExecuteState) -> Tag | None:
    refreshed: Any = state.load_options._refresh_state
    if refreshed is None:
        return None
    compile_options: Any = getattr(state.statement, "_compile_options", None)
    only: frozenset[str] | None = getattr(compile_options, "_only_load_props", None)
    if state.load_options._is_user_refresh or only is None:
        detail = "refresh"
    elif only & refreshed.expired_attributes:
        detail = "expired"
    else:
        detail = "deferred"
    return ("column_load", refreshed.class_, detail, tuple(sorted(only or ())), refreshed.identity)


def tag_orm_execution(state: ORMExecuteState) -> None:
    """``do_orm_execute`` listener: tag relationship and column loads with their origin.

    Explicit statements return after two attribute reads: their compile options have neither
    a refresh state nor a load path (``is_column_load`` and ``is_relationship_load`` would
    compute the same, at several times the cost, on every statement).
    """
    options = getattr(state.statement, "_compile_options", None)
    if getattr(options, "_for_refresh_state", False):
        tag = _column_load_tag(state)
    elif getattr(options, "_current_path", None) and state.is_relationship_load:
        tag = relationship_load_tag(state)
    else:
        return
    if tag is not None:
        state.update_execution_options(**{TAG_KEY: tag})


def relationship_load_tag(state: ORMExecuteState) -> Tag:
    """The tag of a relationship loader's statement: a lazy load, or an eager one and its kind."""
    prop = loaded_relationship(state)
    parent = state.lazy_loaded_from
    execution_options: Mapping[Any, Any] = state.execution_options
    if parent is not None and "sa_top_level_orm_context" not in execution_options:
        return ("lazy_load", prop, parent.class_, parent.identity)
    if parent is not None:
        return ("eager_load", prop, "immediate")
    if any(type(key) is tuple and key[0] == "orig_query" for key in execution_options):
        return ("eager_load", prop, "subquery")
    return ("eager_load", prop, "selectin")


def describe_object(cls: type[Any], identity: tuple[Any, ...] | None) -> str:
    """``Author(3)``: how origins and findings name one object."""
    if identity is None:
        return f"{cls.__name__}(pending)"
    return f"{cls.__name__}({', '.join(repr(value) for value in identity)})"


def relationship_name(prop: RelationshipProperty[Any] | None) -> str | None:
    """``Author.posts``: a relationship as origins and findings name it."""
    return None if prop is None else f"{prop.parent.class_.__name__}.{prop.key}"


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


def origin_of(tag: Tag | None, flushing: bool, compiled: Any) -> Origin:
    """Build the :class:`Origin` of a recorded statement from what the hot path kept."""
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
        )
    if flushing:
        return _FLUSH
    entity = _orm_entity(compiled)
    return _CORE if entity is None else _query_origin(entity)
