"""``querybench scenarios``: the suites' scenarios as a table, tab-separated text or JSON.

Names are never cut: in a terminal the name column is as wide as the longest name and the
other columns wrap; off a terminal (a pipe, a file) each scenario is one tab-separated line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from querybench.suites.suite import Suite

COLUMNS = ("suite", "scenario", "variants", "N is", "description")


def scenario_records(suites: Sequence[Suite]) -> list[dict[str, Any]]:
    """One plain record per scenario, in suite then registration order."""
    return [
        {
            "suite": suite.name,
            "scenario": scenario.name,
            "variants": list(scenario.variants),
            "reference": scenario.reference,
            "size_meaning": scenario.size_meaning,
            "sizes": None if scenario.sizes is None else list(scenario.sizes),
            "writes": scenario.writes,
            "description": scenario.description,
        }
        for suite in suites
        for scenario in suite
    ]


def _row(record: dict[str, Any]) -> list[str]:
    return [
        record["suite"],
        record["scenario"],
        ", ".join(record["variants"]),
        record["size_meaning"],
        record["description"],
    ]


def print_scenarios(suites: Sequence[Suite], output_format: str) -> None:
    """Print the scenarios of ``suites`` as ``output_format`` (``text`` or ``json``)."""
    records = scenario_records(suites)
    if output_format == "json":
        click.echo(json.dumps(records, indent=1))
        return
    if not sys.stdout.isatty():
        click.echo("\t".join(COLUMNS))
        for record in records:
            click.echo("\t".join(" ".join(cell.split()) for cell in _row(record)))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold")
    widest = max((len(record["scenario"]) for record in records), default=8)
    for column in COLUMNS:
        if column == "scenario":
            table.add_column(column, no_wrap=True, min_width=widest)
        else:
            table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(*(Text(cell) for cell in _row(record)))  # names are not markup
    Console().print(table)
