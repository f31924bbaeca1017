"""The one error hierarchy: every usage error the command line turns into one line and exit 2."""

from __future__ import annotations


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


class ResultsError(QuerybenchError):
    """A results or baseline file is unreadable or has the wrong schema."""


class QueryBudgetExceeded(AssertionError):
    """More statements were emitted than a budget allows (an AssertionError, so test runners report it)."""
