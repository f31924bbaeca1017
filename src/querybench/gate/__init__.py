"""The CI gate: compare a run with a committed baseline and the configured budgets.

Counts are gated exactly, growth classes by their order, latency by speedups measured within
each run (absolute times only on request, with a significance test). See ``querybench check``.
"""

from querybench.gate.baseline import environment_differences, write_baseline
from querybench.gate.budgets import Budget, load_budgets
from querybench.gate.check import CheckOptions, check, parse_tolerance
from querybench.gate.render import RENDERERS, render_json, render_markdown, render_text
from querybench.gate.verdict import CheckReport, LatencySummary, Verdict

__all__ = [
    "RENDERERS",
    "Budget",
    "CheckOptions",
    "CheckReport",
    "LatencySummary",
    "Verdict",
    "check",
    "environment_differences",
    "load_budgets",
    "parse_tolerance",
    "render_json",
    "render_markdown",
    "render_text",
    "write_baseline",
]
