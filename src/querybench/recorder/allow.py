"""``allow``: accept some N+1 findings, with a reason; they stay listed, marked allowed.

An allowance covers the findings of every recorder that is recording when its block is entered
(in this thread or task, for a ``local`` recorder) and of every recorder started inside the
block. Its pattern is matched against each finding in turn:

- the finding's id (``lazy_load:Payment.user@app/views.py:42``, see :attr:`Finding.id`);
- its target, as a glob: a relationship or column (``Payment.user``, ``Payment.*``), or the
  fingerprint of a repeated statement;
- its call site, as a glob, matching the end of the path: ``app/views.py:42``,
  ``app/views.py`` (any line), ``app/*.py:4?``.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from contextlib import ContextDecorator
from contextvars import ContextVar, Token
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from types import TracebackType
from typing import Protocol

from querybench.recorder.detection import Finding
from querybench.recorder.statement import display_path
from querybench.recorder.taps import LOCAL_RECORDERS

__all__ = ["AllowBlock", "Allowance", "allow", "mark_allowed"]

_LINE = re.compile(r":[\d*?\[\]!-]+$")
_COLUMNS = re.compile(r"^(\w+)\((.*)\)$")


@dataclass(frozen=True, slots=True)
class Allowance:
    """Findings that match ``pattern`` are acceptable, because of ``reason``."""

    pattern: str
    reason: str

    def matches(self, finding: Finding) -> bool:
        """Whether this allowance covers ``finding`` (see the module docstring)."""
        pattern = self.pattern
        if pattern == finding.id:
            return True
        if any(fnmatchcase(name, pattern) for name in _names(finding)):
            return True
        site = finding.callsite
        if site is None:
            return False
        paths = {site.filename, display_path(site.filename)}
        with_line = _LINE.search(pattern) is not None
        for path in paths:
            candidate = path.replace(os.sep, "/") + (f":{site.lineno}" if with_line else "")
            if fnmatchcase(candidate, pattern) or fnmatchcase(candidate, f"*/{pattern}"):
                return True
        return False


def _names(finding: Finding) -> list[str]:
    """What a finding's target can be called: ``Author(bio, name)`` is also ``Author.bio``."""
    names = [finding.target]
    columns = _COLUMNS.match(finding.target)
    if columns is not None:
        names += [f"{columns[1]}.{name.strip()}" for name in columns[2].split(",")]
    return names


def mark_allowed(
    findings: Iterable[Finding], allowances: Sequence[Allowance]
) -> tuple[Finding, ...]:
    """``findings`` with those an allowance covers marked allowed, with the first one's reason."""
    marked = []
    for finding in findings:
        allowance = next((a for a in allowances if a.matches(finding)), None)
        if allowance is not None:
            finding = replace(finding, allowed=True, allow_reason=allowance.reason)
        marked.append(finding)
    return tuple(marked)


class AllowanceSink(Protocol):
    """A recorder, as far as allowances are concerned."""

    local: bool

    def add_allowance(self, allowance: Allowance) -> None:
        """Mark this recorder's findings that ``allowance`` matches as allowed."""


_ACTIVE: ContextVar[tuple[Allowance, ...]] = ContextVar("querybench_allowances", default=())
_lock = threading.Lock()
_recording: list[AllowanceSink] = []


def recording_started(recorder: AllowanceSink) -> tuple[Allowance, ...]:
    """Register a recorder that starts now; returns the allowances already in force here."""
    with _lock:
        _recording.append(recorder)
    return _ACTIVE.get()


def recording_stopped(recorder: AllowanceSink) -> None:
    """Forget a recorder that stopped."""
    with _lock:
        if recorder in _recording:
            _recording.remove(recorder)


class AllowBlock(ContextDecorator):
    """What :func:`allow` returns: a context manager (or decorator) yielding its allowance."""

    def __init__(self, allowance: Allowance):
        self.allowance = allowance
        self._tokens: list[Token[tuple[Allowance, ...]]] = []

    def __enter__(self) -> Allowance:
        self._tokens.append(_ACTIVE.set((*_ACTIVE.get(), self.allowance)))
        here = LOCAL_RECORDERS.get()
        with _lock:
            recorders = [r for r in _recording if not r.local or r in here]
        for recorder in recorders:
            recorder.add_allowance(self.allowance)
        return self.allowance

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        token = self._tokens.pop()
        try:
            _ACTIVE.reset(token)
        except ValueError:  # left in another context (a decorator shared by threads)
            _ACTIVE.set(tuple(a for a in _ACTIVE.get() if a is not self.allowance))


def allow(target: str, reason: str) -> AllowBlock:
    """Mark the N+1 findings on ``target`` as allowed, with ``reason``, inside a ``with`` block.

    ``target`` is a relationship or column (``"Payment.user"``), a call site
    (``"app/views.py:42"``), a glob of either, or a finding id. Findings it matches are still
    reported, with ``allowed=True`` and ``allow_reason=reason``; the pytest plugin does not
    fail a test on them. It also works as a decorator::

        with querybench.allow("Payment.user", reason="admin page, at most 5 payments"):
            render_admin_page()
    """
    if not target.strip():
        raise ValueError("allow(target, reason): target is empty; name a relationship or a file")
    if not reason.strip():
        raise ValueError(
            f"allow({target!r}, reason): say why this N+1 is acceptable, the reason is shown "
            "with the finding"
        )
    return AllowBlock(Allowance(target, reason))
