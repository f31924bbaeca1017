"""The measurement-spread table of the HTML report: every timed cell's median, IQR and CV.

Its own module beside ``tables.py`` (which it borrows the escaped pandas rendering from) so
neither grows past a readable length. Rows of a CV at or over the limit carry the ``noisy``
class on every cell, so the page can make them stand out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from querybench.report.spread import CV_LIMIT, percent, timed_cells
from querybench.report.tables import styled_html, variant_rank
from querybench.report.terminal import duration
from querybench.runner.results import Cell
from querybench.runner.timing import is_disturbed

SPREAD_COLUMNS = ["operation", "variant", "N", "backend", "median", "IQR", "CV", "rounds × calls"]
SPREAD_COLUMNS += ["attempt"]
SPREAD_NUMERIC = ["N", "median", "IQR", "CV", "rounds × calls", "attempt"]


def _ordered(cells: Sequence[Cell]) -> list[Cell]:
    """Timed cells by operation, variant in its usual order, N, then backend."""
    return sorted(
        timed_cells(cells),
        key=lambda cell: (cell.scenario, variant_rank(cell.variant), cell.size, cell.backend),
    )


def spread_frame(cells: Sequence[Cell]) -> pd.DataFrame:
    """One row per timed cell: median, interquartile range, CV, rounds x calls per round, and
    which attempt the figures come from (a disturbed measurement is taken again)."""
    rows = []
    for cell in _ordered(cells):
        latency = cell.latency
        assert latency is not None  # timed_cells keeps only cells with a latency
        rows.append(
            {
                "operation": cell.scenario,
                "variant": cell.variant,
                "N": str(cell.size),
                "backend": cell.backend,
                "median": duration(latency.median),
                "IQR": duration(latency.iqr),
                "CV": percent(latency.cv),
                "rounds × calls": f"{latency.rounds} × {latency.calls_per_round}",
                "attempt": str(latency.attempts),
            }
        )
    return pd.DataFrame(rows, columns=SPREAD_COLUMNS)


def spread_html(cells: Sequence[Cell], *, limit: float = CV_LIMIT) -> str:
    """The spread table as HTML, rows with a CV of ``limit`` or more classed ``noisy``."""
    ordered = _ordered(cells)
    frame = spread_frame(ordered)
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    classes["operation"] = "op"
    classes[SPREAD_NUMERIC] = "num"
    classes["CV"] = "num cv"
    for index, cell in enumerate(ordered):
        if cell.latency is not None and is_disturbed(cell.latency.cv, limit):
            classes.loc[index, :] = classes.loc[index, :] + " noisy"
    # 250 rows in a default run: per-cell ids (nothing links to a cell) add 40% to the table.
    return styled_html(frame, classes, "data spread", "spread", ["operation"], cell_ids=False)
