"""The built-in registry: every component of the seed's payments backend as paired scenarios."""

from __future__ import annotations

from querybench.scenarios.cache_scenarios import add_cache_scenarios
from querybench.scenarios.helper_scenarios import add_helper_scenarios
from querybench.scenarios.registry import Registry
from querybench.scenarios.repository_scenarios import add_repository_scenarios
from querybench.scenarios.route_scenarios import add_route_scenarios


def payments_registry() -> Registry:
    """A fresh registry of the payments scenarios (a new object on each call)."""
    registry = Registry()
    add_repository_scenarios(registry)
    add_helper_scenarios(registry)
    add_cache_scenarios(registry)
    add_route_scenarios(registry)
    return registry
