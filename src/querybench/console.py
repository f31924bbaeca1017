"""The ``querybench`` console script: starts in a core-only install and names the extra it needs.

The commands (run, report, check, baseline, datasets, scenarios, ...) are the harness, installed
by ``querybench[bench]``. Without it, ``querybench --help`` says what to install and any command
prints one line naming the extra and exits 2, instead of a traceback from a missing import.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.util import find_spec

HARNESS_EXTRA = "pip install 'querybench[bench]'"
HARNESS_MODULES = ("click", "rich", "jinja2", "faker", "pandas", "matplotlib", "tabulate")
"""What the command line imports (at start-up or in a command): the ``[bench]`` extra."""


def missing_harness() -> list[str]:
    """The harness's top-level modules that cannot be imported here, in install order."""
    return [name for name in HARNESS_MODULES if find_spec(name) is None]


def _refusal(args: Sequence[str]) -> tuple[str, int]:
    """The one line and exit status for a command line run without the harness."""
    command = next((arg for arg in args if not arg.startswith("-")), None)
    if command is not None:
        return f"querybench {command} needs the harness: {HARNESS_EXTRA}", 2
    usage = (
        "querybench's commands (run, report, check, baseline, datasets, scenarios) need the "
        f"harness: {HARNESS_EXTRA}; the recorder and the pytest plugin work without it"
    )
    asked_for_help = any(arg in ("-h", "--help") for arg in args)
    return usage, 0 if asked_for_help else 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line, or say which extra to install when the harness is missing."""
    args = list(sys.argv[1:] if argv is None else argv)
    if missing_harness():
        line, status = _refusal(args)
        print(line, file=sys.stdout if status == 0 else sys.stderr)
        return status
    from querybench.cli import main as harness_main

    return harness_main(args)
