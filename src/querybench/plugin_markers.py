"""The plugin's marker names: prefixed names of its own, and short aliases it may not own.

``querybench_max_queries`` and ``querybench_allow_nplusone`` are querybench's; no other plugin
takes a name under our prefix (pytest-django prefixes its own the same way). The short names
``max_queries`` and ``allow_nplusone`` are also pytest-querycount's and pytest-queryguard's,
so they are aliases that querybench honours only while nothing else registers them.

Ownership is decided when the first test runs, not when the plugin loads: by then every
plugin's and every conftest's ``pytest_configure`` has run, whatever order pytest loaded them
in, and every registered marker is a line of ``config.getini("markers")``. A short name that
any line but ours registers (another plugin, a conftest, the ini file) is left to its owner:
querybench reads only the prefixed marker then, so no test is ever judged twice under one name.
The alias lines are registered either way, so ``--strict-markers`` accepts the short names.
"""

from __future__ import annotations

import pytest

BUDGET_MARKER = "querybench_max_queries"
ALLOW_MARKER = "querybench_allow_nplusone"
ALIASES = {"max_queries": BUDGET_MARKER, "allow_nplusone": ALLOW_MARKER}
"""Short name -> the prefixed marker it stands for while no other plugin registers it."""

PRIMARY_LINES = {
    BUDGET_MARKER: f"{BUDGET_MARKER}(n): fail the test when its function emits more than n SQL "
    "statements (querybench)",
    ALLOW_MARKER: f"{ALLOW_MARKER}(*patterns, reason=None): allow the test's N+1 findings that a "
    "pattern matches (a relationship, call site, glob or finding id; none: all of them), listed "
    "with the reason (querybench)",
}

OWNED_ALIASES = pytest.StashKey[frozenset[str]]()


def alias_line(alias: str) -> str:
    """The marker line querybench registers for a short name (recognised as ours by its text)."""
    primary = ALIASES[alias]
    return (
        f"{alias}: querybench's alias of {primary}, used by querybench only while no other "
        f"plugin registers {alias} (then write @pytest.mark.{primary})"
    )


def marker_lines() -> list[str]:
    """Every marker line the plugin registers: its own names, then the aliases."""
    return [*PRIMARY_LINES.values(), *map(alias_line, ALIASES)]


def _marker_name(line: str) -> str:
    """``name`` of a ``markers`` line ``name(args): description`` or ``name: description``."""
    return line.split(":", 1)[0].split("(", 1)[0].strip()


def owned_aliases(config: pytest.Config) -> frozenset[str]:
    """The short names no line but ours registers (decided once, when the first test runs)."""
    owned = config.stash.get(OWNED_ALIASES, None)
    if owned is None:
        ours = set(marker_lines())
        taken = {
            _marker_name(str(line)) for line in config.getini("markers") if str(line) not in ours
        }
        owned = frozenset(alias for alias in ALIASES if alias not in taken)
        config.stash[OWNED_ALIASES] = owned
    return owned


def closest_marker(item: pytest.Item, primary: str) -> pytest.Mark | None:
    """The test's closest ``primary`` marker, else its alias's while querybench owns the alias."""
    marker = item.get_closest_marker(primary)
    if marker is not None:
        return marker
    for alias in owned_aliases(item.config):
        if ALIASES[alias] == primary:
            return item.get_closest_marker(alias)
    return None
