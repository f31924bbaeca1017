"""The environment block of a results file: what the numbers were measured on."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy

from querybench.runner.backends import Backend
from querybench.runner.results import BackendInfo, Environment


def cpu_model() -> str:
    """The CPU model name (from /proc/cpuinfo on Linux) and the number of cores."""
    name = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                name = line.partition(":")[2].strip()
                break
    return f"{name} ({os.cpu_count()} cores)"


def git_commit() -> str:
    """The current git commit (with ``+dirty`` for uncommitted changes), or '' outside a repo."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{commit}+dirty" if dirty else commit


def describe(backends: list[Backend], dataset: str, digest: str) -> Environment:
    """The environment of a run starting now."""
    try:
        version = metadata.version("querybench")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "unknown"
    return Environment(
        python=platform.python_version(),
        sqlalchemy=sqlalchemy.__version__,
        querybench=version,
        machine=f"{platform.system()} {platform.release()} {platform.machine()}",
        cpu=cpu_model(),
        git_commit=git_commit(),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        dataset=dataset,
        dataset_digest=digest,
        backends=tuple(
            BackendInfo(b.label, b.name, b.driver, b.server_version, b.url, b.rtt_ms)
            for b in backends
        ),
    )
