"""Terminal rendering of dataset specs and builds, as rich tables for ``querybench datasets``."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table

from querybench.datasets.build import BuiltSource
from querybench.datasets.parse import shown_path
from querybench.datasets.payments_source import BuiltDataset
from querybench.datasets.spec import DatasetSpec


def specs_table(specs: Sequence[DatasetSpec]) -> Table:
    """One row per spec: name, users, payments, sizes and the file it comes from."""
    table = Table(title="datasets", header_style="bold")
    table.add_column("name")
    table.add_column("users", justify="right")
    table.add_column("payments", justify="right")
    table.add_column("sizes")
    table.add_column("path", overflow="fold")
    for spec in specs:
        table.add_row(
            spec.name,
            f"{spec.users:,}",
            f"{spec.payments:,}",
            ", ".join(str(size) for size in spec.sizes),
            shown_path(spec.path) if spec.path is not None else "",
        )
    return table


def build_summary(built: BuiltDataset | BuiltSource) -> Group:
    """Row counts per table, then the database, content digest, build time and cache use."""
    counts = Table(title=f"dataset {built.name}", header_style="bold")
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, rows in sorted(built.row_counts.items()):
        counts.add_row(name, f"{rows:,}")
    counts.add_row("total", f"{built.rows:,}", style="bold")
    details = Table.grid(padding=(0, 2))
    details.add_column(style="bold")
    details.add_column(overflow="fold")
    details.add_row("database", built.url.render_as_string(hide_password=True))
    details.add_row("content digest", built.digest)
    details.add_row("build time", f"{built.seconds:.2f} s")
    details.add_row(
        "cached", "yes: copied from the build cache" if built.from_cache else "no: built"
    )
    return Group(counts, details)
