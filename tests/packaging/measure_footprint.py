"""What a core install costs: packages, megabytes, pytest start-up. A measuring script, not a test.

    .venv/bin/python tests/packaging/measure_footprint.py [--work DIR] [--repeats 15]

1. Footprint: fresh venvs (``python3 -m venv``), each with one install: querybench's wheel
   (core only, built here), pytest-queryguard 0.4.1, pytest-querycount 0.4.0, and
   querybench + pytest for a like-for-like comparison with the two pytest plugins. For each:
   the packages installed beyond a bare venv's, and ``du -sk`` of the venv minus the bare one.
2. Start-up: a generated user suite (40 files x 25 tests, SQLAlchemy imported by each file),
   ``pytest --collect-only -q`` in a venv with pytest + SQLAlchemy, and in the same venv with
   querybench installed (installed, unused), interleaved, ``--repeats`` times each; median and
   ratio. Then the suite itself runs both ways: the outcome lines must be equal.

Prints a markdown table. Needs the package index the machine's pip uses; takes a few minutes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
BARE_PACKAGES = {"pip", "setuptools"}


def run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def venv(path: Path, *packages: str | Path) -> Path:
    """A fresh venv at ``path`` with ``packages`` installed; returns its bin folder."""
    run("python3", "-m", "venv", path)
    if packages:
        run(path / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", *packages)
    return path / "bin"


def kilobytes(path: Path) -> int:
    return int(run("du", "-sk", path).split()[0])


def packages(bin_folder: Path) -> list[str]:
    listed = run(bin_folder / "python", "-m", "pip", "list", "--format=freeze")
    names = [line.split("==")[0] for line in listed.splitlines() if line]
    return sorted(name for name in names if name.lower() not in BARE_PACKAGES)


def build_wheel(work: Path) -> Path:
    run(sys.executable, "-m", "build", "--wheel", "--outdir", work / "dist", REPOSITORY)
    return next((work / "dist").glob("querybench-*.whl"))


def footprint(work: Path, wheel: Path) -> list[tuple[str, int, float, str]]:
    bare = kilobytes(venv(work / "bare").parent)
    rows = []
    for label, install in [
        ("querybench (core)", [wheel]),
        ("querybench (core) + pytest", [wheel, "pytest"]),
        ("pytest-queryguard 0.4.1", ["pytest-queryguard==0.4.1"]),
        ("pytest-querycount 0.4.0", ["pytest-querycount==0.4.0"]),
    ]:
        folder = work / label.split()[0].replace("(", "") / str(len(rows))
        bin_folder = venv(folder, *install)
        names = packages(bin_folder)
        megabytes = (kilobytes(folder) - bare) / 1024
        rows.append((label, len(names), megabytes, ", ".join(names)))
    return rows


SUITE_FILE = """
import sqlalchemy as sa
import pytest

@pytest.mark.parametrize("n", range({tests}))
def test_value(n):
    assert sa.literal(n) is not None
"""


def startup(work: Path, wheel: Path, repeats: int) -> tuple[float, float, str, str]:
    suite = work / "suite"
    suite.mkdir()
    for index in range(40):
        (suite / f"test_{index:02d}.py").write_text(SUITE_FILE.format(tests=25))
    without = venv(work / "startup", "pytest", "sqlalchemy")
    with_qb = venv(work / "startup-qb", "pytest", "sqlalchemy", wheel)
    timings: dict[Path, list[float]] = {without: [], with_qb: []}
    for _ in range(repeats):
        for bin_folder in (without, with_qb):  # interleaved: drifting load hits both alike
            start = time.perf_counter()
            run(bin_folder / "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", cwd=suite)
            timings[bin_folder].append(time.perf_counter() - start)
    outcomes = [
        run(b / "pytest", "-q", "-p", "no:cacheprovider", cwd=suite).strip().splitlines()[-1]
        for b in (without, with_qb)
    ]
    plain, installed = (statistics.median(timings[b]) for b in (without, with_qb))
    return plain, installed, outcomes[0], outcomes[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--repeats", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="querybench-footprint-") as scratch:
        work = options.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        wheel = build_wheel(work)
        print("| install | packages | MB (venv minus bare venv) | packages installed |")
        print("|---|---:|---:|---|")
        for label, count, megabytes, names in footprint(work, wheel):
            print(f"| {label} | {count} | {megabytes:.1f} | {names} |")
        plain, installed, outcome_plain, outcome_installed = startup(work, wheel, options.repeats)
        print(
            f"\npytest --collect-only, 1000 tests in 40 files, median of {options.repeats}: "
            f"without querybench {plain * 1e3:.0f} ms, with querybench installed (unused) "
            f"{installed * 1e3:.0f} ms, ratio {installed / plain:.3f}"
        )
        print(f"outcome without: {outcome_plain!r}; with: {outcome_installed!r}")
        return 0 if outcome_plain.split(" in ")[0] == outcome_installed.split(" in ")[0] else 1


if __name__ == "__main__":
    sys.exit(main())
