"""Benchmark suites: the public suite API, and discovery of suites in files and modules."""

from querybench.suites.suite import DEFAULT_SIZES, Suite

__all__ = ["DEFAULT_SIZES", "Suite"]
