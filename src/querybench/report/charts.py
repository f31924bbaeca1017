"""The report's charts: matplotlib figures saved as small, reproducible inline SVG.

Figures are built with ``matplotlib.figure.Figure`` directly, never through pyplot, so rendering
a report selects no GUI backend and leaves the caller's matplotlib state alone. Text stays text
(``svg.fonttype='none'``: no embedded glyphs), and each chart gets its own fixed hash salt, so
the SVG ids are unique within the page and identical from one render to the next.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from querybench.report.headline import LOADER_VARIANTS
from querybench.report.tables import variant_rank
from querybench.report.terminal import duration
from querybench.runner.results import Cell

STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "legend.fontsize": 7.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.4,
    "lines.markersize": 4.0,
    "path.simplify": True,
    # Written into every <text>: one family and the generic fallback keep the SVG small.
    "font.sans-serif": ["DejaVu Sans"],
}
COLOURS = {
    "naive": "#d62728", "eager": "#2ca02c", "joined": "#1f77b4", "selectin": "#ff7f0e",
    "subquery": "#9467bd", "core": "#8c564b", "raw": "#222222",
}  # fmt: skip
MARKERS = {"naive": "o", "eager": "s", "joined": "^", "selectin": "v", "subquery": "D"}
FALLBACK_COLOURS = ("#17becf", "#bcbd22", "#e377c2", "#7f7f7f")
NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
# matplotlib names every group figure_1, axes_1, ... in each figure: unreferenced, and
# repeated across the page's SVGs, so they are dropped (referenced ids are hashes).
GROUP_IDS = re.compile(r'<g id="[\w.]+_\d+">')
INDENT = re.compile(r"\n\s+")


@dataclass(frozen=True)
class Chart:
    """One chart of a scenario: what it shows, a caption saying how to read it, and its SVG."""

    title: str
    caption: str
    svg: str


def _label(variant: str) -> str:
    # A '$' would start matplotlib's mathtext; the names are shown, never interpreted.
    text = "raw (floor)" if variant == "raw" else variant
    return text.replace("$", r"\$")


def _colour(variant: str, position: int) -> str:
    return COLOURS.get(variant, FALLBACK_COLOURS[position % len(FALLBACK_COLOURS)])


def _line_style(variant: str, position: int) -> dict[str, Any]:
    """Colour, marker and line of a variant; each later one thinner, drawn over the earlier.

    Variants often share a count (eager, joined, core and raw all at 1 statement): thinning
    lines and shrinking markers leave every one of them visible where they overlap.
    """
    return {
        "label": _label(variant),
        "color": _colour(variant, position),
        "marker": MARKERS.get(variant, "o"),
        "markersize": max(7.0 - 0.8 * position, 2.5),
        "linewidth": max(3.0 - 0.35 * position, 0.9),
        "linestyle": "--" if variant == "raw" else "-",
        "zorder": 2 + position,
    }


def _plain_numbers(axes: Axes, sizes: Sequence[int], *, log_y: bool) -> None:
    """Log x axis ticked at the run's sizes; numbers written plainly, never as 10^k."""
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    axes.set_xscale("log")
    axes.set_xticks(list(sizes), [str(size) for size in sizes])
    axes.xaxis.set_minor_locator(NullLocator())
    if log_y:
        # Majors at 1-2-5 steps label small ranges too; no minor ticks (and no time on them).
        axes.set_yscale("log")
        axes.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axes.yaxis.set_minor_locator(NullLocator())
    axes.yaxis.set_major_formatter(plain)
    if len(sizes) == 1:
        axes.set_xlim(sizes[0] / 3, sizes[0] * 3)


def to_svg(figure: Figure, salt: str) -> str:
    """``figure`` as an SVG element (no XML prolog), its ids salted with ``salt``."""
    out = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": f"querybench-{salt}"}):
        figure.savefig(out, format="svg", metadata=NO_METADATA)
    text = out.getvalue()
    text = GROUP_IDS.sub("<g>", text[text.index("<svg") :])
    return INDENT.sub("\n", text)


WIDTH, HEIGHT = 4.6, 3.2  # inches


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH, HEIGHT))
    return figure, figure.add_subplot()


def _legend(
    figure: Figure, axes: Axes, *, tick_lines: int = 1, handles: Sequence[Artist] | None = None
) -> None:
    """The legend under the axes; margins are fixed (a layout engine would double the time)."""
    if handles is None:
        handles = axes.get_legend_handles_labels()[0]
    labels = [str(handle.get_label()) for handle in handles]
    columns = min(len(labels), 4) or 1
    legend_rows = -(-len(labels) // columns)
    bottom = (0.3 + 0.13 * tick_lines + 0.15 * legend_rows) / HEIGHT
    figure.subplots_adjust(left=0.14, right=0.97, top=0.96, bottom=bottom)
    if handles:
        figure.legend(
            handles, labels, loc="lower center", ncols=columns, frameon=False,
            bbox_to_anchor=(0.5, 0.0), borderaxespad=0.2, handlelength=1.8, columnspacing=1.0,
        )  # fmt: skip


def _by_variant(cells: Sequence[Cell]) -> dict[str, list[Cell]]:
    variants: dict[str, list[Cell]] = {}
    for cell in sorted(cells, key=lambda c: (variant_rank(c.variant), c.size)):
        if cell.status == "ok":
            variants.setdefault(cell.variant, []).append(cell)
    return variants


def _line_chart(
    cells: Sequence[Cell], value: Callable[[Cell], float | None], ylabel: str, salt: str
) -> str:
    """One line per variant of ``value`` against N (log-log), the raw floor dashed."""
    figure, axes = _figure()
    points = {
        variant: [(c.size, v) for c in group if (v := value(c)) is not None and v > 0]
        for variant, group in _by_variant(cells).items()
    }
    for position, (variant, xy) in enumerate(points.items()):
        if xy:
            axes.plot([x for x, _ in xy], [y for _, y in xy], **_line_style(variant, position))
    _plain_numbers(axes, sorted({c.size for c in cells}), log_y=True)
    axes.set_xlabel("N")
    axes.set_ylabel(ylabel)
    _legend(figure, axes)
    return to_svg(figure, salt)


def queries_chart(cells: Sequence[Cell], salt: str) -> Chart:
    """Statements against N for every variant and the raw floor (log-log)."""
    return Chart(
        "Statements vs N",
        "Statements per call, log-log: a flat line is constant, a 45° line is N+1.",
        _line_chart(cells, lambda cell: float(cell.queries), "statements", salt),
    )


def latency_chart(cells: Sequence[Cell], salt: str) -> Chart:
    """Median latency against N with interquartile error bars (log-log)."""
    figure, axes = _figure()
    whiskers: list[tuple[int, float, float, str]] = []
    for position, (variant, group) in enumerate(_by_variant(cells).items()):
        timed = [c.latency for c in group if c.latency is not None and c.latency.median > 0]
        sizes = [c.size for c in group if c.latency is not None and c.latency.median > 0]
        if not timed:
            continue
        style = _line_style(variant, position)
        axes.plot(sizes, [latency.median * 1e3 for latency in timed], **style)
        whiskers += [
            (size, latency.q1 * 1e3, latency.q3 * 1e3, style["color"])
            for size, latency in zip(sizes, timed, strict=True)
        ]
    if whiskers:
        # One collection for every variant's bars: errorbar() per variant costs ten times more.
        x, low, high, colours = zip(*whiskers, strict=True)
        axes.vlines(x, low, high, colors=colours, linewidth=1.0, zorder=20)
    _plain_numbers(axes, sorted({c.size for c in cells}), log_y=True)
    axes.set_xlabel("N")
    axes.set_ylabel("median latency (ms)")
    _legend(figure, axes)
    return Chart(
        "Latency vs N",
        "Median time per call, log-log; the bars span the interquartile range of the rounds.",
        to_svg(figure, salt),
    )


def strategy_chart(cells: Sequence[Cell], salt: str) -> Chart | None:
    """Joined, selectin and subquery side by side at every N, relative to the fastest one."""
    loaders = {
        v: {c.size: c.latency for c in group if c.latency is not None and c.latency.median > 0}
        for v, group in _by_variant(cells).items()
        if v in LOADER_VARIANTS
    }
    sizes = sorted({size for timed in loaders.values() for size in timed})
    if len(loaders) < 2 or not sizes:
        return None
    figure, axes = _figure()
    width = 0.8 / len(loaders)
    labels = []
    for index, size in enumerate(sizes):
        present = {v: timed[size] for v, timed in loaders.items() if size in timed}
        best = min(present, key=lambda v: present[v].median)
        fastest = present[best].median
        labels.append(f"N={size}\n{duration(fastest)}")
        for position, (variant, latency) in enumerate(present.items()):
            x = index + (position - (len(loaders) - 1) / 2) * width
            axes.bar(
                x, latency.median / fastest, width * 0.9,
                yerr=[[(latency.median - latency.q1) / fastest],
                      [(latency.q3 - latency.median) / fastest]],
                color=_colour(variant, position), edgecolor="black" if variant == best else "none",
                linewidth=1.2, capsize=2, error_kw={"elinewidth": 0.8},
            )  # fmt: skip
            if variant == best:
                axes.text(x, 0.05, "best", rotation=90, ha="center", va="bottom", fontsize=7,
                          color="white", fontweight="bold")  # fmt: skip
    axes.set_xticks(range(len(sizes)), labels)
    axes.set_ylabel("time relative to the fastest (x)")
    axes.grid(axis="x", visible=False)
    # Plain swatches: taken from the bars, the outline of a best one would show in the legend.
    swatches = [
        Patch(facecolor=_colour(variant, position), label=_label(variant))
        for position, variant in enumerate(loaders)
    ]
    _legend(figure, axes, tick_lines=2, handles=swatches)
    return Chart(
        "Loader strategies",
        "Median time of each loader strategy divided by the fastest at that N (1.0 = best, "
        "outlined and labelled); the fastest's own time is under each group.",
        to_svg(figure, salt),
    )


def rows_chart(cells: Sequence[Cell], salt: str) -> Chart | None:
    """Rows the driver reported per variant against N; None when no variant reported any."""
    if not any(cell.rows > 0 for cell in cells if cell.status == "ok"):
        return None
    return Chart(
        "Rows fetched vs N",
        "Rows the driver reported (cursor.rowcount), log-log: joinedload repeats each parent "
        "row once per child.",
        _line_chart(cells, lambda cell: float(cell.rows) if cell.rows > 0 else None, "rows", salt),
    )


def unreported_rows(cells: Sequence[Cell]) -> list[str]:
    """The variants for which the driver reported no row count at any size."""
    reported = {cell.variant for cell in cells if cell.rows > 0}
    return [v for v in _by_variant(cells) if v not in reported]


def without_statements(cells: Sequence[Cell]) -> list[str]:
    """The variants that emitted no statement at some size (a log scale cannot show 0)."""
    return list(dict.fromkeys(c.variant for c in cells if c.status == "ok" and c.queries == 0))


def scenario_charts(cells: Sequence[Cell], salt: str) -> list[Chart]:
    """Every chart of one scenario on one backend, in the order the report shows them."""
    with mpl.rc_context(STYLE):
        charts = [queries_chart(cells, f"{salt}-q"), latency_chart(cells, f"{salt}-t")]
        charts += [
            chart
            for chart in (strategy_chart(cells, f"{salt}-s"), rows_chart(cells, f"{salt}-r"))
            if chart is not None
        ]
    return charts
