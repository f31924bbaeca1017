"""The tiny dataset on every backend (the scenario tests' fixtures), for the middleware tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenarios.conftest import tiny, tiny_engine

from querybench.recorder.taps import active_taps
from querybench.web.recording import release_all_listeners

# Importlib mode leaves sys.path alone; the tests' own apps live beside them (web_apps.py).
sys.path.insert(0, str(Path(__file__).parent))

__all__ = ["tiny", "tiny_engine"]


@pytest.fixture(autouse=True)
def release_middleware_listeners() -> Iterator[None]:
    """Every middleware a test made lets go of the recorder's listeners when the test ends,
    so that the recorder's own tests, in the same process, find no listener left behind."""
    yield
    release_all_listeners()
    assert active_taps() == 0
