"""The Locust clients of ``querybench load``: each user GETs one path as fast as it is answered.

Run by Locust in a process of its own (Locust monkey-patches with gevent; nothing of querybench
imports this file). Read from the environment:

- ``QUERYBENCH_LOAD_PATH``: the path every request GETs;
- ``QUERYBENCH_LOAD_MAX_REQUESTS``: the run stops once this many requests were made in all.

The request bound is enforced where the totals are (the local runner, or the master of a
distributed run, which sees its workers' reports), by a greenlet that polls the stats.
"""

from __future__ import annotations

import os
from typing import Any

import gevent  # type: ignore[import-untyped]
from locust import FastHttpUser, constant, events, task
from locust.runners import WorkerRunner

PATH = os.environ.get("QUERYBENCH_LOAD_PATH", "/")
MAX_REQUESTS = int(os.environ.get("QUERYBENCH_LOAD_MAX_REQUESTS", "0"))
POLL_SECONDS = 0.05


def _stop_at_max_requests(environment: Any) -> None:
    runner = environment.runner
    while True:
        gevent.sleep(POLL_SECONDS)
        if runner.stats.total.num_requests >= MAX_REQUESTS:
            runner.quit()
            return


@events.init.add_listener  # type: ignore[untyped-decorator]
def bound_requests(environment: Any, **_: Any) -> None:
    """Start the request-bound watcher where the totals are known (never on a worker)."""
    if MAX_REQUESTS > 0 and not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(_stop_at_max_requests, environment)


class RouteUser(FastHttpUser):
    """One client: GET the path, then again as soon as it is answered (no think time)."""

    wait_time = constant(0)

    @task
    def get_route(self) -> None:
        self.client.get(PATH, name=PATH.split("?", 1)[0])
