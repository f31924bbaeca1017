"""Benchmark suites: the public suite API, and discovery of suites in files and modules.

``querybench.suites.bench`` (imported on its own: it pulls in the harness) runs a suite's
cells through pytest-benchmark.
"""

from querybench.suites.discovery import configured_suites, load_reference, load_suites
from querybench.suites.suite import DEFAULT_SIZES, Suite

__all__ = ["DEFAULT_SIZES", "Suite", "configured_suites", "load_reference", "load_suites"]
