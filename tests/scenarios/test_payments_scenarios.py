"""Every payments scenario and variant: exact statement counts, equal results across variants."""

from __future__ import annotations

import pytest
from expected_counts import EXPECTED
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.recorder import count_queries
from querybench.scenarios.builtin import payments_registry

REGISTRY = payments_registry()
SIZES = (1, 10, 100)


def cells() -> list[tuple[str, str, int]]:
    return [
        (scenario.name, variant, size)
        for scenario in REGISTRY
        for variant in scenario.variants
        for size in scenario.sizes_in(SIZES)
    ]


def run(engine: Engine, name: str, variant: str, size: int) -> tuple[int, object]:
    """Run one cell in a fresh Session, rolled back, and return (statements, result)."""
    scenario = REGISTRY.get(name)
    with Session(engine) as session:
        inputs = scenario.prepare(session, size)
        with count_queries(session) as recorder:
            result = scenario.variants[variant].run(session, inputs)
        session.rollback()
    return recorder.count, result


def test_every_scenario_and_variant_has_an_expected_count() -> None:
    assert {(s.name, v) for s in REGISTRY for v in s.variants} == {
        (name, variant) for name, variants in EXPECTED.items() for variant in variants
    }


@pytest.fixture
def redis_if_needed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``redis`` variant needs the Redis server: skip (or fail in CI) without it."""
    if "redis" in request.node.name:
        monkeypatch.setenv("QUERYBENCH_REDIS_URL", request.getfixturevalue("redis_url"))


@pytest.mark.usefixtures("redis_if_needed")
@pytest.mark.parametrize(("name", "variant", "size"), cells())
def test_statement_count_is_exact(tiny_engine: Engine, name: str, variant: str, size: int) -> None:
    count, _ = run(tiny_engine, name, variant, size)
    assert count == EXPECTED[name][variant](size)


@pytest.mark.usefixtures("redis_if_needed")
@pytest.mark.parametrize("name", [scenario.name for scenario in REGISTRY])
def test_every_variant_returns_what_naive_returns(tiny_engine: Engine, name: str) -> None:
    scenario = REGISTRY.get(name)
    for size in scenario.sizes_in(SIZES):
        _, expected = run(tiny_engine, name, "naive", size)
        assert expected not in (None, [], 0)
        for variant in scenario.variants:
            _, result = run(tiny_engine, name, variant, size)
            assert result == expected, f"{name}[{variant}] @ N={size} differs from naive"


@pytest.mark.parametrize(
    "name",
    [
        "UserRepository.get_active_users_with_payments",
        "PaymentRepository.get_payments_by_status",
        "PaymentRepository.get_recent_payments_with_users",
        "UserRepository.get_user_with_payments",
    ],
)
def test_list_scenarios_return_exactly_n_primary_rows(tiny_engine: Engine, name: str) -> None:
    for size in SIZES:
        _, result = run(tiny_engine, name, "eager", size)
        rows = result if isinstance(result, list) else result["payments"]  # type: ignore[index]
        assert len(rows) == size
