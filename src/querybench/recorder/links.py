"""Loader chains: the option that eager-loads a relationship along its path from a query's root.

Shared by the findings (:mod:`querybench.recorder.detection`, which words the fix) and
:func:`querybench.prove_fix` (:mod:`querybench.recorder.options`, which injects it), so the two
never disagree: ``joinedload(Comment.user).joinedload(User.team)`` in both.

- a scalar relationship (many-to-one, one-to-one): ``joinedload``, rows not multiplied;
- a collection or a many-to-many: ``selectinload``, never a joined collection (rows multiply,
  LIMIT breaks);
- an earlier link that was loaded eagerly already keeps its strategy; one that was lazy is made
  eager too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Mapper, RelationshipProperty
from sqlalchemy.orm.interfaces import MANYTOMANY

from querybench.recorder.statement import Statement
from querybench.recorder.tagging import relationship_name

__all__ = ["Link", "LinkDeriver", "link_code", "loader_for"]

_BY_STRATEGY = {
    "joined": "joinedload",
    "selectin": "selectinload",
    "subquery": "subqueryload",
    "immediate": "immediateload",
}

Link = tuple[str, type[Any], str]
"""One step of an option: the loader function's name, the class, the attribute."""


def loader_for(prop: RelationshipProperty[Any]) -> str:
    """``joinedload`` for a scalar relationship; ``selectinload`` for a collection, many-to-many."""
    return "selectinload" if prop.uselist or prop.direction is MANYTOMANY else "joinedload"


def link_code(links: Sequence[Link]) -> str:
    """The option as a user would write it: ``selectinload(A.b).joinedload(B.c)``."""
    return ".".join(f"{loader}({cls.__name__}.{key})" for loader, cls, key in links)


class LinkDeriver:
    """Turns load paths into links, remembering how each relationship was loaded in the run."""

    def __init__(self, statements: Sequence[Statement]):
        self.lazy = {s.origin.relationship for s in statements if s.origin.kind == "lazy_load"}
        self.eager = {
            s.origin.relationship: s.origin.detail or "selectin"
            for s in statements
            if s.origin.kind == "eager_load"
        }

    def links(self, path: tuple[Any, ...], lazy_end: bool) -> list[Link] | None:
        """The loader links along ``path`` (mappers and relationships alternating); None when
        it runs through an aliased entity. ``lazy_end``: the last link is the lazy one."""
        links: list[Link] = []
        for index in range(1, len(path), 2):
            entity, prop = path[index - 1], path[index]
            if not isinstance(entity, Mapper) or not isinstance(prop, RelationshipProperty):
                return None
            name = relationship_name(prop)
            if (lazy_end and index == len(path) - 1) or name in self.lazy:
                loader = loader_for(prop)
            else:  # loaded eagerly already: keep its strategy (joined when it ran no statement)
                loader = _BY_STRATEGY.get(self.eager.get(name, "joined"), "joinedload")
            links.append((loader, entity.class_, prop.key))
        return links
