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


def test_it_measures_on_that_service_then_runs_querybench_check() -> None:
    (job,) = workflow()["jobs"].values()
    runs = [c for c in commands(job) if c[0] == "querybench"]
    assert [c[1] for c in runs] == ["run", "check"]
    measure, gate = runs
    assert measure[measure.index("--db") + 1] == "$QUERYBENCH_DB"
    out = measure[measure.index("--out") + 1]
    assert gate[2] == f"{out}/results.json"
    assert gate[gate.index("--baseline") + 1] == "fixtures/baselines/postgresql.json"
    # Every option the workflow passes exists in the command line it calls.
    for command in runs:
        params = cli.commands[command[1]].params
        known = {opt for param in params for opt in param.opts}
        assert {word for word in command if word.startswith("--")} <= known
