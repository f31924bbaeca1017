"""The databases' own record of what ran: the oracles the recorder's counts are checked against.

Nobody in this project wrote them: sqlite3 calls its trace callback for every statement it
executes (once per parameter set of an executemany), and a PostgreSQL server started with
``log_statement = all`` writes one ``statement:`` or ``execute`` line per statement to its log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END)\b", re.I)


@dataclass
class SqliteTrace:
    """Every statement sqlite3 itself executed, as its trace callback reported them."""

    lines: list[str] = field(default_factory=list)

    def statements(self) -> list[str]:
        """The traced statements, transaction control left out."""
        return [line for line in self.lines if not TRANSACTION_CONTROL.match(line)]

    def clear(self) -> None:
        """Forget what was traced so far."""
        self.lines.clear()


_LOG_ENTRY = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] \S* ?LOG:  (?:statement|execute [^:]*): (.*)$")


@dataclass
class PostgresLog:
    """The server's log of executed statements, read back for one backend process."""

    path: Path
    offset: int = 0

    def mark(self) -> None:
        """Start reading from the current end of the log."""
        self.offset = self.path.stat().st_size

    def statements(self, pid: int) -> list[str]:
        """Statements backend ``pid`` executed since :meth:`mark`, transaction control aside."""
        with self.path.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode("utf-8", "replace")
        found = []
        for line in text.splitlines():
            match = _LOG_ENTRY.match(line)
            if match and int(match.group(1)) == pid and not TRANSACTION_CONTROL.match(match[2]):
                found.append(match.group(2))
        return found
