"""``querybench run`` in a terminal: a progress bar while cells are measured, then the summary."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from querybench.runner.job import RunOptions, RunState
from querybench.suites.suite import Suite


def run_with_progress(
    options: RunOptions, state: RunState, suites: Sequence[Suite] | None = None
) -> int:
    """Run ``suites`` (None: the built-in payments suite) with a progress bar on stderr, then
    print the summary; returns the exit status."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from querybench.report.terminal import print_summary
    from querybench.runner.job import Interrupted, run_job, sigterm_as_interrupt
    from querybench.scenarios import builtin

    # Wide enough that the table never wraps when stdout is a file or a CI log.
    console = Console(width=None if sys.stdout.isatty() else 200)
    # No auto refresh: its thread wakes 10 times a second and takes the GIL inside timed
    # rounds. The bar is redrawn between cells instead, where nothing is being timed.
    progress = Progress(
        TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
        console=Console(stderr=True), transient=True, auto_refresh=False,
        disable=not sys.stderr.isatty(),  # off a terminal it would only print a blank line
    )  # fmt: skip
    task = progress.add_task("measuring", total=None)
    exit_code = 0
    with progress:
        try:
            with sigterm_as_interrupt():
                run_job(
                    builtin.payments_registry() if suites is None else suites,
                    options,
                    state,
                    # Called once per suite: the bar's total grows by each suite's cells.
                    on_start=lambda cells: progress.update(
                        task, total=(progress.tasks[0].total or 0) + len(cells), refresh=True
                    ),
                    on_cell=lambda plan, _: progress.update(
                        task, advance=1, description=plan.label[:70], refresh=True
                    ),
                )
        except Interrupted as stop:
            exit_code = stop.exit_code
    if state.results is not None:
        from querybench.report.html import write_html

        print_summary(
            console,
            state.results.cells,
            machine_noise=state.results.environment.machine_noise,
        )
        # An interrupted run still gets its report, marked partial.
        source, html = options.out / "results.json", options.out / "report.html"
        state.written.append(
            write_html(state.results, html, source=str(source), partial=bool(exit_code))
        )
        kept = len(state.results.cells)
        where = ", ".join(str(path) for path in state.written) or "nothing written"
        if exit_code:
            console.print(f"interrupted: kept {kept} finished cells (partial) in {where}")
        else:
            console.print(f"wrote {where}")
        failed = [cell for cell in state.results.cells if cell.status != "ok"]
        if failed and not exit_code:
            first = f"{failed[0].scenario}[{failed[0].variant}]: {failed[0].error}"
            if len(failed) == kept:
                # Nothing was measured: a CI job running this must not pass.
                print(f"querybench run: every cell failed ({kept}); the first: {first}",
                      file=sys.stderr)  # fmt: skip
                exit_code = 1
            else:  # each is named in the summary above
                console.print(f"{len(failed)} of {kept} cells failed (named above)")
    return exit_code
