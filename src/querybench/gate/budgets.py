"""Query budgets from configuration: ``[tool.querybench.budgets."<scenario>"]`` tables.

Each table gives a scenario's ``max_queries`` (statements per cell, at any size) and/or its
required ``growth`` class (``constant``, ``linear`` or ``superlinear``: the worst allowed), for
its ``variant`` (``eager`` unless said). The file is ``pyproject.toml`` in the current folder
unless ``--config PATH`` names another TOML file (with a ``[tool.querybench]`` table, or a
``budgets`` table at its top). Anything malformed is one line naming the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from querybench.errors import QuerybenchError
from querybench.recorder.growth import GrowthVerdict

GROWTH_ORDER: tuple[GrowthVerdict, ...] = ("constant", "linear", "superlinear")
KEYS = ("max_queries", "growth", "variant")


@dataclass(frozen=True)
class Budget:
    """What one scenario's variant may cost."""

    scenario: str
    variant: str = "eager"
    max_queries: int | None = None
    growth: GrowthVerdict | None = None
    source: str = ""

    @property
    def where(self) -> str:
        """Where the budget was set, for messages."""
        return f'{self.source} [tool.querybench.budgets."{self.scenario}"]'


def _budget(scenario: str, table: object, source: str) -> Budget:
    where = f'{source}: [tool.querybench.budgets."{scenario}"]'
    if not isinstance(table, dict):
        raise QuerybenchError(f"{where}: expected a table of {', '.join(KEYS)}")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise QuerybenchError(f"{where}: unknown key {unknown[0]!r}; expected {', '.join(KEYS)}")
    if not set(table) & {"max_queries", "growth"}:
        raise QuerybenchError(f"{where}: set max_queries, growth or both")
    limit = table.get("max_queries")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise QuerybenchError(f"{where}: max_queries must be a whole number >= 0, got {limit!r}")
    growth = table.get("growth")
    if growth is not None and growth not in GROWTH_ORDER:
        raise QuerybenchError(
            f"{where}: growth must be one of {', '.join(GROWTH_ORDER)}, got {growth!r}"
        )
    variant = table.get("variant", "eager")
    if not isinstance(variant, str) or not variant:
        raise QuerybenchError(f"{where}: variant must be a variant name, got {variant!r}")
    return Budget(scenario, variant, limit, growth, source)


def parse_budgets(config: dict[str, Any], source: str) -> tuple[Budget, ...]:
    """The budgets of a ``[tool.querybench]`` table (other keys belong to other commands)."""
    budgets = config.get("budgets", {})
    if not isinstance(budgets, dict):
        raise QuerybenchError(f"{source}: [tool.querybench.budgets] must be a table of scenarios")
    return tuple(_budget(name, table, source) for name, table in budgets.items())


def load_budgets(path: Path | None, *, cwd: Path | None = None) -> tuple[Budget, ...]:
    """Budgets from ``path``, else from ``pyproject.toml`` in ``cwd`` if there is one."""
    explicit = path is not None
    target = path if path is not None else (cwd or Path.cwd()) / "pyproject.toml"
    if not explicit and not target.is_file():
        return ()
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except OSError as error:
        raise QuerybenchError(f"{target}: cannot read ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise QuerybenchError(f"{target}: not valid TOML ({error})") from None
    tool = data.get("tool", {})
    section = tool.get("querybench") if isinstance(tool, dict) else None
    if section is None:
        section = {"budgets": data["budgets"]} if explicit and "budgets" in data else {}
    if not isinstance(section, dict):
        raise QuerybenchError(f"{target}: [tool.querybench] must be a table")
    return parse_budgets(section, str(target))
