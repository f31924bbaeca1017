"""The one error hierarchy: every usage error the command line turns into one line and exit 2.

``Interrupted`` stands apart: it is a stop, not an error, so it is not a ``QuerybenchError``.
"""

from __future__ import annotations

import signal


class QuerybenchError(Exception):
    """Base of every error querybench raises on purpose; its message is one line for the user."""


class SpecError(QuerybenchError):
    """A dataset spec is malformed: the message names the file, the key and the problem."""


class OwnershipError(QuerybenchError):
    """The target database holds tables querybench did not create; nothing was changed."""


class BackendError(QuerybenchError):
    """A database URL is malformed, its driver is missing, or its server is unreachable."""


class ScenarioError(QuerybenchError):
    """A scenario is unknown, or registered without the variants it must have."""


class SuiteError(ScenarioError):
    """A suite cannot be loaded: a missing file, an import that raises, a broken scenario."""


class ResultsError(QuerybenchError):
    """A results or baseline file is unreadable or has the wrong schema."""


class QueryBudgetExceeded(AssertionError):
    """More statements were emitted than a budget allows.

    An ``AssertionError``, so that test runners report it as a failed assertion.
    """


class Interrupted(BaseException):
    """A run was stopped by SIGINT or SIGTERM; ``exit_code`` is 128 + the signal (130 / 143).

    A ``BaseException``, like ``KeyboardInterrupt``: the ``except Exception`` that turns a
    failing scenario into a failed cell (and those in SQLAlchemy or a user's scenario code)
    must let it through, or a signal would fail the one cell it landed in and the run go on.
    """

    def __init__(self, signal_number: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signal_number).name}")
        self.exit_code = 128 + signal_number
