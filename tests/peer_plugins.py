"""What the pytester projects' ini files need for the peer plugins the environment may hold."""

from __future__ import annotations

from importlib.util import find_spec

# pytest-asyncio (in [dev], and in many users' environments) warns at start-up, an error under
# filterwarnings = error, unless its loop scope is set; the key is unknown (also an error)
# without it. A user's project with pytest-asyncio sets it, so these projects do too.
ASYNCIO_INI = "asyncio_default_fixture_loop_scope = function" if find_spec("pytest_asyncio") else ""
