"""``assert_max_queries``: fail a block that emits more statements than its budget."""

from __future__ import annotations

from types import TracebackType

from querybench.errors import QueryBudgetExceeded
from querybench.recorder.binds import Bind
from querybench.recorder.callsite import current_callsite
from querybench.recorder.counting import QueryRecorder
from querybench.recorder.statement import CallSite, Statement

DEFAULT_MAX_LISTED = 50
"""Statements shown one by one in a failure message; the rest are summarised in one line."""

_SQL_WIDTH = 240
_PARAMS_WIDTH = 100


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _describe(number: int, statement: Statement) -> str:
    params = f"  {_shorten(repr(statement.params), _PARAMS_WIDTH)}" if statement.params else ""
    batch = f" x{statement.batch_size} (executemany)" if statement.executemany else ""
    where = f" at {statement.callsite}" if statement.callsite else ""
    return (
        f"{number:>4}. {_shorten(statement.sql, _SQL_WIDTH)}{params}{batch}"
        f"  -- {statement.origin}{where}"
    )


def budget_message(
    recorder: QueryRecorder, limit: int, where: CallSite | None, max_listed: int
) -> str:
    """The failure text: what and where, expected vs actual, each statement, then the N+1s."""
    place = f"{where}: " if where else ""
    statements = recorder.statements
    lines = [
        f"{place}expected at most {limit} {'statement' if limit == 1 else 'statements'}, "
        f"got {recorder.count}. Remove the extra statements (fixes below), or accept them "
        f"with assert_max_queries({recorder.count}).",
        "Statements:",
        *(_describe(number, s) for number, s in enumerate(statements[:max_listed], start=1)),
    ]
    hidden = recorder.count - min(len(statements), max_listed)
    if hidden:
        lines.append(f"      ... and {hidden} more not shown")
    duplicates = recorder.duplicates()
    if duplicates:
        lines.append("Duplicates (same SQL, same parameters):")
        lines.extend(f"  - {duplicate}" for duplicate in duplicates)
    findings = recorder.n_plus_one()
    lines.append("N+1 findings:" if findings else "N+1 findings: none.")
    lines.extend(f"  - {finding}" for finding in findings)
    return "\n".join(lines)


class QueryBudget:
    """The context manager :func:`assert_max_queries` returns; it yields its recorder."""

    def __init__(self, limit: int, recorder: QueryRecorder, max_listed: int):
        self.limit = limit
        self.recorder = recorder
        self.max_listed = max_listed
        self.where: CallSite | None = None

    def __enter__(self) -> QueryRecorder:
        self.where = current_callsite()
        return self.recorder.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.recorder.stop()
        # An error inside the block is the more useful report; the budget is checked otherwise.
        if exc_type is None and self.recorder.count > self.limit:
            message = budget_message(self.recorder, self.limit, self.where, self.max_listed)
            raise QueryBudgetExceeded(message)


def assert_max_queries(
    n: int,
    bind: Bind | None = None,
    *,
    local: bool = False,
    include_transaction_control: bool = False,
    max_listed: int = DEFAULT_MAX_LISTED,
) -> QueryBudget:
    """Raise :class:`QueryBudgetExceeded` if the ``with`` block emits more than ``n`` statements.

    The message numbers the statements with their call sites and origins, lists exact
    duplicates, and ends with the N+1 findings and their fixes. Other options are those of
    :func:`querybench.count_queries`.
    """
    if n < 0:
        raise ValueError(f"assert_max_queries(n): n must be 0 or more, got {n}")
    recorder = QueryRecorder(
        bind, local=local, include_transaction_control=include_transaction_control
    )
    return QueryBudget(n, recorder, max_listed)
