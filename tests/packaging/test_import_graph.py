"""What ``import querybench`` and loading the pytest plugin import: the core's whole graph.

Each check runs in a fresh interpreter, so what this test process already imported cannot hide
an import. "Third-party" is every top-level module that is neither the standard library's nor
an interpreter internal (``_``-prefixed, ``cython_runtime``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

NEW_TOP_LEVEL = """
import json, sys

def third_party(names):
    tops = {{name.split(".")[0] for name in names}}
    return sorted(
        top for top in tops
        if top not in sys.stdlib_module_names and not top.startswith("_")
        and top != "cython_runtime"
    )

before = set(sys.modules)
{prepare}
ready = set(sys.modules)
{statement}
found = {{"prepared": third_party(ready - before), "new": third_party(set(sys.modules) - ready)}}
print(json.dumps(found))
"""

# Makes greenlet (and so SQLAlchemy's asyncio layer) unimportable, as in a core install on
# SQLAlchemy 2.1, which no longer installs greenlet.
NO_GREENLET = """
import importlib.abc, sys

class NoGreenlet(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "greenlet" or name.startswith("greenlet."):
            raise ImportError(f"No module named {name!r} (hidden by the test)")
        return None

sys.meta_path.insert(0, NoGreenlet())
"""


def imported(statement: str, prepare: str = "") -> dict[str, list[str]]:
    """The third-party top-level modules ``prepare`` and then ``statement`` import."""
    code = NEW_TOP_LEVEL.format(prepare=prepare, statement=statement)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path.cwd()
    )
    result: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_import_querybench_imports_nothing_third_party() -> None:
    assert imported("import querybench")["new"] == ["querybench"]


def test_loading_the_plugin_adds_nothing_to_what_pytest_imports() -> None:
    graph = imported("import querybench.pytest_plugin", prepare="import pytest")
    assert graph["new"] == ["querybench"]


def test_the_public_api_imports_sqlalchemy_sqlparse_and_what_sqlalchemy_itself_needs() -> None:
    sqlalchemy_alone = imported("import sqlalchemy.orm")["new"]
    graph = imported(
        "from querybench import allow, assert_max_queries, count_queries, prove_fix, fingerprint"
    )
    assert graph["new"] == sorted({"querybench", "sqlparse", *sqlalchemy_alone})
    # SQLAlchemy 2.0 imports greenlet itself where installed; querybench never does.
    assert ("greenlet" in graph["new"]) == ("greenlet" in sqlalchemy_alone)


def test_an_async_bind_loads_the_asyncio_layer_only_when_passed() -> None:
    pytest.importorskip("aiosqlite")
    graph = imported(
        "from querybench import count_queries\n"
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "recorder = count_queries(create_async_engine('sqlite+aiosqlite://'))"
    )
    assert "greenlet" in graph["new"]


def test_the_core_works_without_greenlet(tmp_path: Path) -> None:
    """Recorder, detection and the plugin's fixture and marker where greenlet is missing."""
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest
            import sqlalchemy as sa

            @pytest.mark.querybench_max_queries(1)
            def test_over_budget(query_counter):
                engine = sa.create_engine("sqlite://")
                with engine.connect() as connection:
                    for _ in range(3):
                        connection.execute(sa.text("SELECT 1"))
            """
        )
    )
    run_pytest = (
        "import pytest\n"
        f"status = pytest.main(['-q', '-p', 'no:cacheprovider', {str(tmp_path)!r}])\n"
        "import sqlalchemy as sa\n"
        "from querybench import count_queries\n"
        "engine = sa.create_engine('sqlite://')\n"
        "with engine.connect() as connection, count_queries(engine) as recorder:\n"
        "    connection.execute(sa.text('SELECT 1'))\n"
        "print('count', recorder.count, 'status', int(status))\n"
        "assert 'greenlet' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", NO_GREENLET + "import sys\n" + run_pytest],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "expected at most 1 statement, got 3" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "count 1 status 1"
