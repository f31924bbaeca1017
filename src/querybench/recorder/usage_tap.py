"""How a tracking recorder (``track_usage=True``) sees eager loads that nobody read, and joined
eager loads that multiply rows.

SQLAlchemy fires no event when an attribute is read: an eagerly loaded relationship is served
straight from the object's ``__dict__``. So a tracking recorder works in two steps.

1. Which relationships an eager loader filled. A ``do_orm_execute`` listener runs each ORM
   SELECT itself (``invoke_statement``) and freezes its result, the pattern SQLAlchemy documents
   for re-executing statements in that event. When ``freeze()`` returns, every loader has run,
   joined and post-load (selectin, subquery, immediate) alike, and no row has reached the
   caller yet. A ``load`` listener notes the objects the statement created; each relationship
   already in such an object's ``__dict__`` was filled by an eager loader (lazy loads that ran
   meanwhile, from a ``load`` hook say, are noted and left out).
2. Which of them were read. The class-level descriptor of each such relationship (an
   ``InstrumentedAttribute``, whose ``__slots__`` are empty) has its class swapped for a
   subclass whose ``__get__`` notes ``(object, key)`` before delegating; the original class is
   put back when the last tracking recorder stops. ``obj.rel``, ``getattr`` and
   ``inspect(obj).attrs.rel.value`` all go through it.

Limits, by construction: results of statements run with ``yield_per`` or ``stream_results`` are
not buffered, so they are not tracked (``untracked`` counts them); reads of ``obj.__dict__``
directly are not seen; objects already in the Session before the statement are not counted;
the swap is process-wide, so a read of a tracked object from another thread counts too; and a
many-to-one eager load answered from the identity map (no statement) is reported as joined.
None of this runs unless ``track_usage`` is set: the plain recorder's hot path is untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from sqlalchemy.engine import Row
from sqlalchemy.orm import Mapper, ORMExecuteState, Session
from sqlalchemy.orm.attributes import instance_state

from querybench.recorder.callsite import callsite_of, find_caller
from querybench.recorder.statement import CallSite
from querybench.recorder.tagging import relationship_load_tag, relationship_name
from querybench.recorder.taps import Tap
from querybench.recorder.usage import CartesianLoad, GroupKey, Pair, UsageLog


class Tracking(Protocol):
    """A recorder, as far as usage tracking is concerned."""

    usage: UsageLog | None

    @property
    def count(self) -> int:
        """Statements recorded so far."""


@dataclass
class _Window:
    """What happened while one statement's result was being loaded."""

    states: list[Any] = field(default_factory=list)
    lazy: set[Pair] = field(default_factory=set)
    eager: dict[Any, str] = field(default_factory=dict)


_MAPPED_STRATEGY: dict[Any, str] = {False: "joined", True: "select", None: "noload"}
"""``relationship(lazy=...)`` values that are synonyms of a strategy's name."""

_window: ContextVar[_Window | None] = ContextVar("querybench_usage_window", default=None)
_tap: UsageTap | None = None
_tracking_classes: dict[type[Any], type[Any]] = {}
_relationships: dict[Any, tuple[tuple[str, Any, str, bool, Any], ...]] = {}


def _tracking_class(original: type[Any]) -> type[Any]:
    """A subclass of a descriptor class whose ``__get__`` reports each read to the tap."""
    tracking = _tracking_classes.get(original)
    if tracking is None:
        get: Callable[[Any, Any, Any], Any] = original.__get__

        def __get__(self: Any, instance: Any, owner: Any = None) -> Any:
            tap = _tap
            if instance is not None and tap is not None:
                tap.touch((instance_state(instance), self.key))
            return get(self, instance, owner)

        namespace = {"__slots__": (), "inherit_cache": True, "__get__": __get__}
        tracking = type(f"Tracked{original.__name__}", (original,), namespace)
        _tracking_classes[original] = tracking
    return tracking


def _relationships_of(mapper: Any) -> tuple[tuple[str, Any, str, bool, Any], ...]:
    """``(key, property, name, is a collection, class attribute)`` of each relationship."""
    found = _relationships.get(mapper)
    if found is None:
        manager = mapper.class_manager
        found = _relationships[mapper] = tuple(
            (p.key, p, relationship_name(p) or p.key, bool(p.uselist), manager[p.key])
            for p in mapper.relationships
        )
    return found


class UsageTap(Tap):
    """``do_orm_execute`` and ``load`` listeners shared by every tracking recorder."""

    def __init__(self, target: type[Session]):
        super().__init__(
            target,
            [
                (target, "do_orm_execute", self._execute, {}),
                (Mapper, "load", self._loaded, {"raw": True}),
            ],
        )
        self._swapped: dict[int, tuple[Any, type[Any]]] = {}
        self._swap_lock = threading.Lock()

    def attach(self) -> None:
        """Attach the listeners and start routing reads of tracked attributes here."""
        global _tap
        super().attach()
        _tap = self

    def detach(self) -> None:
        """Put every swapped descriptor class back, then remove the listeners."""
        global _tap
        _tap = None
        with self._swap_lock:
            swapped, self._swapped = self._swapped, {}
        for attribute, original in swapped.values():
            attribute.__class__ = original
        super().detach()

    def touch(self, pair: Pair) -> None:
        """A tracked relationship was read."""
        for recorder in cast(tuple[Tracking, ...], self.recorders):
            if recorder.usage is not None:
                recorder.usage.touch(pair)

    def _loaded(self, state: Any, context: Any) -> None:
        window = _window.get()
        if window is not None:
            window.states.append(state)

    def _execute(self, state: ORMExecuteState) -> Any:
        window = _window.get()
        if window is not None:  # a loader running inside a statement we are loading
            if state.is_relationship_load:
                tag = relationship_load_tag(state)
                if tag[0] == "lazy_load" and tag[1] is not None:
                    window.lazy.add((state.lazy_loaded_from, tag[1].key))
                elif tag[1] is not None:
                    window.eager[tag[1]] = tag[2]
            return None
        if not state.is_select or state.is_column_load:
            return None
        if state.is_relationship_load and state.lazy_loaded_from is None:
            return None  # an eager loader of a result that is not tracked
        recorders = cast(tuple[Tracking, ...], self.interested())
        if not recorders:
            return None
        options = state.execution_options
        if options.get("yield_per") or options.get("stream_results"):
            for recorder in recorders:
                if recorder.usage is not None:
                    recorder.usage.untracked += 1
            return None
        counts = [recorder.count for recorder in recorders]
        code, offset, _ = find_caller(1)
        site = None if code is None else callsite_of(code, offset)
        window = _Window()
        token = _window.set(window)
        try:
            result: Any = state.invoke_statement()
            # The ORM makes a result with joined collections raise unless unique() is called;
            # the frozen copy gets that check back, so a missing unique() still fails.
            unique, result._unique_filter_state = result._unique_filter_state, None
            frozen = result.freeze()
        finally:
            _window.reset(token)
        watching = [r for r, n in zip(recorders, counts, strict=True) if r.count > n]
        if watching:
            self._settle(window, frozen.data, site, watching)
        fresh: Any = frozen()
        fresh._unique_filter_state = unique
        return fresh

    def _settle(
        self, window: _Window, rows: Sequence[Any], site: CallSite | None, to: list[Tracking]
    ) -> None:
        """Find what the eager loaders filled, start watching reads of it, tell the recorders."""
        filled: list[tuple[Pair, GroupKey]] = []
        joined: dict[tuple[str, ...], str] = {}
        lazy, eager, swapped = window.lazy, window.eager, self._swapped
        for state in window.states:
            values = state.dict
            for key, prop, name, collection, attribute in _relationships_of(state.mapper):
                if key not in values or (lazy and (state, key) in lazy):
                    continue
                strategy = eager.get(prop, "joined")
                configured = _MAPPED_STRATEGY.get(prop.lazy, prop.lazy) == strategy
                filled.append(((state, key), (name, strategy, site, configured)))
                if id(attribute) not in swapped:
                    self._swap(attribute)
                if collection and strategy == "joined":
                    path = tuple(relationship_name(p) or "" for p in state.load_path.path[1::2])
                    joined.setdefault((*path, name), name)
        cartesian = _cartesian(joined, rows, site)
        for recorder in to:
            if recorder.usage is not None:
                recorder.usage.add(filled, cartesian)

    def _swap(self, attribute: Any) -> None:
        with self._swap_lock:
            if id(attribute) in self._swapped or type(attribute) in _tracking_classes.values():
                return
            original = type(attribute)
            attribute.__class__ = _tracking_class(original)
            self._swapped[id(attribute)] = (attribute, original)


def _cartesian(
    joined: dict[tuple[str, ...], str], rows: Sequence[Any], site: CallSite | None
) -> CartesianLoad | None:
    """A cartesian product when two joined collections lie on different branches of the load."""
    paths = list(joined)
    side_by_side = {
        joined[a] for a in paths for b in paths if a != b and a[: len(b)] != b and b[: len(a)] != a
    }
    if len(side_by_side) < 2:
        return None
    parents = {id(row[0] if isinstance(row, Row) else row) for row in rows}
    return CartesianLoad(tuple(sorted(side_by_side)), site, len(rows), len(parents))
