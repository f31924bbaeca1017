"""Does the latency gate flap? Run N fresh ``querybench run``s of an unchanged tree, check each.

    .venv/bin/python tests/gate/measure_flapping.py \\
        --baseline src/querybench/baselines/sqlite.json --runs 10 --work /tmp/flapping

With ``--interleaved`` it measures ``querybench compare`` instead (see ``measure_interleaved.py``).

Each run uses the CI command (tiny dataset, ``--min-time 0.05 --rounds 5``). Every run must
pass ``querybench check``; then, for every scenario measured at two sizes or more in turn, a
copy of the run with that scenario's eager cells made 2x slower must fail. Prints one line per
run and a summary (the figure to report). ``--reuse`` checks runs already in the work folder
without measuring again.
Not collected by pytest: it takes minutes and measures the machine, not the code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from querybench.gate import CheckOptions, check
from querybench.gate.latency import MIN_SIZES
from querybench.runner.results import read_results, write_atomic

sys.path.insert(0, str(Path(__file__).parents[2]))
from tests.gate.edits import slow_down  # the repository root is on the path now

RUN = ["run", "--dataset", "tiny", "--min-time", "0.05", "--rounds", "5"]


def main() -> int:
    """Measure, check, report."""
    if "--interleaved" in sys.argv:
        from tests.gate.measure_interleaved import main as interleaved

        return interleaved([arg for arg in sys.argv[1:] if arg != "--interleaved"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--work", type=Path, default=Path("/tmp/querybench-flapping"))
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    querybench = str(Path(sys.executable).with_name("querybench"))
    passed = detected = slowed_total = 0
    worst: list[float] = []
    for number in range(args.runs):
        out = args.work / f"run{number:02d}"
        if not args.reuse:
            subprocess.run([querybench, *RUN, "--out", str(out)], check=True, capture_output=True)
        results_path = out / "results.json"
        report = check(results_path, args.baseline, CheckOptions())
        passed += report.exit_code == 0
        latency = report.latency
        worst.append(latency.worst_change or 0.0)
        results = read_results(results_path)
        sizes: dict[str, set[int]] = {}
        for cell in results.cells:
            if cell.variant == "eager":
                sizes.setdefault(cell.scenario, set()).add(cell.size)
        # Scenarios measured at one size only are not judged on speedup: no slowdown to catch.
        scenarios = sorted(name for name, seen in sizes.items() if len(seen) >= MIN_SIZES)
        caught = 0
        for scenario in scenarios:
            copy = out / "slowed.json"
            write_atomic(copy, slow_down(results, scenario, "eager", 2.0).to_json())
            slowed_report = check(copy, args.baseline, CheckOptions())
            caught += any(
                r.kind == "latency" and r.scenario == scenario for r in slowed_report.regressions
            )
        detected += caught
        slowed_total += len(scenarios)
        print(
            f"run{number:02d}: exit {report.exit_code}, "
            f"{'; '.join(r.line for r in report.regressions) or 'no regression'}; "
            f"worst speedup change {latency.worst_change:+.0%} (single cell "
            f"{latency.worst_cell_change:+.0%}), run noise ±{latency.noise or 0:.0%}, "
            f"allowed drop {latency.allowed_drop:.0%}; 2x eager slowdown caught in "
            f"{caught}/{len(scenarios)} scenarios",
            flush=True,
        )
    print(
        json.dumps(
            {
                "runs": args.runs,
                "passed": passed,
                "worst_speedup_change": min(worst),
                "slowdowns_caught": detected,
                "slowdowns_made": slowed_total,
            }
        )
    )
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
