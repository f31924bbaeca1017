"""The end of a test run for the plugin: gather each recorded test's run, write the files the
run asked for (the N+1 baseline, the budgets, SARIF), and print their summary sections.

Under xdist the tests run in workers; each call report carries its run data in
``user_properties`` to the controller, which gathers them here and is the one process that
writes a file.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from querybench import plugin_baseline, plugin_ratchet, plugin_sarif

SARIF_WRITTEN = pytest.StashKey[int]()


class RunCollector:
    """Gathers the recorded tests' run data from the call reports (the controller's under
    xdist: the workers' reports reach it with their ``user_properties``)."""

    def __init__(self, config: pytest.Config):
        self.runs = config.stash[plugin_baseline.RUNS]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the run data of each call report."""
        if report.when == "call":
            for name, value in report.user_properties:
                if name == plugin_baseline.RUN_PROPERTY and isinstance(value, dict):
                    self.runs[report.nodeid] = value


def finish(config: pytest.Config) -> None:
    """Write the baseline, the budgets and the SARIF log the run asked for."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller writes
        return
    runs = config.stash.get(plugin_baseline.RUNS, {})
    baseline = config.stash.get(plugin_baseline.BASELINE, None)
    if baseline is not None:
        plugin_baseline.finish(baseline, runs)
    budgets = config.stash.get(plugin_ratchet.BUDGETS, None)
    if budgets is not None:
        plugin_ratchet.finish(budgets, runs)
    sarif = config.stash.get(plugin_sarif.SARIF, None)
    if sarif is not None:
        known = {} if baseline is None or baseline.write else baseline.known
        config.stash[SARIF_WRITTEN] = plugin_sarif.write(sarif, runs, known)


def section(reporter: pytest.TerminalReporter, title: str, lines: Sequence[str]) -> None:
    """A summary section, when there is something to say."""
    if lines:
        reporter.write_sep("=", title)
        for line in lines:
            reporter.write_line(line)


def summarise(reporter: pytest.TerminalReporter) -> None:
    """Warn mode's findings, then the baseline's, the budgets' and the SARIF file's sections."""
    config = reporter.config
    runs = config.stash.get(plugin_baseline.RUNS, {})
    baseline = config.stash.get(plugin_baseline.BASELINE, None)
    known = {} if baseline is None or baseline.write else baseline.known
    # warn mode's findings are listed here too: a -W filter can hide the warnings, not this
    warned = [
        f"{nodeid}: {text}"
        for nodeid in sorted(runs)
        if runs[nodeid].get("warn")
        for key, text, allowed, _ in runs[nodeid]["findings"]
        if not allowed and key not in known.get(nodeid, frozenset())
    ]
    section(reporter, "querybench: N+1 findings (--querybench-nplusone=warn)", warned)
    if baseline is not None:
        section(reporter, "querybench: N+1 baseline", plugin_baseline.summary(baseline, runs))
    budgets = config.stash.get(plugin_ratchet.BUDGETS, None)
    if budgets is not None:
        section(reporter, "querybench: budgets", plugin_ratchet.summary(budgets, runs))
    written = config.stash.get(SARIF_WRITTEN, None)
    if written is not None:
        path = config.stash[plugin_sarif.SARIF]
        section(reporter, "querybench: SARIF", [f"wrote {written} findings to {path}"])
