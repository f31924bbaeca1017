"""The example workflow for users: valid YAML that gates pull requests on a PostgreSQL service."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from querybench.cli import cli

WORKFLOW = Path(__file__).parents[2] / "docs" / "ci-github-actions.yml"


def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def commands(job: dict[str, Any]) -> list[list[str]]:
    return [shlex.split(step["run"]) for step in job["steps"] if "run" in step]


def test_it_runs_on_pull_requests_with_a_postgres_service() -> None:
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    (job,) = data["jobs"].values()
    postgres = job["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert "5432:5432" in postgres["ports"]
    assert "pg_isready" in postgres["options"]
    assert job["env"]["QUERYBENCH_DB"].startswith("postgresql+psycopg://")
    assert "@localhost:5432/" in job["env"]["QUERYBENCH_DB"]


def test_it_compares_the_pull_request_with_its_base_branch_on_that_service() -> None:
    (job,) = workflow()["jobs"].values()
    (checkout,) = [
        step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout")
    ]
    assert checkout["with"]["fetch-depth"] == 0  # the base branch must be there to compare with
    runs = [c for c in commands(job) if c[0] == "querybench"]
    assert [c[1] for c in runs] == ["compare"]
    (gate,) = runs
    assert gate[2] == "origin/${{ github.base_ref }}"
    assert gate[gate.index("--db") + 1] == "$QUERYBENCH_DB"
    # Every option the workflow passes exists in the command line it calls.
    params = cli.commands["compare"].params
    known = {opt for param in params for opt in param.opts}
    assert {word for word in gate if word.startswith("--")} <= known
