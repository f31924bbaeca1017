"""Call sites: the first frame outside SQLAlchemy and the recorder, found by a cheap stack walk.

The walk runs once per statement, so it is kept lean: one dict lookup per frame, keyed by the
frame's code object, remembers whether that code is internal. Frames of SQLAlchemy's flush are
marked on the way, which is how statements written by the unit of work are told apart. Under
asyncio the statement runs in a greenlet whose stack ends inside SQLAlchemy; the walk then
continues in the parent greenlet, where the awaiting coroutines live.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

import sqlalchemy
from sqlalchemy.orm import session as orm_session

from querybench.recorder.statement import CallSite

_EXTERNAL, _INTERNAL, _FLUSH = 0, 1, 2
_getframe = sys._getframe
_INTERNAL_DIRS = (
    str(Path(sqlalchemy.__file__).parent) + os.sep,
    str(Path(__file__).parent) + os.sep,
)
_INTERNAL_FILES = frozenset({contextlib.__file__})
_FLUSH_CODE = orm_session.Session._flush.__code__
_MAX_DECISIONS = 100_000  # code objects are few in practice; the bound is against exec() loops
_MAX_PATHS = 32

# Decisions are keyed by id(): hashing a code object hashes its bytecode and constants, which
# would cost more than the walk. The code objects are kept alive in _known so ids stay unique.
_decisions: dict[int, int] = {id(_FLUSH_CODE): _FLUSH}
_known: list[CodeType] = [_FLUSH_CODE]

# Materialising frame objects is the expensive part of a walk (every f_back creates one), so
# walks are remembered: (depth of the user frame, its code, its instruction offset, the answer).
# A later statement that finds that same code at that same instruction at that same depth
# reuses the answer; a loop over one call site hits every time, and the probe costs one frame
# object, the user's, which stays materialised while that function runs (the SQLAlchemy frames
# below it are new for every statement: checking one of them would cost a frame object each
# time). The offset matters: without it a statement from a helper function one frame deeper
# would be credited to its caller, whenever the caller's earlier statement (a commit) had left
# a path of that depth; with it, the caller would have to be at the very instruction that
# called SQLAlchemy directly before. (Only a user callback run inside SQLAlchemy at exactly the
# depth of another path could still be mistaken for it.) Newest first; the tuple is replaced
# whole, never mutated, so threads can read it without a lock.
Caller = tuple[CodeType | None, int, bool]
"""``(code, offset, inside a flush)`` of the user frame behind a statement; code None if none."""

Probe = tuple[int, CodeType | None, int, Caller]
"""``(depth, code, offset, answer)``: the frame at that depth runs that code at that offset."""

_paths: tuple[Probe, ...] = ()
NOTHING_TO_CHECK: Probe = (0, None, -1, (None, 0, False))
"""A path with no user frame to check (code None): the answer is that there is no caller."""
_NO_PATH_FLUSHING: Probe = (0, None, -1, (None, 0, True))


def _decide(code: CodeType, frame: FrameType) -> int:
    """Classify a code object once: external (user code), internal, or internal flush."""
    filename = code.co_filename
    internal = (
        filename.startswith(_INTERNAL_DIRS)
        or filename in _INTERNAL_FILES
        or filename.startswith("<sqlalchemy")  # SQLAlchemy 2.1's generated decorator wrappers
        # SQLAlchemy 2.0 exec()s those wrappers as "<string>", in globals named for the module
        # of the function they wrap: only that name tells them from a user's exec'd code.
        or (filename == "<string>" and _is_sqlalchemy_module(frame.f_globals.get("__name__")))
    )
    decision = _INTERNAL if internal else _EXTERNAL
    if len(_decisions) >= _MAX_DECISIONS:
        _decisions.clear()
        _known.clear()
        _decisions[id(_FLUSH_CODE)] = _FLUSH
        _known.append(_FLUSH_CODE)
    _decisions[id(code)] = decision
    _known.append(code)
    return decision


def _is_sqlalchemy_module(name: object) -> bool:
    return isinstance(name, str) and (name == "sqlalchemy" or name.startswith("sqlalchemy."))


def find_caller(depth: int) -> Caller:
    """The user code calling into SQLAlchemy: ``(code, offset, inside a flush)``, code None if none.

    ``depth`` is where the walk starts, counted like ``sys._getframe(depth)`` from the caller.
    The offset is the frame's ``f_lasti``; :func:`callsite_of` turns it into a line number later
    (``f_lineno`` decodes the line table, several times the cost of the rest of a probe). A
    remembered answer is returned as it was stored: callers must not rely on a new tuple.
    """
    return find_path(depth + 1)[3]


def find_path(depth: int) -> Probe:
    """:func:`find_caller`'s answer in its remembered path, the depth counted from the caller.

    A caller that probes again and again from the same frame (the cursor event) keeps the last
    path and checks it itself first: ``sys._getframe(path[0])`` is the frame of code ``path[1]``
    at offset ``path[2]`` if the answer ``path[3]`` still holds. A path that cannot be checked
    (no user frame, or one reached through greenlets) has code None: nothing to check.
    """
    depth += 1  # count from this frame
    for path_depth, code, offset, answer in _paths:
        try:
            frame = _getframe(path_depth)
        except ValueError:
            continue
        if frame.f_code is code and frame.f_lasti == offset:
            return path_depth - 1, code, offset, answer
    path_depth, code, offset, answer = _walk(_getframe(depth), depth)
    return path_depth - 1, code, offset, answer


def _walk(frame: FrameType | None, depth: int) -> Probe:
    """The full walk, frame by frame: the path it found (remembered for :func:`find_path`), or
    an answer with nothing to check (code None) when the path cannot be remembered."""
    global _paths
    flushing = False
    decisions = _decisions
    greenlet: Any = None
    internal_below = False  # did the user frame call an internal one (not this module's own)?
    while True:
        while frame is not None:
            code = frame.f_code
            decision = decisions.get(id(code))
            if decision is None:
                decision = _decide(code, frame)
            if decision == _EXTERNAL:
                answer: Caller = (code, frame.f_lasti, flushing)
                if greenlet is not None or not internal_below:
                    return 0, None, -1, answer
                path = (depth, code, answer[1], answer)
                _paths = (path, *_paths[: _MAX_PATHS - 1])
                return path
            if decision == _FLUSH:
                flushing = True
            internal_below = True
            frame = frame.f_back
            depth += 1
        # Out of frames: under asyncio we are in SQLAlchemy's greenlet; its parent awaits.
        # Paths through greenlets are not remembered: depths do not carry across them.
        # greenlet is looked up, never imported: a statement runs in one only once SQLAlchemy's
        # asyncio layer has imported it, and a sync-only install may not have it at all.
        greenlet_module = sys.modules.get("greenlet")
        if greenlet_module is None:
            return _NO_PATH_FLUSHING if flushing else NOTHING_TO_CHECK
        greenlet = (greenlet_module.getcurrent() if greenlet is None else greenlet).parent
        if greenlet is None:
            return _NO_PATH_FLUSHING if flushing else NOTHING_TO_CHECK
        frame = greenlet.gr_frame


_callsites: dict[tuple[int, int], tuple[CodeType, CallSite]] = {}


def _line_at(code: CodeType, offset: int) -> int:
    """The source line of the instruction at byte ``offset``, as ``frame.f_lineno`` computes it."""
    for start, end, line in code.co_lines():
        if start <= offset < end and line is not None:
            return line
    return code.co_firstlineno


def callsite_of(code: CodeType, offset: int) -> CallSite:
    """The shared :class:`CallSite` record for a code object and instruction offset."""
    key = (id(code), offset)
    entry = _callsites.get(key)
    if entry is None or entry[0] is not code:
        if len(_callsites) >= _MAX_DECISIONS:
            _callsites.clear()
        entry = _callsites[key] = (
            code,
            CallSite(code.co_filename, _line_at(code, offset), code.co_qualname),
        )
    return entry[1]


def current_callsite() -> CallSite | None:
    """The user's line that is running now (the caller of the querybench function calling this)."""
    code, offset, _ = find_caller(1)
    return None if code is None else callsite_of(code, offset)
