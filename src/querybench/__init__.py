"""querybench: count, fingerprint and benchmark the SQL statements an SQLAlchemy code path emits.

The public names load on first use (PEP 562), so ``import querybench`` and the pytest plugin,
which pytest loads in every run of an environment querybench is installed in, import no
SQLAlchemy until a test or a user's code asks for a recorder.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from querybench.errors import QueryBudgetExceeded
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

__all__ = [
    "Allowance",
    "CallSite",
    "CartesianLoad",
    "Duplicate",
    "EagerLoadUsage",
    "Finding",
    "FixProof",
    "Growth",
    "Origin",
    "QueryBudgetExceeded",
    "QueryRecorder",
    "Statement",
    "TransactionEvent",
    "allow",
    "assert_max_queries",
    "classify_growth",
    "count_queries",
    "fingerprint",
    "prove_fix",
]


def __getattr__(name: str) -> object:
    """Import a public name's module on first use, and keep the name for the next lookups."""
    if name not in __all__:
        raise AttributeError(f"module 'querybench' has no attribute {name!r}")
    home = "querybench.errors" if name == "QueryBudgetExceeded" else "querybench.recorder"
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names beside the module's own, loaded or not."""
    return sorted({*globals(), *__all__})
