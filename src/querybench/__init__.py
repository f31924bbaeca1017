"""querybench: count, fingerprint and benchmark the SQL statements an SQLAlchemy code path emits.

The public names load on first use (PEP 562), so ``import querybench`` and the pytest plugin,
which pytest loads in every run of an environment querybench is installed in, import no
SQLAlchemy until a test or a user's code asks for a recorder. The benchmark suite API
(``Suite``, ``Scenario``, ``Variant``, ``Registry``) needs only SQLAlchemy; the dataset helpers
a suite's builder uses (``callable_source``, ``BuildContext``, ``read_source_probes``) and
``load_suites`` come from the harness (``querybench[bench]``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from querybench.datasets import BuildContext, callable_source, read_source_probes
    from querybench.errors import QueryBudgetExceeded, ScenarioError, SuiteError
    from querybench.plans.fix import PlanFixProof, prove_plan_fix
    from querybench.recorder import (
        Allowance,
        CallSite,
        CartesianLoad,
        Duplicate,
        EagerLoadUsage,
        Finding,
        FixProof,
        Growth,
        Origin,
        QueryRecorder,
        Statement,
        TransactionEvent,
        allow,
        assert_max_queries,
        classify_growth,
        count_queries,
        fingerprint,
        prove_fix,
    )
    from querybench.scenarios.registry import ExpectedGrowth, Registry, Scenario, Variant
    from querybench.suites.discovery import load_suites
    from querybench.suites.suite import Suite

# Where each public name lives when it is not the recorder's.
_HOMES = {
    "QueryBudgetExceeded": "querybench.errors",
    "ScenarioError": "querybench.errors",
    "SuiteError": "querybench.errors",
    "ExpectedGrowth": "querybench.scenarios.registry",
    "Registry": "querybench.scenarios.registry",
    "Scenario": "querybench.scenarios.registry",
    "Variant": "querybench.scenarios.registry",
    "Suite": "querybench.suites.suite",
    "load_suites": "querybench.suites.discovery",
    "BuildContext": "querybench.datasets",
    "callable_source": "querybench.datasets",
    "read_source_probes": "querybench.datasets",
    "PlanFixProof": "querybench.plans.fix",
    "prove_plan_fix": "querybench.plans.fix",
}

__all__ = [
    "Allowance",
    "BuildContext",
    "CallSite",
    "CartesianLoad",
    "Duplicate",
    "EagerLoadUsage",
    "ExpectedGrowth",
    "Finding",
    "FixProof",
    "Growth",
    "Origin",
    "PlanFixProof",
    "QueryBudgetExceeded",
    "QueryRecorder",
    "Registry",
    "Scenario",
    "ScenarioError",
    "Statement",
    "Suite",
    "SuiteError",
    "TransactionEvent",
    "Variant",
    "allow",
    "assert_max_queries",
    "callable_source",
    "classify_growth",
    "count_queries",
    "fingerprint",
    "load_suites",
    "prove_fix",
    "prove_plan_fix",
    "read_source_probes",
]


def __getattr__(name: str) -> object:
    """Import a public name's module on first use, and keep the name for the next lookups."""
    if name not in __all__:
        raise AttributeError(f"module 'querybench' has no attribute {name!r}")
    value = getattr(import_module(_HOMES.get(name, "querybench.recorder")), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names beside the module's own, loaded or not."""
    return sorted({*globals(), *__all__})
