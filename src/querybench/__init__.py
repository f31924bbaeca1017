"""querybench: count, fingerprint and benchmark the SQL statements an SQLAlchemy code path emits."""

from querybench.errors import QueryBudgetExceeded
from querybench.recorder import (
    CallSite,
    Duplicate,
    Finding,
    Growth,
    Origin,
    QueryRecorder,
    Statement,
    TransactionEvent,
    assert_max_queries,
    classify_growth,
    count_queries,
    fingerprint,
)

__all__ = [
    "CallSite",
    "Duplicate",
    "Finding",
    "Growth",
    "Origin",
    "QueryBudgetExceeded",
    "QueryRecorder",
    "Statement",
    "TransactionEvent",
    "assert_max_queries",
    "classify_growth",
    "count_queries",
    "fingerprint",
]
