"""Locust as a subprocess: one local runner, or one master and N workers, all on loopback.

Locust is never imported here (it monkey-patches the process with gevent); it is run as
``python -m locust`` with the package's locustfile and its CSV stats read afterwards. Every run
is bounded twice: by ``--run-time`` and by the locustfile's request bound, and the processes
are killed if they outlive both by a minute. The figures come from Locust's final ``--json``
stats (request counts, the response-time histogram, the first and last request's time), which
are complete when Locust exits, unlike its CSV, written on a timer.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from querybench.errors import BackendError

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class LocustStats:
    """Locust's final stats over every request (times in seconds)."""

    requests: int
    failures: int
    throughput: float
    p50: float
    p95: float
    p99: float

    @property
    def seconds(self) -> float:
        """How long the requests took to make, from the throughput Locust reports."""
        return self.requests / self.throughput if self.throughput else 0.0


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _locust(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def percentile(histogram: dict[int, int], fraction: float) -> float:
    """The response time (ms, as Locust buckets it) below which ``fraction`` of requests fell."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    wanted = max(1, math.ceil(total * fraction))
    seen = 0
    for milliseconds in sorted(histogram):
        seen += histogram[milliseconds]
        if seen >= wanted:
            return float(milliseconds)
    return float(max(histogram))


def parse_stats(text: str) -> LocustStats:
    """Locust's ``--json`` output (one entry per request name) summed into one."""
    try:
        entries = json.loads(text)
    except ValueError:
        raise BackendError("Locust printed no JSON stats") from None
    if not isinstance(entries, list) or not entries:
        raise BackendError("Locust made no request")
    histogram: dict[int, int] = {}
    for entry in entries:
        for milliseconds, count in entry["response_times"].items():
            histogram[int(float(milliseconds))] = histogram.get(int(float(milliseconds)), 0) + count
    requests = sum(int(entry["num_requests"]) for entry in entries)
    start = min(float(entry["start_time"]) for entry in entries)
    last = max(float(entry["last_request_timestamp"] or start) for entry in entries)
    return LocustStats(
        requests=requests,
        failures=sum(int(entry["num_failures"]) for entry in entries),
        throughput=requests / (last - start) if last > start else 0.0,
        p50=percentile(histogram, 0.50) / 1000,
        p95=percentile(histogram, 0.95) / 1000,
        p99=percentile(histogram, 0.99) / 1000,
    )


def run_locust(
    host: str, path: str, *, clients: int, max_requests: int, max_seconds: float, workers: int = 0
) -> LocustStats:
    """``clients`` users GET ``path`` on ``host`` until ``max_requests`` or ``max_seconds``.

    ``workers`` 0 runs one local Locust process; 1 or more run a master and that many worker
    processes, connected over loopback.
    """
    environment = {
        **os.environ,
        "QUERYBENCH_LOAD_PATH": path,
        "QUERYBENCH_LOAD_MAX_REQUESTS": str(max_requests),
        "QUERYBENCH_LOAD_USERS": str(clients),
    }
    common = ["--headless", "-u", str(clients), "-r", str(clients), "-t", f"{max_seconds:g}s",
              "--host", host, "--json", "--skip-log", "--exit-code-on-error", "0"]  # fmt: skip
    processes: list[subprocess.Popen[bytes]] = []
    try:
        if workers == 0:
            processes.append(_start(_locust(*common), environment, output=True))
        else:
            port = free_port()
            master = _locust(*common, "--master",
                             "--master-bind-host", "127.0.0.1",
                             "--master-bind-port", str(port),
                             "--expect-workers", str(workers),
                             "--expect-workers-max-wait", "30")  # fmt: skip
            processes.append(_start(master, environment, output=True))
            worker = _locust("--worker", "--master-host", "127.0.0.1",
                             "--master-port", str(port), "--loglevel", "WARNING")  # fmt: skip
            processes += [_start(worker, environment) for _ in range(workers)]
        return parse_stats(_wait(processes, max_seconds + GRACE_SECONDS))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _start(
    command: list[str], environment: dict[str, str], *, output: bool = False
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.PIPE if output else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(processes: list[subprocess.Popen[bytes]], timeout: float) -> str:
    """Wait for the master (or local runner), then its workers; its stdout. A failure is one
    line."""
    first, *others = processes
    try:
        output, error = first.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BackendError(f"Locust ran past its {timeout:g} s bound and was stopped") from None
    for process in others:
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    if first.returncode != 0:
        last = (error or b"").decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise BackendError(f"Locust exited with status {first.returncode}: {last[0]}")
    return output.decode(errors="replace")
