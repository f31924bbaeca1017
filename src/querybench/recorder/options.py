"""Loader options derived from N+1 findings and the mapping: which option, on which statement.

Each lazy-load finding becomes a loader option on the statement that loaded its parents, with
the loader chosen from the relationship's mapping, never from a template:

- many-to-one and one-to-one (a scalar relationship): ``joinedload``, one statement, rows
  not multiplied;
- a collection (one-to-many) and many-to-many: ``selectinload``, one more statement however
  many parents; never a joined collection, which multiplies rows and breaks LIMIT/OFFSET;
- a lazy load beneath other loads gets the whole path from the statement's entity:
  ``selectinload(Post.comments).joinedload(Comment.author)``, each earlier link keeping the
  eager strategy it already had, and links that were lazy made eager too;
- a self-referential many-to-one: ``joinedload`` on its own explicit path, one level per
  level that was lazily loaded;
- columns deferred in the mapping or the query and loaded row by row: ``undefer(...)`` on the
  path that loaded their objects.

Findings that no option fixes are explained instead: a loop of ``session.get`` or of
``where(x == i)``, row-by-row writes, and columns reloaded because the objects expired.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import orm
from sqlalchemy.orm import Mapper

from querybench.recorder.detection import Finding
from querybench.recorder.links import Link, LinkDeriver, link_code, loader_for
from querybench.recorder.statement import CallSite, Origin, Statement

__all__ = ["Chain", "Derivation", "DerivedOption", "Link", "derive_options", "loader_for"]

ChainKey = tuple[str, ...]
"""``("lazy", relationship, parent)`` or ``("column", object)``, as origins name them."""


@dataclass(frozen=True, slots=True)
class Chain:
    """How objects were reached: the call site of the ORM SELECT that started it (None when
    unknown) and the load path from that statement's entity, mappers and relationships
    alternating (``(Author mapper, Author.posts, Post mapper)``)."""

    site: CallSite | None
    path: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class DerivedOption:
    """A loader option for the ORM SELECTs of ``root`` run at ``site`` (any site when None)."""

    root: type[Any]
    links: tuple[Link, ...]
    site: CallSite | None
    finding_ids: tuple[str, ...]

    @property
    def code(self) -> str:
        """The option as a user would write it: ``selectinload(A.b).joinedload(B.c)``."""
        return link_code(self.links)

    def build(self) -> Any:
        """The option itself, ready for ``Select.options()``."""
        (loader, cls, key), *rest = self.links
        option = getattr(orm, loader)(getattr(cls, key))
        for loader, cls, key in rest:
            option = getattr(option, loader)(getattr(cls, key))
        return option


@dataclass(frozen=True, slots=True)
class Derivation:
    """The options derived from a run, and why the other findings need a code change."""

    options: tuple[DerivedOption, ...]
    unfixable: tuple[str, ...]


def _column_target(origin: Origin) -> str:
    """A column load's target, written as :mod:`detection` writes it."""
    name = origin.entity.__name__ if origin.entity is not None else "?"
    attributes = origin.attributes
    return f"{name}.{attributes[0]}" if len(attributes) == 1 else f"{name}({', '.join(attributes)})"


def _explain(finding: Finding) -> str:
    where = f" at {finding.callsite}" if finding.callsite else ""
    if finding.kind == "repeated_select":
        return (
            f"the same SELECT ran for {finding.distinct} parameter sets{where} (a loop of "
            f"session.get or of where(x == i)); no loader option batches that, the code must "
            f"change: {finding.fix}"
        )
    if finding.kind == "row_by_row_write":
        return (
            f"{finding.distinct} single-row writes{where}; no loader option batches them, the "
            f"code must change: {finding.fix}"
        )
    return (
        f"{finding.target} was reloaded for {finding.distinct} objects{where} after they "
        f"expired; undefer() cannot prevent that, the code must change: {finding.fix}"
    )


def derive_options(
    statements: Sequence[Statement],
    findings: Sequence[Finding],
    chains: Mapping[ChainKey, Chain],
) -> Derivation:
    """The loader options that would remove ``findings``, placed by the ``chains`` of the run.

    ``chains`` maps each lazy or column load of ``statements`` to how its object was reached
    (see :class:`Chain`); :func:`querybench.prove_fix` collects them while the code runs.
    """
    deriver = LinkDeriver(statements)
    wanted: dict[tuple[CallSite | None, type[Any]], dict[tuple[Link, ...], list[str]]] = {}
    unfixable: list[str] = []
    for finding in findings:
        keys: list[tuple[ChainKey, tuple[str, ...]]] = []
        if finding.kind == "lazy_load":
            keys = [
                (("lazy", finding.target, s.origin.parent or ""), ())
                for s in statements
                if s.origin.kind == "lazy_load" and s.origin.relationship == finding.target
            ]
        elif finding.kind == "column_reload":
            group = [
                s.origin
                for s in statements
                if s.origin.kind == "column_load" and _column_target(s.origin) == finding.target
            ]
            if not group or any(origin.detail != "deferred" for origin in group):
                unfixable.append(_explain(finding))
                continue
            keys = [(("column", origin.parent or ""), origin.attributes) for origin in group]
        else:
            unfixable.append(_explain(finding))
            continue
        placed = _place(finding, keys, chains, deriver, wanted)
        if placed:
            unfixable.append(placed)
    options = [
        DerivedOption(root, links, site, tuple(dict.fromkeys(ids)))
        for (site, root), chosen in wanted.items()
        for links, ids in _longest(chosen).items()
    ]
    return Derivation(tuple(options), tuple(unfixable))


def _place(
    finding: Finding,
    keys: list[tuple[ChainKey, tuple[str, ...]]],
    chains: Mapping[ChainKey, Chain],
    deriver: LinkDeriver,
    wanted: dict[tuple[CallSite | None, type[Any]], dict[tuple[Link, ...], list[str]]],
) -> str:
    """Add the finding's options to ``wanted``; a reason when it cannot place any."""
    placed = aliased = False
    for key, undeferred in dict.fromkeys(keys):
        chain = chains.get(key)
        if chain is None or not chain.path or not isinstance(chain.path[0], Mapper):
            aliased = aliased or chain is not None
            continue
        links = deriver.links(chain.path, lazy_end=not undeferred)
        if links is None:
            aliased = True
            continue
        root: type[Any] = chain.path[0].class_
        entity: type[Any] = chain.path[-1].class_ if undeferred else root
        tails = [[("undefer", entity, attribute)] for attribute in undeferred] or [[]]
        for tail in tails:
            if not links and not tail:
                continue
            chosen = wanted.setdefault((chain.site, root), {})
            chosen.setdefault((*links, *tail), []).append(finding.id)
            placed = True
    if placed:
        return ""
    if aliased:
        return (
            f"the objects of {finding.target} were loaded through an aliased or polymorphic "
            f"entity; add the option by hand: {finding.fix}"
        )
    return (
        f"the objects of {finding.target} were not loaded by an ORM SELECT of this call "
        f"(created or merged in it?), so no statement can take an option: {finding.fix}"
    )


def _longest(chosen: dict[tuple[Link, ...], list[str]]) -> dict[tuple[Link, ...], list[str]]:
    """Drop each chain that another one extends: ``a.b`` is loaded by ``a.b.c`` already."""
    kept: dict[tuple[Link, ...], list[str]] = {}
    for links, ids in chosen.items():
        longer = [other for other in chosen if other[: len(links)] == links and other != links]
        if longer:
            chosen[longer[0]].extend(ids)
        else:
            kept[links] = ids
    return {links: chosen[links] for links in kept}
