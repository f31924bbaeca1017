"""SARIF output of the run's N+1 findings, for code scanning (GitHub's ``upload-sarif``).

``--querybench-sarif=FILE`` writes one SARIF 2.1.0 log at the end of the run (by the controller
under xdist): one result per finding that is neither allowed nor in the baseline, located at
its call site, with the rule being the finding's kind and the message its text (fix included).
Its ``partialFingerprints`` carry the baseline key, so code scanning follows a finding across
edits that move its line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

SARIF = pytest.StashKey[Path]()
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
RULES = {
    "lazy_load": "A relationship lazily loaded once per parent object",
    "column_reload": "Columns loaded one object at a time",
    "repeated_select": "The same SELECT run once per parameter set",
    "row_by_row_write": "Single-row writes in a loop",
}


def add_options(group: Any) -> None:
    """``--querybench-sarif``."""
    group.addoption(
        "--querybench-sarif",
        dest="querybench_sarif",
        default=None,
        metavar="FILE",
        help="Write the run's N+1 findings (those not allowed nor in the baseline) as SARIF.",
    )


def configure(config: pytest.Config) -> None:
    """Note the SARIF file to write, if asked for."""
    name: str | None = config.getoption("querybench_sarif")
    if name:
        config.stash[SARIF] = Path(config.rootpath, name)


def _result(nodeid: str, finding: list[Any]) -> dict[str, Any]:
    key, text, _, (path, line) = finding
    result: dict[str, Any] = {
        "ruleId": key.split(":", 1)[0],
        "level": "warning",
        "message": {"text": f"{nodeid}: {text}"},
        "partialFingerprints": {"querybench/v1": f"{nodeid} {key}"},
    }
    if path:
        region = {"startLine": line} if line else {}
        location = {"artifactLocation": {"uri": path}, "region": region}
        result["locations"] = [{"physicalLocation": location}]
    return result


def write(
    path: Path, runs: Mapping[str, Mapping[str, Any]], known: Mapping[str, frozenset[str]]
) -> int:
    """Write the SARIF log; the number of results written."""
    results = [
        _result(nodeid, finding)
        for nodeid in sorted(runs)
        for finding in runs[nodeid]["findings"]
        if not finding[2] and finding[0] not in known.get(nodeid, frozenset())
    ]
    rules = [
        {"id": kind, "shortDescription": {"text": text}} for kind, text in sorted(RULES.items())
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "querybench",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    # imported here: the runner imports SQLAlchemy, which a run that writes nothing never loads
    from querybench.runner.results import write_atomic

    write_atomic(path, json.dumps(log, indent=2) + "\n")
    return len(results)
