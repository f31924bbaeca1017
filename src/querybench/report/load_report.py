"""The report of a ``querybench load`` run: naive and eager side by side, per number of clients,
and throughput, p99 latency and pool wait plotted against the clients."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from matplotlib.figure import Figure

from querybench.load.results import LoadPoint, LoadResults
from querybench.report.charts import COLOURS, MARKERS, STYLE, to_svg
from querybench.report.page import figure, page, table


def ratios(results: LoadResults) -> list[tuple[int, float | None, float | None]]:
    """Per number of clients: eager over naive throughput, and naive over eager p99."""
    by_key = {(p.variant, p.clients): p for p in results.points}
    out = []
    for clients in sorted({p.clients for p in results.points}):
        naive, eager = by_key.get(("naive", clients)), by_key.get(("eager", clients))
        if naive is None or eager is None:
            continue
        throughput = eager.throughput / naive.throughput if naive.throughput else None
        p99 = naive.p99 / eager.p99 if eager.p99 else None
        out.append((clients, throughput, p99))
    return out


def _chart(points: Sequence[LoadPoint], value: Callable[[LoadPoint], float], label: str,
           salt: str) -> str:  # fmt: skip
    import matplotlib as mpl

    with mpl.rc_context(STYLE):
        chart = Figure(figsize=(4.2, 3.0))
        axes = chart.add_subplot()
        clients = sorted({p.clients for p in points})
        for variant in ("naive", "eager"):
            mine = sorted((p for p in points if p.variant == variant), key=lambda p: p.clients)
            if mine:
                axes.plot([p.clients for p in mine], [value(p) for p in mine], label=variant,
                          color=COLOURS[variant], marker=MARKERS[variant])  # fmt: skip
        axes.set_xscale("log")
        axes.set_xticks(clients, [str(c) for c in clients])
        axes.minorticks_off()
        axes.set_xlabel("concurrent clients")
        axes.set_ylabel(label)
        axes.legend(frameon=False)
        chart.subplots_adjust(left=0.18, right=0.97, top=0.95, bottom=0.16)
        return to_svg(chart, salt)


def render_load(results: LoadResults, source: str = "") -> str:
    """The HTML page of a load run."""
    setup = results.setup
    points = sorted(results.points, key=lambda p: (p.clients, p.variant != "naive"))
    rows = [
        (p.variant, p.clients, p.requests, f"{p.throughput:.1f}", f"{p.p50 * 1000:.1f}",
         f"{p.p95 * 1000:.1f}", f"{p.p99 * 1000:.1f}", f"{p.error_rate:.2%}",
         f"{p.wait_share:.1%}", f"{p.pool.wait_seconds:.2f}", p.pool.timeouts,
         p.pool.peak_checked_out)
        for p in points
    ]  # fmt: skip
    header = ("variant", "clients", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors",
              "pool wait share", "pool wait s", "timeouts", "peak connections")  # fmt: skip
    ratio_rows = [
        (clients, "-" if t is None else f"{t:.2f}x", "-" if r is None else f"{r:.2f}x")
        for clients, t, r in ratios(results)
    ]
    how = (
        f"<p class=note>GET <code>{escape(setup.path)}</code> (endpoint {escape(setup.endpoint)},"
        f" N={setup.size}) on {escape(setup.database)} (server {escape(setup.server_version)}),"
        f" dataset {escape(setup.dataset)}; pool of {setup.pool_size}, overflow"
        f" {setup.max_overflow}, timeout {setup.pool_timeout:g} s; Locust {escape(setup.locust)}"
        f" with {'one process' if not setup.workers else f'a master and {setup.workers} workers'}"
        f"; each point bounded to {setup.max_requests} requests and {setup.max_seconds:g} s;"
        f" {escape(setup.machine)}, Python {escape(setup.python)}, SQLAlchemy"
        f" {escape(setup.sqlalchemy)}, {escape(setup.started_at)}."
        f"{f' Source: {escape(source)}.' if source else ''}</p>"
    )
    charts = "".join(
        [
            figure(_chart(points, lambda p: p.throughput, "requests per second", "load-rps"),
                   "Throughput against concurrent clients."),
            figure(_chart(points, lambda p: p.p99 * 1000, "p99 latency (ms)", "load-p99"),
                   "99th percentile of request latency, as the clients saw it."),
            figure(_chart(points, lambda p: p.wait_share * 100, "pool wait (% of request time)",
                          "load-wait"),
                   "Share of the server's request time spent waiting for a pooled connection."),
        ]
    )  # fmt: skip
    sections = [
        how,
        "<h2>Naive against eager</h2>",
        table(("clients", "throughput, eager / naive", "p99, naive / eager"), ratio_rows, 0),
        "<h2>Every point</h2>",
        table(header, rows),
        charts,
    ]
    return page("querybench load", sections)
