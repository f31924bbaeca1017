"""The fix a lazy-load finding suggests: the loader chain, on the query that loaded its parents.

Each lazy load is followed back to the explicit query at the root of its parent's chain (see
:mod:`querybench.recorder.provenance`). The fix goes on the query that loaded the most of the
looped parents, with the whole path from that query's entity, the chain ``prove_fix`` injects:
``.options(joinedload(Comment.user).joinedload(User.team)) on the query at views.py:30``.
When some parents came from elsewhere (a login loader's ``session.get``, say), the fix says
how many, and from where: applying it to the first parent's query would save one statement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from querybench.recorder.links import LinkDeriver, link_code
from querybench.recorder.provenance import roots
from querybench.recorder.statement import Statement

__all__ = ["lazy_load_fix"]


def _parents(count: int) -> str:
    return f"{count} parent" if count == 1 else f"{count} parents"


def lazy_load_fix(
    statements: Sequence[Statement], group: Sequence[Statement], deriver: LinkDeriver
) -> str:
    """The fix for the lazy loads of one relationship (``group``), '' when no parent's query is
    known (the caller falls back to the last query for the parents' class)."""
    position = {id(statement): index for index, statement in enumerate(statements)}
    by_parent: dict[str | None, tuple[int, str] | None] = {}
    for statement, root in zip(group, roots(statements, group), strict=True):
        parent = statement.origin.parent
        if parent in by_parent and by_parent[parent] is not None:
            continue
        links = None if root is None else deriver.links(root.path, lazy_end=True)
        if root is None or not links:
            by_parent.setdefault(parent, None)
            continue
        by_parent[parent] = (position[id(root.statement)], link_code(links))
    placed = Counter(place for place in by_parent.values() if place is not None)
    if not placed:
        return ""
    (index, code), most = placed.most_common(1)[0]
    query = statements[index]
    where = f" on the query at {query.callsite}" if query.callsite else ""
    total = len(by_parent)
    if most == total:
        return f".options({code}){where}"
    others = Counter(
        str(statements[place[0]].callsite or "an unknown line") if place is not None else None
        for place in by_parent.values()
        if place != (index, code)
    )
    shares = [
        f"{_parents(n)} from the query at {site}" if site else f"{_parents(n)} loaded elsewhere"
        for site, n in sorted(others.items(), key=lambda item: (-item[1], item[0] or ""))
    ]
    return f".options({code}){where} (it loaded {most} of the {total} parents; {', '.join(shares)})"
