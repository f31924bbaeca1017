"""The plugin's fixtures, in their own module; the plugin module imports them to register them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from querybench.plugin_recording import QueryCounter


@pytest.fixture
def query_counter() -> Iterator[QueryCounter]:
    """A recorder of every engine's statements while the test function runs.

    ``query_counter.count``, ``.statements`` and ``.n_plus_one()`` cover the test's call
    (fixture setup and teardown excluded). ``query_counter(bind)`` records one Engine,
    Connection or Session (sync or async) from the call on; use it as
    ``with query_counter(engine) as queries:`` to end the recording with the block.
    """
    # Imported here, not at the top: SQLAlchemy loads only in tests that use the fixture.
    from querybench.plugin_recording import QueryCounter

    counter = QueryCounter()
    try:
        yield counter
    finally:
        counter.close()
