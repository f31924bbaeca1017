"""Statement recording: count, fingerprint and explain the SQL a code path sends."""

from querybench.recorder.allow import Allowance, allow
from querybench.recorder.binds import Bind
from querybench.recorder.budget import assert_max_queries
from querybench.recorder.counting import QueryRecorder, count_queries
from querybench.recorder.detection import Duplicate, Finding, find_duplicates, find_n_plus_one
from querybench.recorder.fingerprint import fingerprint, statement_kind
from querybench.recorder.growth import Growth, classify_growth
from querybench.recorder.prove import FixProof, prove_fix
from querybench.recorder.statement import CallSite, Origin, Statement, TransactionEvent
from querybench.recorder.usage import CartesianLoad, EagerLoadUsage

__all__ = [
    "Allowance",
    "Bind",
    "CallSite",
    "CartesianLoad",
    "Duplicate",
    "EagerLoadUsage",
    "Finding",
    "FixProof",
    "Growth",
    "Origin",
    "QueryRecorder",
    "Statement",
    "TransactionEvent",
    "allow",
    "assert_max_queries",
    "classify_growth",
    "count_queries",
    "find_duplicates",
    "find_n_plus_one",
    "fingerprint",
    "prove_fix",
    "statement_kind",
]
