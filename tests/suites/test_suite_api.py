"""The suite API: shapes it accepts, the precise errors it raises, the reference variant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from querybench import BuildContext, Scenario, ScenarioError, Suite, Variant
from querybench.runner.job import RunOptions, RunState, run_job
from querybench.runner.timing import TimingPolicy

metadata = sa.MetaData()
numbers = sa.Table("numbers", metadata, sa.Column("id", sa.Integer, primary_key=True))


def fill(connection: Connection, context: BuildContext) -> None:
    context.insert(numbers, ({"id": i} for i in range(1, max(context.sizes) + 1)))


def new_suite() -> Suite:
    return Suite("numbers", models=metadata, dataset=fill, sizes=(1, 10))


def naive(session: Session, n: int) -> list[int]:
    """One SELECT per number."""
    return [session.execute(sa.select(numbers.c.id).where(numbers.c.id == i)).scalar_one()
            for i in range(1, n + 1)]  # fmt: skip


def eager(session: Session, n: int) -> list[int]:
    """One SELECT of them all."""
    return list(session.scalars(sa.select(numbers.c.id).order_by(numbers.c.id).limit(n)))


def test_variants_are_named_and_labelled_by_their_functions() -> None:
    suite = new_suite()
    scenario = suite.scenario("Numbers.first_n", naive, eager, growth={"naive": "linear"})
    assert list(scenario.variants) == ["naive", "eager"]
    assert scenario.variants["naive"].description == "One SELECT per number."
    assert (scenario.variants["naive"].growth, scenario.variants["eager"].growth) == (
        "linear",
        None,
    )
    assert scenario.prepare(None, 7) == 7  # type: ignore[arg-type]  # default: N itself
    assert suite.select("first") == [scenario]


def test_a_single_variant_scenario_is_its_own_reference() -> None:
    scenario = new_suite().scenario("Numbers.as_is", eager)
    assert (list(scenario.variants), scenario.reference) == (["eager"], "eager")


def test_the_reference_is_naive_if_present_else_the_first_declared() -> None:
    suite = new_suite()
    first = suite.scenario("Numbers.a", Variant("before", eager), Variant("after", eager))
    second = suite.scenario("Numbers.b", eager, naive)
    assert (first.reference, second.reference) == ("before", "naive")


def test_two_suites_never_see_each_others_scenarios() -> None:
    one, two = new_suite(), new_suite()
    one.scenario("Numbers.first_n", naive, eager)
    assert len(two) == 0
    two.scenario("Numbers.first_n", naive, eager)  # no clash either


def test_description_defaults_to_the_first_line_of_prepares_docstring() -> None:
    def pick(session: Session, n: int) -> int:
        """The first N numbers.

        More words.
        """
        return n

    scenario = new_suite().scenario("Numbers.first_n", eager, prepare=pick)
    assert scenario.description == "The first N numbers."


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.scenario("Numbers.none"),
         "scenario 'Numbers.none' has no variant; give at least one function to measure"),
        (lambda s: s.scenario("first_n", eager),
         "scenario 'first_n': name it '<Owner>.<operation>', for example "
         "'PaymentRepository.get_payments_by_status'"),
        (lambda s: s.scenario("Numbers.x", naive, Variant("joined", eager)),
         "scenario 'Numbers.x' has no 'eager' variant (naive and eager come as a pair; "
         "it has naive, joined)"),
        (lambda s: s.scenario("Numbers.x", Variant("eager", eager), Variant("core", eager)),
         "scenario 'Numbers.x' has no 'naive' variant (naive and eager come as a pair; "
         "it has eager, core)"),
        (lambda s: s.scenario("Numbers.x", lambda session, n: n),
         "scenario 'Numbers.x': a lambda has no name to be a variant by; use a def "
         "(naive, eager, ...) or Variant('name', fn)"),
        (lambda s: s.scenario("Numbers.x", eager, Variant("eager", naive)),
         "scenario 'Numbers.x': two variants are named 'eager'"),
        (lambda s: s.scenario("Numbers.x", eager, growth={"naiv": "linear"}),
         "scenario 'Numbers.x': growth names no variant naiv"),
        (lambda s: s.scenario("Numbers.x", eager, growth={"eager": "quadratic"}),
         "scenario 'Numbers.x': variant 'eager' growth 'quadratic'; expected 'constant', "
         "'linear' or None"),
        (lambda s: s.scenario("Numbers.x", eager, sizes=(1, 0)),
         "scenario 'Numbers.x': sizes (1, 0) must be positive integers"),
        (lambda s: s.scenario("Numbers.x", eager, "naive"),
         "scenario 'Numbers.x': variant 'naive' is not a function"),
        (lambda s: s.scenario("Numbers.x", Variant("two words", eager)),
         "scenario 'Numbers.x': variant name 'two words' must be a word (letters, digits, _ or -)"),
        (lambda s: s.add(Scenario("Numbers.x", "", "", size_itself_not, {})),
         "scenario 'Numbers.x': prepare is 3, not a function"),
        (lambda s: [s.scenario("Numbers.x", eager), s.scenario("Numbers.x", eager)],
         "scenario 'Numbers.x' is registered twice"),
    ],
)  # fmt: skip
def test_registration_errors_are_precise(call: Any, message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        call(new_suite())
    assert str(raised.value) == message


size_itself_not: Any = 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"models": object()}, "suite 'numbers': models=<object"),
        ({"models": metadata, "sizes": ()}, "suite 'numbers': sizes () must be positive"),
        ({"models": metadata, "dataset": 5}, "suite 'numbers': dataset=5 is neither a builder"),
        ({"models": metadata, "dataset": fill, "datasets": lambda name: None},
         "suite 'numbers': give dataset= or datasets=, not both"),
    ],
)  # fmt: skip
def test_suite_errors_are_precise(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        Suite("numbers", **kwargs)
    assert str(raised.value).startswith(message)


def test_a_variant_that_disagrees_with_the_reference_fails_naming_it(tmp_path: Path) -> None:
    def off_by_one(session: Session, n: int) -> list[int]:
        return [i + 1 for i in eager(session, n)]

    suite = new_suite()
    suite.scenario("Numbers.first_n", Variant("before", eager), Variant("after", off_by_one))
    options = RunOptions(
        databases=(f"sqlite:///{tmp_path / 'n.sqlite'}",),
        out=tmp_path / "out",
        policy=TimingPolicy(min_time=0, min_rounds=1),
    )
    results = run_job(suite, options, RunState())
    outcome = {(c.variant, c.size): (c.status, c.error, c.queries) for c in results.cells}
    differs = "AssertionError: its result differs from the before variant's"
    assert outcome == {
        ("before", 1): ("ok", "", 1),
        ("before", 10): ("ok", "", 1),
        ("after", 1): ("failed", differs, 0),
        ("after", 10): ("failed", differs, 0),
    }
    assert results.environment.suites == ("numbers",)
    assert results.environment.dataset == "numbers"
