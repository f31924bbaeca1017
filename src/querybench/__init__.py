"""querybench: count, fingerprint and benchmark the SQL statements an SQLAlchemy code path emits.

The benchmark suite API (``Suite``, ``Scenario``, ``Variant``, ``Registry``) imports only
SQLAlchemy. The dataset helpers a suite's builder uses (``callable_source``, ``BuildContext``,
``read_source_probes``) and ``load_suites`` come from the harness and are imported on first use,
so that ``import querybench`` (and the pytest plugin) stays cheap.
"""

from typing import TYPE_CHECKING, Any

from querybench.errors import QueryBudgetExceeded, ScenarioError, SuiteError
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
from querybench.suites.suite import Suite

if TYPE_CHECKING:
    from querybench.datasets import BuildContext, callable_source, read_source_probes
    from querybench.suites.discovery import load_suites

_LAZY = {
    "BuildContext": "querybench.datasets",
    "callable_source": "querybench.datasets",
    "read_source_probes": "querybench.datasets",
    "load_suites": "querybench.suites.discovery",
}


def __getattr__(name: str) -> Any:
    """The harness's names, imported when first asked for (PEP 562)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'querybench' has no attribute {name!r}")


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
    "read_source_probes",
]
