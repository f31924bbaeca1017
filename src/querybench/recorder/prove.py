"""``prove_fix``: run a code path twice, the second time with the loader options its N+1 findings
call for injected into its own statements, no source edited; show the before and after.

The first call runs under a recorder while two listeners note how every object was reached:
the call site of the ORM SELECT that started it and its load path from that statement's
entity (a ``load`` listener; SQLAlchemy shortens the load path of objects a lazy load brings
in, so the path is rebuilt through the lazy load's parent). The options are derived from the
findings and those chains (see :mod:`querybench.recorder.options`). The second call runs with
a ``do_orm_execute`` listener that adds each option to the top-level ORM SELECTs issued from
the call site that loaded the parents, when the option applies to the statement's entities.
Both listeners are on the Session class while their call runs, so run ``prove_fix`` where no
other thread runs the same code meanwhile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from querybench.recorder.binds import Bind
from querybench.recorder.callsite import callsite_of, find_caller
from querybench.recorder.counting import QueryRecorder
from querybench.recorder.detection import DEFAULT_MIN_REPEATS, Finding
from querybench.recorder.options import Chain, ChainKey, DerivedOption, derive_options
from querybench.recorder.statement import CallSite
from querybench.recorder.tagging import (
    describe_object,
    relationship_load_tag,
    relationship_name,
)

__all__ = ["FixProof", "prove_fix"]

Listener = tuple[Any, str, Callable[..., Any], dict[str, Any]]


@dataclass(frozen=True)
class FixProof:
    """The two runs of a code path, before and after the derived loader options.

    ``proven`` is true when options were injected, the second call ran fewer statements, and
    its result was equal (``==``) to the first's. ``reason`` says why not otherwise. ``options``
    are the injected options as code to paste; ``notes`` lists what they leave unfixed (a loop
    of ``session.get`` needs a code change, shown as the code to write) and options no
    statement could take. ``fixed`` are the first call's findings the second call no longer
    has. Times are the wall time of each call, in seconds.
    """

    before: QueryRecorder
    after: QueryRecorder
    options: tuple[str, ...]
    proven: bool
    reason: str
    before_time: float
    after_time: float
    findings: tuple[Finding, ...]
    fixed: tuple[Finding, ...]
    notes: tuple[str, ...]
    derived: tuple[DerivedOption, ...]
    before_result: object
    after_result: object

    def __str__(self) -> str:
        counts = (
            f"{self.before.count} -> {self.after.count} statements, "
            f"{self.before_time * 1000:.1f} ms -> {self.after_time * 1000:.1f} ms"
        )
        if not self.proven:
            return f"not proven: {self.reason} ({counts})"
        fixed = len(self.fixed)
        notes = len(self.notes)
        more = f"; {notes} more {'needs' if notes == 1 else 'need'} a code change" if notes else ""
        return (
            f"{fixed} finding{'' if fixed == 1 else 's'} fixed: {counts} "
            f"with {', '.join(self.options)}{more}"
        )


def _site() -> CallSite | None:
    code, offset, _ = find_caller(1)
    return None if code is None else callsite_of(code, offset)


def _starts_with(path: tuple[Any, ...], prefix: tuple[Any, ...]) -> bool:
    return len(path) >= len(prefix) and all(a is b for a, b in zip(path, prefix, strict=False))


class _ChainTracer:
    """Listeners for the first call: how each object was reached, and each lazy load's chain."""

    def __init__(self) -> None:
        self.chains: dict[ChainKey, Chain] = {}
        self._origins: dict[Any, Chain] = {}  # InstanceState -> Chain
        self._sites: dict[int, tuple[object, CallSite | None]] = {}
        self._parents: dict[int, tuple[object, Any]] = {}  # lazy statement -> parent state

    def listeners(self) -> list[Listener]:
        return [
            (Session, "do_orm_execute", self.executing, {}),
            (Mapper, "load", self.loaded, {"raw": True}),
        ]

    def executing(self, state: ORMExecuteState) -> None:
        statement = state.statement
        if state.is_column_load:
            refreshed: Any = state.load_options._refresh_state
            chain = self._origins.get(refreshed)
            if refreshed is not None and chain is not None:
                described = describe_object(refreshed.class_, refreshed.identity)
                self.chains[("column", described)] = chain
        elif state.is_relationship_load:
            parent = state.lazy_loaded_from
            if parent is None:
                return
            self._parents[id(statement)] = (statement, parent)
            tag = relationship_load_tag(state)
            chain = self._origins.get(parent)
            if tag[0] == "lazy_load" and tag[1] is not None and chain is not None:
                key = ("lazy", relationship_name(tag[1]) or "", describe_object(tag[2], tag[3]))
                self.chains[key] = Chain(chain.site, (*chain.path, tag[1]))
        elif state.is_select:
            self._sites[id(statement)] = (statement, _site())

    def loaded(self, state: Any, context: Any) -> None:
        query = (context.top_level_context or context).query
        lazy = self._parents.get(id(query))
        if lazy is not None and lazy[0] is query:
            parent = lazy[1]
            base = self._origins.get(parent)
            if base is not None:
                own, theirs = state.load_path.path, parent.load_path.path
                # without loader options the lazy load restarts the path at the parent's mapper
                rest = own[len(theirs) :] if _starts_with(own, theirs) else own[1:]
                self._origins[state] = Chain(base.site, (*base.path, *rest))
            return
        entry = self._sites.get(id(query))
        site = entry[1] if entry is not None and entry[0] is query else None
        self._origins[state] = Chain(site, tuple(state.load_path.path))


class _Injector:
    """The listener for the second call: adds the derived options where they belong."""

    def __init__(self, options: Sequence[DerivedOption]):
        self.taken: Counter[DerivedOption] = Counter()
        self.broken: dict[DerivedOption, str] = {}
        self._targets: list[tuple[DerivedOption, Any, Any]] = []
        for option in options:
            try:
                self._targets.append((option, inspect(option.root), option.build()))
            except Exception as error:  # an option SQLAlchemy refuses: reported, not raised
                self.broken[option] = f"{type(error).__name__}: {error}"

    def listeners(self) -> list[Listener]:
        return [(Session, "do_orm_execute", self.executing, {})]

    def executing(self, state: ORMExecuteState) -> None:
        if not state.is_select or state.is_relationship_load or state.is_column_load:
            return
        site = _site()
        mappers = _entity_mappers(state.statement)
        chosen = []
        for derived, root, option in self._targets:
            if derived.site in (None, site) and any(m.isa(root) for m in mappers):
                chosen.append(option)
                self.taken[derived] += 1
        if chosen:
            state.statement = state.statement.options(*chosen)


def _entity_mappers(statement: Any) -> list[Any]:
    """Mappers of the statement's whole entities: options cannot apply to ``select(A.x)``."""
    try:
        descriptions = statement.column_descriptions
    except (AttributeError, NotImplementedError):  # a construct without entities
        return []
    return [
        inspect(entity)
        for entity in (d.get("entity") for d in descriptions)
        if isinstance(entity, type) and any(d.get("expr") is entity for d in descriptions)
    ]


@contextmanager
def _listening(listeners: list[Listener]) -> Iterator[None]:
    added: list[Listener] = []
    try:
        for listener in listeners:
            target, name, fn, options = listener
            event.listen(target, name, fn, **options)
            added.append(listener)
        yield
    finally:
        for target, name, fn, _ in reversed(added):
            event.remove(target, name, fn)


def _call(fn: Callable[[], object], bind: Bind | None) -> tuple[QueryRecorder, object, float]:
    recorder = QueryRecorder(bind)
    with recorder:
        started = perf_counter()
        result = fn()
        elapsed = perf_counter() - started
    return recorder, result, elapsed


def _equal(first: object, second: object) -> bool:
    try:
        return bool(first == second)
    except Exception:  # a result that cannot be compared is not shown equal
        return False


def _shown(value: object) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= 120 else text[:117] + "..."


def _changed(first: object, second: object) -> str:
    sample = first[0] if isinstance(first, list | tuple) and first else first
    hint = ""
    if hasattr(sample, "_sa_instance_state") and type(sample).__eq__ is object.__eq__:
        hint = (
            "; fn returns ORM objects, which compare by identity: return plain values (a list "
            "of tuples, say) so the two calls can be compared"
        )
    return f"the result changed: {_shown(first)} became {_shown(second)}{hint}"


def prove_fix(
    fn: Callable[[], object],
    bind: Bind | None = None,
    *,
    min_repeats: int = DEFAULT_MIN_REPEATS,
) -> FixProof:
    """Call ``fn`` twice, the second time with the loader options its N+1 findings call for.

    ``fn`` takes no arguments and opens its own Session, so the second call starts from an empty
    identity map; it should return plain data, compared with ``==``. Statements are recorded
    on ``bind`` (None: every engine). The options are added through ``do_orm_execute`` to the
    ORM SELECTs that loaded the findings' parents; the source is not touched::

        proof = prove_fix(lambda: list_authors(engine), engine)
        print(proof)  # 3 findings fixed: 41 -> 2 statements, ... with selectinload(Author.posts)
    """
    tracer = _ChainTracer()
    with _listening(tracer.listeners()):
        before, before_result, before_time = _call(fn, bind)
    findings = before.n_plus_one(min_repeats=min_repeats)
    derivation = derive_options(before.statements, findings, tracer.chains)
    injector = _Injector(derivation.options)
    failure = ""
    with _listening(injector.listeners()):
        after = QueryRecorder(bind)
        after_result: object = None
        started = perf_counter()
        try:
            with after:
                after_result = fn()
        except Exception as error:  # the options broke the code: that is the verdict
            first_line = (str(error).strip().splitlines() or [""])[0]
            failure = f"{type(error).__name__}: {first_line}"
        after_time = perf_counter() - started
    injected = tuple(o for o in derivation.options if injector.taken[o])
    codes = tuple(dict.fromkeys(o.code for o in injected))
    refused = [
        f"no statement could take {o.code}: "
        + (injector.broken.get(o) or f"no ORM SELECT of {o.root.__name__} ran at {o.site}")
        for o in derivation.options
        if not injector.taken[o]
    ]
    notes = (*derivation.unfixable, *refused)
    remaining = {f.id for f in after.n_plus_one(min_repeats=min_repeats)}
    fixed = tuple(f for f in findings if f.id not in remaining) if injected else ()
    if failure:
        options = f", with {', '.join(codes)}," if codes else ""
        reason = f"the second call{options} failed: {failure}"
    elif not findings:
        reason = "no N+1 finding to fix"
    elif not injected:
        reason = "; ".join(notes)
    elif not _equal(before_result, after_result):
        reason = _changed(before_result, after_result)
    elif after.count >= before.count:
        reason = f"the options did not lower the statement count ({before.count} -> {after.count})"
    else:
        reason = ""
    return FixProof(
        before=before,
        after=after,
        options=codes,
        proven=not reason,
        reason=reason,
        before_time=before_time,
        after_time=after_time,
        findings=findings,
        fixed=fixed,
        notes=notes,
        derived=derivation.options,
        before_result=before_result,
        after_result=after_result,
    )
