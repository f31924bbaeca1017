"""Results to report on, built in memory: small, exact, and shaped like a real run's.

``sample_results`` has three scenarios chosen to exercise every part of the page:

- ``PaymentRepository.get_payments_by_status``: N+1 in naive, the three loader strategies and
  the raw floor, rows not reported (as pysqlite does for SELECT): 3 charts, no rows chart;
- ``PaymentRepository.get_user_payments_with_user``: the seed's wrong claim (naive emits 2, not
  N + 1, at N=10 and 100), rows reported: 4 charts;
- ``QueryHelper.count``: naive and eager only: 2 charts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from html.parser import HTMLParser
from pathlib import Path

import pytest

from querybench.report.html import render_html
from querybench.runner.results import (
    BackendInfo,
    Cell,
    Environment,
    FindingRecord,
    Results,
    StatementGroup,
    write_atomic,
)
from querybench.runner.timing import Latency

SIZES = (1, 10, 100)
EXPECTED_CHARTS = 3 + 4 + 2
LAZY_USER_SQL = "SELECT users.id, users.email, users.full_name FROM users WHERE users.id = ?"
USER_FIX = ".options(joinedload(Payment.user)) on the query at repositories.py:65"


def in_ci() -> bool:
    """CI=true turns a missing tool from a skip into a failure."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def latency(milliseconds: float, spread: float = 0.1) -> Latency:
    """A latency around ``milliseconds`` with a symmetric interquartile range."""
    median = milliseconds / 1e3
    return Latency(
        median=median,
        q1=median * (1 - spread),
        q3=median * (1 + spread),
        minimum=median * 0.8,
        mean=median,
        stdev=median * spread,
        rounds=5,
    )


def environment(**changes: str) -> Environment:
    """The environment block of a SQLite run (fields overridable)."""
    values = {
        "python": "3.11.7",
        "sqlalchemy": "2.1.9",
        "querybench": "0.1.0",
        "machine": "Linux 6.1 x86_64",
        "cpu": "Test CPU (2 cores)",
        "git_commit": "abc123def456",
        "started_at": "2026-11-25T12:00:00+00:00",
        "dataset": "tiny",
        "dataset_digest": "d1g35t",
    }
    values.update(changes)
    backend = BackendInfo("sqlite", "sqlite", "pysqlite", "3.40.1", "sqlite:///tiny.sqlite", 2.5)
    return Environment(**values, backends=(backend,))


def cell(
    scenario: str,
    variant: str,
    size: int,
    queries: int,
    *,
    rows: int = 0,
    ms: float = 1.0,
    findings: Sequence[FindingRecord] = (),
    status: str = "ok",
    error: str = "",
) -> Cell:
    """One cell whose statements are ``queries`` SELECTs of one fingerprint."""
    return Cell(
        scenario=scenario,
        variant=variant,
        size=size,
        backend="sqlite",
        queries=queries,
        rows=rows,
        latency=latency(ms) if status == "ok" else None,
        findings=tuple(findings),
        statements=(StatementGroup(f"SELECT {variant} FROM t WHERE n = ?", queries, ms / 2e3),),
        status=status,
        error=error,
    )


def _lazy_user(size: int) -> FindingRecord:
    return FindingRecord(
        "lazy_load", "Payment.user", size, LAZY_USER_SQL, "serialise.py:81", USER_FIX
    )


def sample_cells() -> list[Cell]:
    """The three scenarios of this module's docstring, at N = 1, 10, 100."""
    by_status = "PaymentRepository.get_payments_by_status"
    own = "PaymentRepository.get_user_payments_with_user"
    cells = []
    for n in SIZES:
        lazy = [_lazy_user(n)] if n > 1 else []
        cells += [
            cell(by_status, "naive", n, n + 1, ms=0.2 * n + 0.5, findings=lazy),
            cell(by_status, "eager", n, 1, ms=0.05 * n + 0.4),
            cell(by_status, "joined", n, 1, ms=0.05 * n + 0.4),
            cell(by_status, "selectin", n, 2, ms=0.04 * n + 0.5),
            cell(by_status, "subquery", n, 2, ms=0.06 * n + 0.6),
            cell(by_status, "raw", n, 1, ms=0.01 * n + 0.1),
            cell(own, "naive", n, 2, rows=n + 1, ms=0.1 * n + 0.5),
            cell(own, "eager", n, 1, rows=n, ms=0.08 * n + 0.4),
            cell(own, "joined", n, 1, rows=n, ms=0.08 * n + 0.4),
            cell(own, "selectin", n, 2, rows=n + 1, ms=0.09 * n + 0.5),
            cell(own, "subquery", n, 2, rows=n + 1, ms=0.1 * n + 0.5),
            cell("QueryHelper.count", "naive", n, 1, ms=0.1 * n + 0.3),
            cell("QueryHelper.count", "eager", n, 1, ms=0.3),
        ]
    return cells


@pytest.fixture(scope="session")
def sample_results() -> Results:
    """A complete run of the three sample scenarios (immutable, so shared)."""
    return Results(environment=environment(), cells=tuple(sample_cells()))


@pytest.fixture(scope="session")
def sample_html(sample_results: Results) -> str:
    """The HTML report of ``sample_results``, rendered once."""
    return render_html(sample_results)


@pytest.fixture
def write_results(tmp_path: Path) -> Callable[[Results, str], Path]:
    """Write results as JSON under tmp_path and return the path."""

    def write(results: Results, name: str = "results.json") -> Path:
        path = tmp_path / name
        write_atomic(path, results.to_json())
        return path

    return write


@pytest.fixture
def expected_charts() -> int:
    """How many charts the sample results make (see this module's docstring)."""
    return EXPECTED_CHARTS


@pytest.fixture
def make_cell() -> Callable[..., Cell]:
    """The cell builder, for tests that need their own cells."""
    return cell


@pytest.fixture
def make_environment() -> Callable[..., Environment]:
    """The environment builder, for tests that need their own."""
    return environment


@pytest.fixture
def chromium() -> str:
    """Debian's chromium; skipped where it is not installed, a failure under CI=true."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "chromium is not installed (apt-get install -y chromium)"
        if in_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    return found


class Node:
    """An element of a parsed page: tag, attributes, children (nodes and text)."""

    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []

    @property
    def classes(self) -> list[str]:
        """The element's CSS classes."""
        return (self.attrs.get("class") or "").split()

    def iter(self) -> list[Node]:
        """This element and every element under it, in document order."""
        found = [self]
        for child in self.children:
            if isinstance(child, Node):
                found += child.iter()
        return found

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        """Elements named ``tag`` (with class ``cls``) under this one."""
        return [n for n in self.iter() if n.tag == tag and (cls is None or cls in n.classes)]

    def text(self) -> str:
        """All the text under this element, as a reader sees it (whitespace collapsed)."""
        parts = [
            c if isinstance(c, str) else f" {c.text()} " if c.tag in BLOCKS else c.text()
            for c in self.children
        ]
        return " ".join("".join(parts).split())

    def rows(self) -> list[list[str]]:
        """A table's rows as lists of cell texts (header row included)."""
        return [
            [cell.text() for cell in tr.iter() if cell.tag in {"td", "th"}]
            for tr in self.find_all("tr")
        ]


BLOCKS = {
    "p",
    "div",
    "li",
    "dt",
    "dd",
    "td",
    "th",
    "tr",
    "h1",
    "h2",
    "h3",
    "pre",
    "section",
    "text",
}
VOID = {"meta", "link", "br", "wbr", "img", "input", "hr", "col", "source", "area", "base"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    """The document tree of ``text``, built with the standard library's html.parser."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


@pytest.fixture
def parse() -> Callable[[str], Node]:
    """The page parser (html.parser based), for assertions on structure rather than on text."""
    return parse_html
