"""The per-request rows of a run: the route scenarios, naive beside eager, with response sizes.

Route scenarios are the cells that carry ``response_bytes`` (the runner keeps it for any
variant that returns a response); each row is one route at one size on one backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from rich import box
from rich.table import Table

from querybench.report.terminal import duration
from querybench.runner.results import Cell

HEADER = ("route", "N", "backend", "naive statements/request", "eager statements/request",
          "naive latency", "eager latency", "response bytes")  # fmt: skip


@dataclass(frozen=True)
class RequestRow:
    """One route at one size on one backend, naive and eager."""

    route: str
    size: int
    backend: str
    naive: Cell
    eager: Cell

    def values(self) -> tuple[str, ...]:
        """The row as text, in :data:`HEADER` order."""
        return (
            self.route, str(self.size), self.backend, str(self.naive.queries),
            str(self.eager.queries),
            duration(self.naive.latency.median if self.naive.latency else None),
            duration(self.eager.latency.median if self.eager.latency else None),
            str(self.eager.response_bytes),
        )  # fmt: skip


def request_rows(cells: Sequence[Cell]) -> list[RequestRow]:
    """The route scenarios' rows, in the run's order."""
    found: dict[tuple[str, int, str], dict[str, Cell]] = {}
    for cell in cells:
        if cell.response_bytes is not None and cell.status == "ok":
            found.setdefault((cell.scenario, cell.size, cell.backend), {})[cell.variant] = cell
    return [
        RequestRow(scenario, size, backend, pair["naive"], pair["eager"])
        for (scenario, size, backend), pair in found.items()
        if "naive" in pair and "eager" in pair
    ]


def request_table(cells: Sequence[Cell]) -> Table | None:
    """The terminal table of per-request rows, or None when the run measured no route."""
    rows = request_rows(cells)
    if not rows:
        return None
    table = Table(
        title="Per request, through the HTTP stack (routes.*)", title_justify="left",
        header_style="bold", box=box.SIMPLE_HEAD,
    )  # fmt: skip
    for index, name in enumerate(HEADER):
        table.add_column(name, justify="left" if index in (0, 2) else "right", no_wrap=True)
    for row in rows:
        table.add_row(*row.values())
    return table


def request_html(cells: Sequence[Cell]) -> str:
    """The same rows as an HTML table ("" when there are none); every value escaped."""
    rows = request_rows(cells)
    if not rows:
        return ""
    head = "".join(f"<th>{escape(name)}</th>" for name in HEADER)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(value)}</td>" for value in row.values()) + "</tr>"
        for row in rows
    )
    return f'<table class="per-request"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
