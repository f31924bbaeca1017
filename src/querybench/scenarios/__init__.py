"""The registry of paired implementations, and the built-in payments scenarios."""

from querybench.scenarios.registry import Registry, Scenario, Variant

__all__ = ["Registry", "Scenario", "Variant"]
