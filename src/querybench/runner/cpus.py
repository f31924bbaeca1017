"""Which CPU the two workers of an interleaved comparison share.

Two vCPUs of one machine can run the same code at different speeds for seconds at a time (a
neighbour on the host, steal time, another process): on this project's 2-core VM, an A/A
comparison with the workers free to land on either CPU had paired log ratios spread twice as
wide (standard deviation 0.15-0.42, most above 0.26, against 0.13-0.19) as with both pinned to
one CPU (``taskset -c 0``), and median ratios up to 1.7x on unchanged code. Pinned together,
whatever slows that CPU slows both sides.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

STAT = Path("/proc/stat")


def _busy() -> dict[int, tuple[int, int]]:
    """Per CPU: (busy, total) jiffies so far, steal counted as busy."""
    found: dict[int, tuple[int, int]] = {}
    for line in STAT.read_text(encoding="ascii").splitlines():
        name, *fields = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        ticks = [int(field) for field in fields[:8]]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        found[int(name[3:])] = (sum(ticks) - idle, sum(ticks))
    return found


def idlest_cpu(sample: float = 0.2) -> int | None:
    """The CPU this process may run on that was idlest over ``sample`` seconds; None where a
    process cannot be pinned (not Linux). Without ``/proc/stat``, the first allowed CPU."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) == 1:
        return allowed[0]
    try:
        before = _busy()
        time.sleep(sample)
        after = _busy()
    except (OSError, ValueError, IndexError):
        return allowed[0]

    def load(cpu: int) -> float:
        busy = after[cpu][0] - before[cpu][0]
        total = after[cpu][1] - before[cpu][1]
        return busy / total if total > 0 else 0.0

    known = [cpu for cpu in allowed if cpu in before and cpu in after]
    return min(known, key=load) if known else allowed[0]


def pin(pid: int, cpu: int | None) -> None:
    """Run ``pid`` on ``cpu`` only (nothing when ``cpu`` is None or the process is gone)."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return
    with contextlib.suppress(OSError):  # ProcessLookupError is an OSError
        os.sched_setaffinity(pid, {cpu})
