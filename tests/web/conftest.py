"""The tiny dataset on every backend (the scenario tests' fixtures), for the middleware tests."""

from __future__ import annotations

import sys
from pathlib import Path

from scenarios.conftest import tiny, tiny_engine

# Importlib mode leaves sys.path alone; the tests' own apps live beside them (web_apps.py).
sys.path.insert(0, str(Path(__file__).parent))

__all__ = ["tiny", "tiny_engine"]
