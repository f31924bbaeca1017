"""Does ``querybench compare`` flap, and what does it catch? Measured on real trees.

    .venv/bin/python tests/gate/measure_flapping.py --interleaved --tries 30 \\
        --work /tmp/interleaved [--ci-wall]

A detached worktree of HEAD (the "pull request" tree, B) is compared with HEAD (A) by
``querybench compare HEAD`` run inside it, on the tiny dataset, with the command's defaults.
Each try makes four comparisons:

- an unchanged tree, on the two-variant subset and on the single-variant suite: any latency
  regression is a false alarm;
- the two-variant subset (three scenarios at N=10 and 100: 12 cells) with one scenario's eager
  variant slowed 1.2x, another's 1.5x and the third's 2x (a busy loop proportional to the
  variant's own time, edited into B's code; the factors rotate over the scenarios);
- the same on a single-variant suite (the same scenarios, eager only: no naive control; 6 cells).

A slowdown is caught when a latency regression names its scenario and variant; a regression on
any other cell of a slowed run is a false alarm too. ``--ci-wall`` also times a whole gated CI
run both ways: ``querybench run`` + ``check`` (today's) and ``querybench compare`` (all cells).
Prints one line per comparison and a JSON summary. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[2]
SCENARIOS = (
    "QueryHelper.get_all",
    "QueryHelper.count",
    "PaymentRepository.count_user_payments",
)
FACTORS = (1.2, 1.5, 2.0)
PATTERN = "|".join(f"{name}" for name in SCENARIOS)
SINGLE_SUITE = "single_suite.py:registry"

SINGLE_SUITE_CODE = '''"""The payments scenarios with one variant each (eager): no naive control."""
from dataclasses import replace

from querybench.scenarios.builtin import payments_registry


def registry():
    return [replace(s, variants={"eager": s.variants["eager"]}) for s in payments_registry()]
'''

SLOW_CODE = """

# -- measure_interleaved.py: slowed variants (a busy loop proportional to the variant's time) --
import time as _time
from dataclasses import replace as _replace

_SLOW = {slow!r}
_payments_registry = payments_registry


def _slowed(run, factor):
    def run_slowly(session, inputs):
        start = _time.perf_counter()
        result = run(session, inputs)
        end = start + (_time.perf_counter() - start) * factor
        while _time.perf_counter() < end:
            pass
        return result
    return run_slowly


def payments_registry():  # noqa: F811
    registry = _payments_registry()
    for name, (variant, factor) in _SLOW.items():
        scenario = registry._scenarios[name]
        old = scenario.variants[variant]
        slow = _replace(old, run=_slowed(old.run, factor))
        variants = {{**scenario.variants, variant: slow}}
        registry._scenarios[name] = _replace(scenario, variants=variants)
    return registry
"""


def git(*args: str, cwd: Path = ROOT) -> None:
    """Run git quietly; fail loudly."""
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


SIZES = ["--sizes", "10,100"]


def compare(tree: Path, suite: str | None) -> tuple[dict[str, object], float]:
    """``querybench compare HEAD`` in ``tree``: the JSON report and the wall time."""
    command = [str(Path(sys.executable).with_name("querybench")), "compare", "HEAD"]
    command += [suite] if suite else []
    command += ["-k", PATTERN, *SIZES, "--format", "json"]
    start = time.monotonic()
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"compare failed ({done.returncode}): {done.stderr.strip()}")
    report: dict[str, object] = json.loads(done.stdout)
    return report, time.monotonic() - start


def set_slowdowns(tree: Path, slow: dict[str, tuple[str, float]]) -> None:
    """B's code: the committed builtin registry, plus the slowed variants if any."""
    builtin = tree / "src" / "querybench" / "scenarios" / "builtin.py"
    git("checkout", "--", str(builtin.relative_to(tree)), cwd=tree)
    if slow:
        with builtin.open("a", encoding="utf-8") as out:
            out.write(SLOW_CODE.format(slow=slow))


def latency_regressions(report: dict[str, object]) -> list[dict[str, object]]:
    """The report's latency regressions."""
    found = report["regressions"]
    assert isinstance(found, list)
    return [item for item in found if item["kind"] == "latency"]


def uptime() -> str:
    """The load averages, for the record."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def ci_wall(tree: Path, work: Path) -> dict[str, float]:
    """Wall time of today's gated CI run and of the interleaved one, on the tiny dataset."""
    querybench = str(Path(sys.executable).with_name("querybench"))
    start = time.monotonic()
    run = [querybench, "run", "--dataset", "tiny", "--min-time", "0.05", "--rounds", "5"]
    subprocess.run([*run, "--out", str(work / "ci")], cwd=tree, capture_output=True, check=True)
    baseline = str(ROOT / "src" / "querybench" / "baselines" / "sqlite.json")
    check = [querybench, "check", str(work / "ci" / "results.json"), "--baseline", baseline]
    subprocess.run(check, cwd=tree, capture_output=True, check=False)
    today = time.monotonic() - start
    start = time.monotonic()
    subprocess.run([querybench, "compare", "HEAD"], cwd=tree, capture_output=True, check=False)
    return {"run_and_check_s": today, "compare_s": time.monotonic() - start}


def main(argv: list[str]) -> int:
    """Measure, print, summarise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--work", type=Path, default=Path("/tmp/querybench-interleaved"))
    parser.add_argument("--ci-wall", action="store_true")
    parser.add_argument(
        "--minutes", type=float, default=0.0, help="stop starting tries after this long"
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    tree = args.work / "tree"
    if tree.exists():
        git("worktree", "remove", "--force", str(tree))
    git("worktree", "add", "--detach", str(tree), "HEAD")
    # The suite must be in both trees: a commit of its own on the detached tree, made the base.
    (tree / "single_suite.py").write_text(SINGLE_SUITE_CODE, encoding="utf-8")
    git("add", "single_suite.py", cwd=tree)
    git(
        "-c",
        "user.name=measure",
        "-c",
        "user.email=m@localhost",
        "commit",
        "-qm",
        "suite",
        cwd=tree,
    )
    summary: dict[str, object] = {"uptime_before": uptime()}
    false_alarms = {"unchanged_paired": 0, "unchanged_single": 0, "slowed_runs_other_cells": 0}
    unchanged_runs = {"paired": 0, "single": 0}
    caught = {f"{suite}:{factor}x": 0 for suite in ("paired", "single") for factor in FACTORS}
    walls: list[float] = []
    try:
        started = time.monotonic()
        for number in range(args.tries):
            if args.minutes and time.monotonic() - started > args.minutes * 60:
                print(f"stopped after {number} tries: --minutes {args.minutes:g}", flush=True)
                break
            set_slowdowns(tree, {})
            for kind, suite in (("paired", None), ("single", SINGLE_SUITE)):
                report, wall = compare(tree, suite)
                walls.append(wall)
                alarms = latency_regressions(report)
                unchanged_runs[kind] += 1
                false_alarms[f"unchanged_{kind}"] += bool(alarms)
                print(
                    f"try {number:02d} unchanged {kind}: "
                    f"{len(alarms)} latency regressions, worst ratio "
                    f"{1 + (report['latency']['worst_change'] or 0):.2f}x, {wall:.1f} s",  # type: ignore[index]
                    flush=True,
                )
            # Rotate: try k slows SCENARIOS[k % 3] by 1.2x, the next by 1.5x, the next by 2x.
            chosen = [SCENARIOS[(number + i) % len(SCENARIOS)] for i in range(len(FACTORS))]
            slow = {name: ("eager", factor) for name, factor in zip(chosen, FACTORS, strict=True)}
            set_slowdowns(tree, slow)
            for kind, suite in (("paired", None), ("single", SINGLE_SUITE)):
                report, wall = compare(tree, suite)
                walls.append(wall)
                alarms = latency_regressions(report)
                named = {(a["scenario"], a["variant"]) for a in alarms}
                hits = []
                for name, (variant, factor) in slow.items():
                    hit = (name, variant) in named
                    caught[f"{kind}:{factor}x"] += hit
                    hits.append(f"{factor}x {'caught' if hit else 'MISSED'}")
                others = [a for a in alarms if a["scenario"] not in slow]
                false_alarms["slowed_runs_other_cells"] += bool(others)
                print(
                    f"try {number:02d} slowed {kind}: {', '.join(hits)}; "
                    f"{len(others)} false alarms elsewhere; {wall:.1f} s",
                    flush=True,
                )
        summary.update(
            tries=unchanged_runs["paired"],
            unchanged_runs=unchanged_runs,
            false_alarm_runs=false_alarms,
            caught=caught,
            mean_compare_wall_s=sum(walls) / len(walls),
        )
        if args.ci_wall:
            set_slowdowns(tree, {})
            summary["ci_wall"] = ci_wall(tree, args.work)
    finally:
        git("worktree", "remove", "--force", str(tree))
    summary["uptime_after"] = uptime()
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
