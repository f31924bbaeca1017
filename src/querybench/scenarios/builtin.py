"""The built-in suite: every component of the seed's payments backend, written with the public
suite API like any user's suite (``querybench.Suite``), over payments' own dataset builder."""

from __future__ import annotations

from querybench import Registry, Suite
from querybench.datasets import PaymentsSource, load_spec
from querybench.payments.models import Base
from querybench.scenarios.cache_scenarios import add_cache_scenarios
from querybench.scenarios.helper_scenarios import add_helper_scenarios
from querybench.scenarios.repository_scenarios import add_repository_scenarios

PAYMENTS_SUITE = "payments"


def payments_dataset(name: str) -> PaymentsSource:
    """The payments spec ``name`` (``tiny``, ``small``, ... or a TOML path) as a row source."""
    return PaymentsSource(load_spec(name))


def payments_suite(registry: Registry | None = None) -> Suite:
    """A fresh payments suite (a new object, with new scenario objects, on each call); with
    ``registry``, those scenarios instead of the built-in ones, over the payments datasets."""
    suite = Suite(
        PAYMENTS_SUITE,
        models=Base,
        datasets=payments_dataset,
        default_dataset="small",
        description="the seed's payments backend, naive and optimised",
    )
    if registry is not None:
        suite.registry = registry
        return suite
    add_repository_scenarios(suite.registry)
    add_helper_scenarios(suite.registry)
    add_cache_scenarios(suite.registry)
    return suite


def default_suites() -> list[Suite]:
    """What a run with no suite named and none configured measures: payments."""
    return [payments_suite(payments_registry())]


def payments_registry() -> Registry:
    """A fresh registry of the payments scenarios (a new object on each call)."""
    return payments_suite().registry
