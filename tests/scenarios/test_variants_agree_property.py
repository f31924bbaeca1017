"""Property: on any generated dataset and size, every variant returns what its naive twin does."""

from __future__ import annotations

import tomllib
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from querybench.datasets import build_dataset, load_spec
from querybench.datasets.parse import parse_spec
from querybench.scenarios.builtin import payments_registry

REGISTRY = payments_registry()
TINY = load_spec("tiny")
assert TINY.path is not None
TINY_DOCUMENT = tomllib.loads(TINY.path.read_text(encoding="utf-8"))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**31),
    users=st.integers(min_value=60, max_value=150),
    payments_per_user=st.integers(min_value=2, max_value=8),
    skew=st.floats(min_value=0.0, max_value=2.0),
    sizes=st.sets(st.integers(min_value=1, max_value=20), min_size=1, max_size=3),
)
def test_every_variant_agrees_with_naive(
    tmp_path_factory: object,
    seed: int,
    users: int,
    payments_per_user: int,
    skew: float,
    sizes: set[int],
) -> None:
    document = {
        **TINY_DOCUMENT,
        "name": "generated",
        "seed": seed,
        "users": users,
        "payments": users * payments_per_user,
        "sizes": sorted(sizes),
        "payments_per_user": {**TINY_DOCUMENT["payments_per_user"], "skew": skew},
    }
    spec = parse_spec(document, Path("generated.toml"))
    folder = Path(tmp_path_factory.mktemp("generated"))  # type: ignore[attr-defined]
    engine = sa.create_engine(build_dataset(spec, f"sqlite:///{folder / 'g.sqlite'}").url)
    try:
        for scenario in REGISTRY:
            for size in scenario.sizes_in(spec.sizes):
                with Session(engine) as session:
                    inputs = scenario.prepare(session, size)
                results = {}
                for name, variant in scenario.variants.items():
                    if name == "redis":
                        continue  # needs the server; covered in test_payments_scenarios
                    with Session(engine) as session:
                        results[name] = variant.run(session, inputs)
                        session.rollback()
                naive = results.pop("naive")
                for name, result in results.items():
                    assert result == naive, f"{scenario.name}[{name}] @ N={size} (seed {seed})"
    finally:
        engine.dispose()
