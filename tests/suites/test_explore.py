"""``querybench explore``: a loader matrix for a schema no project code knows, exact counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import generated_models
import pytest
from sqlalchemy.engine import URL

from querybench.cli import main
from querybench.datasets import CACHE_ENV
from querybench.runner.results import read_results
from querybench.suites.explore import STRATEGIES, explore

MODELS = f"{Path(generated_models.__file__)}:Base"
QUICK = ("--rounds", "1", "--min-time", "0", "--sizes", "1,10")
# Three shapes: one-to-many, many-to-many, self-referential many-to-one.
PATTERN = "Post.comments|Tag.posts|Category.parent"


def test_every_relationship_becomes_a_scenario_with_every_strategy() -> None:
    found = explore(generated_models.Base, sizes=(1, 10))
    names = [scenario.name for scenario in found.suite]
    assert set(names) == {
        "Author.posts", "Author.vehicles", "Category.children", "Category.parent",
        "Comment.post", "Engineer.manager", "Manager.reports", "Post.author", "Post.category",
        "Post.comments", "Post.tags", "Tag.posts", "Vehicle.owner",
    }  # fmt: skip
    assert found.skipped == []
    for scenario in found.suite:
        assert list(scenario.variants) == list(STRATEGIES)
        assert scenario.reference == "default"


@pytest.fixture(params=["sqlite", "postgres"])
def database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    scratch_database: Callable[[str], URL],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    # SQLite builds go through the build cache: keep it out of the working directory.
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'explore.sqlite'}"
    return scratch_database("postgres").render_as_string(hide_password=False)


def test_explore_measures_exact_counts_and_names_a_best_strategy(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "explore"
    argv = ["explore", MODELS, "--db", database, *QUICK, "-k", PATTERN, "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    results = read_results(out / "results.json")
    assert all(cell.status == "ok" for cell in results.cells), [c.error for c in results.cells]
    counts = {(c.scenario, c.variant, c.size): c.queries for c in results.cells}
    for name in PATTERN.split("|"):
        for n in (1, 10):
            # Lazy and immediate loads: one statement for the rows, one per row touched.
            assert counts[(name, "default", n)] == n + 1
            assert counts[(name, "immediate", n)] == n + 1
            assert counts[(name, "joined", n)] == 1
            assert counts[(name, "selectin", n)] == 2
            assert counts[(name, "subquery", n)] == 2
    verdicts = printed.split("best loader per relationship")[1].splitlines()
    for name in PATTERN.split("|"):
        line = next(line for line in verdicts if line.strip().startswith(name + " "))
        assert "raised: touched" in line
        assert ".options(" in line


def test_models_without_an_attribute_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explore", "generated_models"]) == 2
    error = capsys.readouterr().err
    assert error == (
        "querybench: error: generated_models: name the mapping as module:Base (or file.py:Base)\n"
    )
