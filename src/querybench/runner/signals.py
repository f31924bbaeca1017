"""Holding SIGINT and SIGTERM back while a file is replaced, so a stop never leaves litter."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def signals_held() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM are noted, not acted on; after it, the first one
    noted is raised again, so it reaches the handler that was there before (main thread only:
    elsewhere Python delivers no signal anyway).

    Python runs a signal handler between any two bytecodes, for instance between creating a
    temporary file and entering the ``try`` that would remove it. Blocking the signal with
    ``pthread_sigmask`` is not enough: another thread (a progress bar's) can take it instead.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def note(number: int, _frame: FrameType | None) -> None:
        arrived.append(number)

    previous = {sig: signal.signal(sig, note) for sig in HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if arrived:
            signal.raise_signal(arrived[0])
