"""Finding suites: files, modules and ``module:attribute`` references, ``[tool.querybench]``.

``load_suites(refs, root)`` imports each reference and returns its suites in order:

- ``benchmarks/bench_orders.py`` (a path, relative to ``root``): every ``Suite`` the file
  defines at module level, in definition order; ``path.py:name`` picks one;
- ``myapp.benchmarks``: the same for an importable module; ``myapp.benchmarks:suite`` picks one.
  The attribute may be a ``Suite`` or a function of no arguments returning one.

With no references, the ``suites = [...]`` list of ``[tool.querybench]`` in the nearest
``pyproject.toml`` (from ``root`` upward) is used, relative to that file's folder; with neither,
the built-in payments suite. ``root`` (and the pyproject's folder) goes on ``sys.path`` first,
so a suite file can import the project's own packages as its tests do.

Anything that goes wrong is one ``SuiteError`` line naming the reference and the reason: a file
that does not exist, an import that raises (with the file and line it raised at), a broken
scenario, an attribute that is not a suite, two suites of one name.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import tomllib
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from querybench.errors import SuiteError
from querybench.suites.suite import Suite

PYPROJECT = "pyproject.toml"
_PACKAGE = str(Path(__file__).resolve().parents[1])  # frames in querybench itself are not news


def load_suites(refs: Sequence[str] = (), root: Path | None = None) -> list[Suite]:
    """The suites ``refs`` name (see the module docstring); defaults as configured."""
    start = (root or Path.cwd()).resolve()
    base = start
    if not refs:
        configured = configured_suites(start)
        if configured is None:
            from querybench.scenarios import builtin

            return builtin.default_suites()
        refs, base = configured
    _on_path(start)
    _on_path(base)
    suites: list[Suite] = []
    for ref in refs:
        suites += load_reference(ref, base)
    seen: dict[str, str] = {}
    for suite in suites:
        if suite.name in seen:
            raise SuiteError(
                f"two suites are named {suite.name!r} ({seen[suite.name]} and {suite.origin}); "
                "give each suite a name of its own"
            )
        seen[suite.name] = suite.origin
    return suites


def configured_suites(start: Path) -> tuple[list[str], Path] | None:
    """``[tool.querybench] suites`` of the nearest ``pyproject.toml`` and its folder, if any."""
    for folder in (start, *start.parents):
        path = folder / PYPROJECT
        if not path.is_file():
            continue
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise SuiteError(f"{path}: cannot read [tool.querybench]: {error}") from None
        table = document.get("tool", {}).get("querybench", {})
        if "suites" not in table:
            return None  # the nearest pyproject.toml is the project's: look no further
        suites = table["suites"]
        if not isinstance(suites, list) or not all(isinstance(s, str) and s for s in suites):
            raise SuiteError(
                f"{path}: [tool.querybench] suites must be a list of files or modules, "
                f"got {suites!r}"
            )
        return list(suites), folder
    return None


def load_reference(ref: str, base: Path) -> list[Suite]:
    """The suites of one reference (a file or module, with an optional ``:attribute``)."""
    target, _, attribute = ref.partition(":")
    if target.endswith(".py") or "/" in target or "\\" in target:
        path = (base / target).resolve()
        if not path.is_file():
            raise SuiteError(f"{ref}: no such suite file ({path})")
        module = _import_file(path, ref)
        where = str(path)
    else:
        module = _import_module(target, ref)
        where = getattr(module, "__file__", None) or target
    if attribute:
        return [_attribute(module, attribute, ref, where)]
    found = [value for value in vars(module).values() if isinstance(value, Suite)]
    if not found:
        raise SuiteError(
            f"{ref}: {where} defines no Suite at module level; "
            "write suite = Suite(...) there, or name one with module:attribute"
        )
    for suite in found:
        suite.origin = suite.origin or where
    return list(dict.fromkeys(found))  # one suite bound to two names is one suite


def _attribute(module: ModuleType, attribute: str, ref: str, where: str) -> Suite:
    value: object = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise SuiteError(f"{ref}: {where} has no attribute {attribute!r}")
        value = getattr(value, part)
    if not isinstance(value, Suite) and callable(value):
        try:
            value = value()
        except Exception as error:
            raise SuiteError(f"{ref}: {attribute}() raised {_reason(error)}") from None
    if not isinstance(value, Suite):
        raise SuiteError(f"{ref}: {attribute} is {type(value).__name__}, not a querybench Suite")
    value.origin = value.origin or where
    return value


def _import_file(path: Path, ref: str) -> ModuleType:
    """Import a suite file under a name of its own (kept in ``sys.modules``: SQLAlchemy resolves
    a mapped class's annotations through its module)."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    name = f"querybench_suite_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SuiteError(f"{ref}: cannot import {path} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        del sys.modules[name]
        if not isinstance(error, Exception):
            raise
        raise SuiteError(f"{ref}: {_reason(error)}") from None
    return module


def _import_module(name: str, ref: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(f"{error.name}.")):
            raise SuiteError(
                f"{ref}: no module named {name!r} (neither a file nor an importable module)"
            ) from None
        raise SuiteError(f"{ref}: {_reason(error)}") from None
    except Exception as error:
        raise SuiteError(f"{ref}: {_reason(error)}") from None


def _reason(error: Exception) -> str:
    """The error on one line, with the innermost frame outside querybench that raised it."""
    text = " ".join(str(error).split())
    if isinstance(error, SyntaxError) and error.filename:
        return f"SyntaxError at {error.filename}:{error.lineno}: {error.msg}"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "importlib" not in frame.filename and not frame.filename.startswith(_PACKAGE)
    ]
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    kind = type(error).__name__
    if kind in {"ScenarioError", "SuiteError"}:
        return f"{text}{where}"
    return f"{kind}{where}: {text}"


def _on_path(folder: Path) -> None:
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
