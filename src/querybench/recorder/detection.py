"""N+1 detection and exact duplicates, read from recorded statements after the fact.

Four N+1 patterns are reported, each with the statement count, an example, the user's call site
and a concrete fix:

- ``lazy_load``: one relationship lazily loaded for several parent objects;
- ``column_reload``: deferred or expired columns loaded one object at a time;
- ``repeated_select``: the same SELECT shape run from one call site with different parameters
  (a loop of ``session.get`` or of ``where(x == i)``);
- ``row_by_row_write``: single-row INSERT, UPDATE or DELETE statements in a loop.

Not N+1, by design: paging (LIMIT with OFFSET or ORDER BY, which keyset walking also uses),
batched lookups (any ``IN (...)`` list, which covers selectinload's chunks), loader statements of
eager strategies, many-to-one loads the identity map answered (they emit nothing), a path run
once, multi-row writes (executemany, insertmanyvalues), and a fan-out of concurrent statements
(``asyncio.gather`` over several sessions): statements whose executions overlap in time wait
for the database together, so they cost about one round trip of wall time, not N.

``min_repeats`` defaults to 2, from measurement (``tests/recorder/measure_min_repeats.py``): at 2
no clean case of this project's corpus raised a finding (0 of the 10,225 recorders of the
recorder's test suite that are clean at 3, 0 of 188 runs of the payments scenarios' eager
variants), while every naive payments variant run with two parents had an N+1 that 3 missed
(4 of 4), as did real code with comments from two teams. Pass ``min_repeats=3`` to be laxer.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from querybench.recorder.fixes import column_reload_fix, lookup_fix, write_fix
from querybench.recorder.lazy_fix import lazy_load_fix
from querybench.recorder.links import LinkDeriver
from querybench.recorder.statement import CallSite, Statement, display_path

FindingKind = Literal["lazy_load", "column_reload", "repeated_select", "row_by_row_write"]

DEFAULT_MIN_REPEATS = 2
"""Repeats (distinct parents or parameter sets) that make a pattern an N+1."""

_PAGING = re.compile(r"\b(LIMIT|FETCH (FIRST|NEXT)|TOP)\b")
_ORDERED_OR_OFFSET = re.compile(r"\b(OFFSET|ORDER BY)\b")


@dataclass(frozen=True, slots=True)
class Finding:
    """One N+1 pattern: what repeats, how often, where, and what to write instead.

    ``allowed`` and ``allow_reason`` are set when an :func:`querybench.allow` block (or
    :meth:`QueryRecorder.allow`) covers the finding: it is still listed, never dropped.
    """

    kind: FindingKind
    target: str
    fingerprint: str
    count: int
    distinct: int
    example_sql: str
    callsite: CallSite | None
    fix: str
    allowed: bool = False
    allow_reason: str = ""

    @property
    def id(self) -> str:
        """A stable key for baselines and allow-lists: ``kind:subject@file:line``.

        The subject is the relationship or column (``lazy_load:Payment.user@app/views.py:42``),
        or a short hash of the fingerprint for repeated statements. The file is relative to
        the working directory when it lies below it, with ``/`` separators.
        """
        if self.kind in ("lazy_load", "column_reload"):
            subject = self.target
        else:
            digest = hashlib.sha1(self.fingerprint.encode(), usedforsecurity=False)
            subject = digest.hexdigest()[:12]
        site = self.callsite
        where = f"{display_path(site.filename).replace(os.sep, '/')}:{site.lineno}" if site else "?"
        return f"{self.kind}:{subject}@{where}"

    def __str__(self) -> str:
        where = f" at {self.callsite}" if self.callsite else ""
        what = {
            "lazy_load": f"lazy load of {self.target} for {self.distinct} parents",
            "column_reload": f"column reload of {self.target} for {self.distinct} objects",
            "repeated_select": f"same SELECT with {self.distinct} different parameter sets",
            "row_by_row_write": f"row-by-row write, {self.distinct} single-row statements",
        }[self.kind]
        example = " ".join(self.example_sql.split())
        allowed = f"[allowed: {self.allow_reason}] " if self.allowed else ""
        return f"{allowed}{what} ({self.count} statements){where}: {example}; fix: {self.fix}"


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The same SQL with the same parameters run several times: wasted work, not an N+1."""

    sql: str
    fingerprint: str
    params: Any
    count: int
    callsites: tuple[CallSite, ...]

    def __str__(self) -> str:
        where = ", ".join(str(site) for site in self.callsites) or "unknown call site"
        sql = " ".join(self.sql.split())
        return (
            f"{self.count}x the same statement and parameters at {where}: {sql} {self.params!r};"
            f" keep the first result (cache it or hoist it out of the loop)"
        )


def _freeze(value: Any) -> Hashable:
    """A hashable stand-in for a parameter set, equal when the parameters are equal."""
    if isinstance(value, dict):
        return tuple(sorted(((str(key), _freeze(item)) for key, item in value.items())))
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value  # type: ignore[no-any-return]


def _main_callsite(statements: Sequence[Statement]) -> CallSite | None:
    sites = Counter(statement.callsite for statement in statements if statement.callsite)
    return sites.most_common(1)[0][0] if sites else None


def _loading_query(statements: Sequence[Statement], before: Statement, owner: str) -> Statement:
    """The last explicit query for ``owner`` objects before ``before``: where to add the option."""
    found = before
    for statement in statements:
        if statement is before:
            break
        entity = statement.origin.entity
        if statement.origin.kind == "query" and entity is not None and entity.__name__ == owner:
            found = statement
    return found


def _lazy_findings(statements: Sequence[Statement], min_repeats: int) -> list[Finding]:
    groups: dict[str, list[Statement]] = {}
    for statement in statements:
        if statement.origin.kind == "lazy_load" and statement.origin.relationship:
            groups.setdefault(statement.origin.relationship, []).append(statement)
    findings = []
    deriver: LinkDeriver | None = None
    for relationship, group in groups.items():
        parents = {statement.origin.parent for statement in group}
        if len(parents) < min_repeats:
            continue
        deriver = deriver or LinkDeriver(statements)
        fix = lazy_load_fix(statements, group, deriver) or _fallback_fix(
            statements, group, relationship
        )
        findings.append(_finding("lazy_load", relationship, group, len(parents), fix))
    return findings


def _fallback_fix(statements: Sequence[Statement], group: Sequence[Statement], name: str) -> str:
    """The fix when the parents' query is unknown: the last query for their class before."""
    loader = "selectinload" if group[0].origin.collection else "joinedload"
    query = _loading_query(statements, group[0], name.split(".")[0])
    on = f" on the query at {query.callsite}" if query is not group[0] and query.callsite else ""
    return f".options({loader}({name})){on}"


def _column_findings(statements: Sequence[Statement], min_repeats: int) -> list[Finding]:
    groups: dict[tuple[Any, ...], list[Statement]] = {}
    for statement in statements:
        origin = statement.origin
        if origin.kind == "column_load" and origin.entity is not None:
            groups.setdefault((origin.entity, origin.detail, origin.attributes), []).append(
                statement
            )
    findings = []
    for (entity, detail, attributes), group in groups.items():
        objects = {statement.origin.parent for statement in group}
        if len(objects) < min_repeats:
            continue
        name = entity.__name__
        target = (
            f"{name}.{attributes[0]}"
            if len(attributes) == 1
            else f"{name}({', '.join(attributes)})"
        )
        fix = column_reload_fix(entity, detail, attributes)
        findings.append(_finding("column_reload", target, group, len(objects), fix))
    return findings


def _repeated_findings(statements: Sequence[Statement], min_repeats: int) -> list[Finding]:
    groups: dict[tuple[str, CallSite | None], list[Statement]] = {}
    for statement in statements:
        kind = statement.kind
        origin = statement.origin.kind
        if kind == "select" and origin in ("query", "core"):
            shape = statement.fingerprint
            if "IN (...)" in shape or (_PAGING.search(shape) and _ORDERED_OR_OFFSET.search(shape)):
                continue
        elif kind in ("insert", "update", "delete") and origin in ("query", "core", "flush"):
            shape = statement.fingerprint
            if statement.executemany or _parameter_count(statement.params) > shape.count("?"):
                continue  # one statement for many rows: already batched
        else:
            continue
        groups.setdefault((shape, statement.callsite), []).append(statement)
    findings = []
    for (shape, _), group in groups.items():
        distinct = len({_freeze(statement.params) for statement in group})
        if distinct < min_repeats or _sequential_steps(group) < min_repeats:
            continue
        if group[0].kind == "select":
            findings.append(_finding("repeated_select", shape, group, distinct, lookup_fix(group)))
        else:
            findings.append(_finding("row_by_row_write", shape, group, distinct, write_fix(group)))
    return findings


def _sequential_steps(group: Sequence[Statement]) -> int:
    """How many one-after-another steps ``group`` took: a statement that started before every
    earlier one had finished ran concurrently with them and adds no step. A loop takes one
    step per statement; ``asyncio.gather`` over N sessions takes one step for all N."""
    steps, finished = 0, -1
    for statement in sorted(group, key=lambda statement: statement.started_ns):
        if statement.started_ns >= finished:
            steps += 1
        finished = max(finished, statement.started_ns + statement.duration_ns)
    return steps


def _parameter_count(params: Any) -> int:
    return len(params) if isinstance(params, list | tuple | dict) else 0


def _finding(
    kind: FindingKind, target: str, group: Sequence[Statement], distinct: int, fix: str
) -> Finding:
    return Finding(
        kind=kind,
        target=target,
        fingerprint=group[0].fingerprint,
        count=len(group),
        distinct=distinct,
        example_sql=group[0].sql,
        callsite=_main_callsite(group),
        fix=fix,
    )


def find_n_plus_one(
    statements: Sequence[Statement], *, min_repeats: int = DEFAULT_MIN_REPEATS
) -> tuple[Finding, ...]:
    """Every N+1 pattern among ``statements``, the largest first.

    A pattern counts when it repeats for at least ``min_repeats`` distinct parents, objects or
    parameter sets (default 2, see the module docstring).
    """
    if min_repeats < 2:
        raise ValueError(f"min_repeats must be 2 or more, got {min_repeats}")
    findings = [
        *_lazy_findings(statements, min_repeats),
        *_column_findings(statements, min_repeats),
        *_repeated_findings(statements, min_repeats),
    ]
    return tuple(sorted(findings, key=lambda finding: -finding.count))


def find_duplicates(
    statements: Sequence[Statement], *, min_repeats: int = 2
) -> tuple[Duplicate, ...]:
    """Statements run at least ``min_repeats`` times with the same SQL and parameters."""
    groups: dict[tuple[str, Hashable], list[Statement]] = {}
    for statement in statements:
        groups.setdefault((statement.sql, _freeze(statement.params)), []).append(statement)
    duplicates = [
        Duplicate(
            sql=group[0].sql,
            fingerprint=group[0].fingerprint,
            params=group[0].params,
            count=len(group),
            callsites=tuple(dict.fromkeys(s.callsite for s in group if s.callsite is not None)),
        )
        for group in groups.values()
        if len(group) >= min_repeats
    ]
    return tuple(sorted(duplicates, key=lambda duplicate: -duplicate.count))
