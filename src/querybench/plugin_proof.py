"""The proof line of the plugin's N+1 failures: re-run the failing test under ``prove_fix``.

When a test fails for N+1 findings (``--querybench-nplusone=fail``) or over its
``max_queries`` budget with findings, the plugin calls the test function again, twice, with the
same fixture values: once recorded, once with the derived loader options injected. The last
line of the failure message says what that showed. Imported only for such a failure, so it may
import SQLAlchemy; the re-run leaves no listener behind (``prove_fix`` removes its own).
"""

from __future__ import annotations

import inspect
import unittest
from collections.abc import Callable

import pytest

from querybench.recorder.prove import prove_fix

SIDE_EFFECTS_HINT = "a test with side effects? --querybench-prove=off skips this"

# Fixtures whose second use in one test would not repeat the first: pytest-benchmark refuses
# to run twice, and the query_counter the test asserts on stopped with the first call.
_ONCE_ONLY_FIXTURES = {
    "benchmark": "the test uses the benchmark fixture, which runs once per test",
    "query_counter": "the test uses the query_counter fixture, which records its first call only",
}


def rerun_of(item: pytest.Item) -> Callable[[], object] | str:
    """A callable that runs the test function again on the same fixture values, or why not."""
    if not isinstance(item, pytest.Function):
        return f"{type(item).__name__} is not a Python test function; only those are re-run"
    if item.cls is not None and issubclass(item.cls, unittest.TestCase):
        return "a unittest.TestCase method is not re-run (its setUp and tearDown would not be)"
    function = item.obj
    if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
        return "an async test is not re-run (prove_fix calls a plain function, with no event loop)"
    for name, reason in _ONCE_ONLY_FIXTURES.items():
        if name in item.funcargs:
            return reason
    # The arguments pytest's own pytest_pyfunc_call passes: the function's parameters only,
    # not the autouse fixtures, which are in funcargs too.
    arguments = {name: item.funcargs[name] for name in item._fixtureinfo.argnames}
    return lambda: function(**arguments)


def _raised(error: BaseException) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def plans_line(item: pytest.Item) -> str:
    """One line: ``plans: <findings, advice, proofs>`` from re-running the test under
    ``prove_plan_fix``, or ``plans: not run: <why>``. Never raises for what the test does."""
    rerun = rerun_of(item)
    if isinstance(rerun, str):
        line = f"plans: not run: {rerun}"
    else:
        from querybench.plans.fix import prove_plan_fix

        try:
            line = f"plans: {prove_plan_fix(rerun)}"
        except (Exception, pytest.fail.Exception, pytest.skip.Exception) as error:
            line = f"plans: not run: re-running the test raised {_raised(error)}"
    return " ".join(line.split())


def proof_line(item: pytest.Item) -> str:
    """One line: ``proof: <the proof>`` when the derived options proved the fix, else
    ``not proven: <why>``. Never raises for what the test does: the failure it ends stays."""
    rerun = rerun_of(item)
    if isinstance(rerun, str):
        line = f"not proven: {rerun}"
    else:
        try:
            proof = prove_fix(rerun)
        except (Exception, pytest.fail.Exception, pytest.skip.Exception) as error:
            line = f"not proven: re-running the test raised {_raised(error)} ({SIDE_EFFECTS_HINT})"
        else:
            line = f"proof: {proof}" if proof.proven else f"not proven: {proof.reason}"
    return " ".join(line.split())
